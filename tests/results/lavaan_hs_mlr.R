# Reference values for stigma_analysis.structure.cfa(estimator = "MLR") on
# HolzingerSwineford1939: Yuan-Bentler (Mplus) scaled chi-square, scaled and robust fit
# indices, Huber-White standard errors.
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), lavaan 0.6-14, jsonlite.
# Run from the repository root:  Rscript tests/results/lavaan_hs_mlr.R
# Reads tests/data/HolzingerSwineford1939.csv; writes tests/results/lavaan_hs_mlr.json.
#   cfa(model, data = HS, estimator = "MLR")                      (single group)
#   cfa(model, data = HS, estimator = "MLR", group = "school")    (configural)
#   cfa(model, data = HS, estimator = "MLR", group = "school", group.equal = "loadings")
# lavaan 0.6-14 defaults for MLR: test = "yuan.bentler.mplus", se = "robust.huber.white",
# information = "observed" (Hessian), h1.information = "structured", meat = "first.order".
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
HS <- read.csv("tests/data/HolzingerSwineford1939.csv")
model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
keys <- c("chisq", "df", "chisq.scaled", "pvalue.scaled", "chisq.scaling.factor",
          "baseline.chisq", "baseline.chisq.scaled", "baseline.chisq.scaling.factor",
          "cfi", "tli", "cfi.scaled", "tli.scaled", "cfi.robust", "tli.robust",
          "rmsea", "rmsea.scaled", "rmsea.robust", "rmsea.ci.lower.robust",
          "rmsea.ci.upper.robust", "srmr")
tidy_pe <- function(fit) {
  pe <- parameterEstimates(fit)
  if (is.null(pe$group)) pe$group <- 1L
  pe[, c("lhs", "op", "rhs", "group", "est", "se")]
}
fits <- list(
  single = cfa(model, data = HS, estimator = "MLR"),
  configural = cfa(model, data = HS, estimator = "MLR", group = "school"),
  metric = cfa(model, data = HS, estimator = "MLR", group = "school", group.equal = "loadings")
)
out <- list(
  versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
  model = model,
  groups = lavInspect(fits$configural, "group.label"),
  fits = lapply(fits, function(f) list(fit = as.list(fitMeasures(f, keys)),
                                       estimates = tidy_pe(f)))
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE),
           "tests/results/lavaan_hs_mlr.json")
