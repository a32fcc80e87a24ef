# Reference values for stigma_analysis.structure CFA with missing = "fiml" (lavaan missing = "ml").
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), lavaan 0.6-14, jsonlite.
# Run from the repository root:  Rscript tests/results/lavaan_fiml_hs.R
# Holes are punched into HolzingerSwineford1939 deterministically (no RNG): item k of row i is
# missing when (7 * i + 3 * k) %% 23 == 0 or, for x1-x3, when ageyr == 12 and i %% 3 == 0.
# Writes tests/data/HolzingerSwineford1939_missing.csv and tests/results/lavaan_fiml_hs.json.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
HS <- lavaan::HolzingerSwineford1939
items <- paste0("x", 1:9)
for (k in 1:9) {
  i <- seq_len(nrow(HS))
  hole <- (7 * i + 3 * k) %% 23 == 0
  if (k <= 3) hole <- hole | (HS$ageyr == 12 & i %% 3 == 0)
  HS[hole, items[k]] <- NA
}
write.csv(HS, "tests/data/HolzingerSwineford1939_missing.csv", row.names = FALSE)
model <- "visual =~ x1 + x2 + x3
          textual =~ x4 + x5 + x6
          speed =~ x7 + x8 + x9"
keys <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
          "srmr", "aic", "bic", "logl", "unrestricted.logl", "npar", "baseline.chisq", "ntotal")
pe <- function(f) {
  x <- parameterEstimates(f, standardized = TRUE)
  if (is.null(x$group)) x$group <- 1L
  x[, c("lhs", "op", "rhs", "group", "est", "se", "std.all")]
}
single <- cfa(model, data = HS, missing = "ml")
metric <- cfa(model, data = HS, missing = "ml", group = "school", group.equal = "loadings")
out <- list(
  versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
  n_missing = sum(is.na(HS[items])),
  single = list(fit = as.list(fitMeasures(single, keys)), estimates = pe(single)),
  metric = list(fit = as.list(fitMeasures(metric, keys)), estimates = pe(metric))
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE),
           "tests/results/lavaan_fiml_hs.json")
