# Reference values for stigma_analysis.structure.cfa: the std.lv factor sign and the standardised
# (std.all) residual covariances, on HolzingerSwineford1939.
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), lavaan 0.6-14, jsonlite.
# Run from the repository root:  Rscript tests/results/lavaan_hs_std.R
# Reads tests/data/HolzingerSwineford1939.csv and tests/data/bfi.csv; writes tests/results/lavaan_hs_std.json.
#
# 1. std.lv = TRUE fixes each factor's sign by its FIRST indicator (lavaan's loading is positive).
#    With x1r = -x1 as the first visual indicator, the loadings of visual sum to a positive
#    number only if x1r loads negatively: the "first indicator" and "positive sum" rules differ.
#      cfa(model_rev, data = HS, std.lv = TRUE)                         (single group)
#      cfa(model_rev, data = HS, std.lv = TRUE, group = "school")       (configural)
# 2. std.all of a residual covariance is theta_ij / sqrt(theta_ii theta_jj) (Mplus STDYX):
#      standardizedSolution(cfa(model_rescov, data = HS))
#    and for ordinal items (delta parameterisation, residual variances 1 - R^2), on 10 bfi items:
#      cfa(model_dwls, data = bfi[complete.cases(bfi[items]), items], ordered = items,
#          estimator = "DWLS")
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
HS <- read.csv("tests/data/HolzingerSwineford1939.csv")
HS$x1r <- -HS$x1

model_rev <- "visual =~ x1r + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
model_rescov <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
x7 ~~ x8"
keys <- c("chisq", "df", "cfi", "tli", "rmsea", "srmr", "npar")
tidy_pe <- function(fit) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  if (is.null(pe$group)) pe$group <- 1L
  ss <- standardizedSolution(fit)
  if (is.null(ss$group)) ss$group <- 1L
  pe <- merge(pe, ss[, c("lhs", "op", "rhs", "group", "est.std")], sort = FALSE)
  pe[, c("lhs", "op", "rhs", "group", "est", "se", "std.all", "est.std")]
}
fit_rev <- cfa(model_rev, data = HS, std.lv = TRUE)
fit_rev_mg <- cfa(model_rev, data = HS, std.lv = TRUE, group = "school")
fit_rescov <- cfa(model_rescov, data = HS)
fit_rescov_stdlv <- cfa(model_rescov, data = HS, std.lv = TRUE, group = "school")
bfi <- read.csv("tests/data/bfi.csv")
items <- c(paste0("A", 1:5), paste0("E", 1:5))
x <- bfi[complete.cases(bfi[items]), items]
model_dwls <- "agree =~ A1 + A2 + A3 + A4 + A5
extra =~ E1 + E2 + E3 + E4 + E5
E1 ~~ E2"
fit_dwls <- cfa(model_dwls, data = x, ordered = items, estimator = "DWLS")

out <- list(
  versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
  model_rev = model_rev,
  model_rescov = model_rescov,
  stdlv_rev = list(fit = as.list(fitMeasures(fit_rev, keys)), estimates = tidy_pe(fit_rev)),
  stdlv_rev_mg = list(fit = as.list(fitMeasures(fit_rev_mg, keys)),
                      groups = lavInspect(fit_rev_mg, "group.label"),
                      estimates = tidy_pe(fit_rev_mg)),
  rescov = list(fit = as.list(fitMeasures(fit_rescov, keys)), estimates = tidy_pe(fit_rescov)),
  rescov_stdlv_mg = list(fit = as.list(fitMeasures(fit_rescov_stdlv, keys)),
                         groups = lavInspect(fit_rescov_stdlv, "group.label"),
                         estimates = tidy_pe(fit_rescov_stdlv)),
  dwls_rescov = list(model = model_dwls, items = items, n = nrow(x),
                     fit = as.list(fitMeasures(fit_dwls, keys)), estimates = tidy_pe(fit_dwls))
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE),
           "tests/results/lavaan_hs_std.json")
