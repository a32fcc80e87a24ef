# Reference values for stigma_analysis.structure.efa(rotation = "geomin") and EFAResult.scores
# on psych's bfi (first 15 items: A1-A5, C1-C5, E1-E5), 3 factors, ML extraction.
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), psych 2.2.9, GPArotation 2022.10-2, jsonlite
# (versions also written into the JSON).
# Run from the repository root:  Rscript tests/results/gparotation_geomin_bfi.R
# Writes tests/results/gparotation_geomin_bfi.json (geomin loadings and Phi) and
# tests/results/psych_factor_scores_bfi.json (factor scores of the first 20 respondents).
# Exact calls:
#   f <- psych::fa(bfi[1:15], nfactors = 3, rotate = "geominQ", fm = "ml")
#     (GPArotation::geominQ: delta = 0.01, one start from the identity, eps = 1e-5)
#   psych::factor.scores(bfi[1:15], f, method = "Thurstone")   # regression scores
#   psych::factor.scores(bfi[1:15], f, method = "Bartlett")
# Also the same two score methods on fa(..., rotate = "oblimin", fm = "ml").
suppressPackageStartupMessages({library(psych); library(GPArotation); library(jsonlite)})
x <- psych::bfi[1:15]
f <- fa(x, nfactors = 3, rotate = "geominQ", fm = "ml")
fo <- fa(x, nfactors = 3, rotate = "oblimin", fm = "ml")
versions <- list(R = R.version.string, psych = as.character(packageVersion("psych")),
                 GPArotation = as.character(packageVersion("GPArotation")))
geo <- list(
  versions = versions,
  call = 'fa(bfi[1:15], nfactors = 3, rotate = "geominQ", fm = "ml")',
  items = colnames(x),
  loadings = unclass(f$loadings),
  phi = f$Phi,
  communalities = unname(f$communality),
  criterion = GPArotation:::vgQ.geomin(unclass(f$loadings))$f
)
writeLines(toJSON(geo, digits = NA, auto_unbox = TRUE, pretty = TRUE, matrix = "rowmajor"),
           "tests/results/gparotation_geomin_bfi.json")
sc <- function(fit, method) {
  s <- factor.scores(x, fit, method = method)
  list(scores = unname(s$scores[1:20, ]), weights = unname(s$weights))
}
out <- list(
  versions = versions,
  items = colnames(x),
  rows = 20,
  geomin = list(loadings = unclass(f$loadings), phi = f$Phi,
                regression = sc(f, "Thurstone"), bartlett = sc(f, "Bartlett")),
  oblimin = list(loadings = unclass(fo$loadings), phi = fo$Phi,
                 regression = sc(fo, "Thurstone"), bartlett = sc(fo, "Bartlett"))
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, matrix = "rowmajor",
                  na = "null"),
           "tests/results/psych_factor_scores_bfi.json")
