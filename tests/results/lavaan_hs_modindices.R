# Reference values for CFAResult.modification_indices() and .residual_correlations() on
# HolzingerSwineford1939.
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), lavaan 0.6-14, jsonlite.
# Run from the repository root:  Rscript tests/results/lavaan_hs_modindices.R
# Reads tests/data/HolzingerSwineford1939.csv; writes tests/results/lavaan_hs_modindices.json.
#   modindices(fit)                 columns lhs, op, rhs, group, mi, epc, sepc.lv, sepc.all
#   resid(fit, type = "cor")$cov    (per group for the multi-group fit)
# for fit = cfa(model, HS); cfa(model, HS, group = "school");
# cfa(model, HS, group = "school", group.equal = "loadings"); cfa(model, HS, orthogonal = TRUE);
# cfa(model, HS, std.lv = TRUE)
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
HS <- read.csv("tests/data/HolzingerSwineford1939.csv")
model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
fits <- list(
  single = cfa(model, data = HS),
  configural = cfa(model, data = HS, group = "school"),
  metric = cfa(model, data = HS, group = "school", group.equal = "loadings"),
  orthogonal = cfa(model, data = HS, orthogonal = TRUE),
  stdlv = cfa(model, data = HS, std.lv = TRUE)
)
mi_tidy <- function(fit) {
  mi <- modindices(fit)
  if (is.null(mi$group)) mi$group <- 1L
  mi[, c("lhs", "op", "rhs", "group", "mi", "epc", "sepc.lv", "sepc.all")]
}
rc <- function(fit) {
  r <- resid(fit, type = "cor")
  if (!is.null(r$cov)) list(unclass(r$cov)) else lapply(r, function(x) unclass(x$cov))
}
out <- list(
  versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
  model = model,
  groups = lavInspect(fits$configural, "group.label"),
  modindices = lapply(fits, mi_tidy),
  resid_cor = lapply(fits[c("single", "configural")], rc)
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE,
                  matrix = "rowmajor"),
           "tests/results/lavaan_hs_modindices.json")
