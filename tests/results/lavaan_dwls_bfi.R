# Reference values for stigma_analysis.structure ordinal CFA (DWLS on polychoric correlations).
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), lavaan 0.6-14, jsonlite.
# Run from the repository root:  Rscript tests/results/lavaan_dwls_bfi.R
# Uses tests/data/bfi.csv (psych::bfi); complete cases on the 15 items (listwise, as lavaan).
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
bfi <- read.csv("tests/data/bfi.csv")
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5))
x <- bfi[complete.cases(bfi[items]), c(items, "gender")]
model <- "agree =~ A1 + A2 + A3 + A4 + A5
          consc =~ C1 + C2 + C3 + C4 + C5
          extra =~ E1 + E2 + E3 + E4 + E5"
fit <- cfa(model, data = x, ordered = items, estimator = "DWLS")
pe <- parameterEstimates(fit, standardized = TRUE)
keys <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
          "srmr", "npar", "baseline.chisq", "baseline.df")
ss <- lavInspect(fit, "sampstat")
# same point estimates; robust (sandwich) standard errors as reported by WLSMV
fit_wlsmv <- cfa(model, data = x, ordered = items, estimator = "WLSMV")
pe_wlsmv <- parameterEstimates(fit_wlsmv)
out <- list(
  versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
  items = items, n = nrow(x),
  polychoric = unclass(ss$cov), thresholds = unname(ss$th), threshold_names = names(ss$th),
  wls_v = diag(lavInspect(fit, "wls.v")),
  fit = as.list(fitMeasures(fit, keys)),
  estimates = pe[, c("lhs", "op", "rhs", "est", "se", "std.all")],
  se_robust = pe_wlsmv$se
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, matrix = "rowmajor"),
           "tests/results/lavaan_dwls_bfi.json")
