# Reference values for stigma_analysis.structure EFA on psych's bfi (25 personality items).
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), psych 2.2.9, GPArotation 2022.10-2, jsonlite.
# Run from the repository root:  Rscript tests/results/psych_fa_bfi.R
# Writes tests/data/bfi.csv (unless another script already wrote it) and
# tests/results/psych_fa_bfi.json.
suppressPackageStartupMessages({library(psych); library(GPArotation); library(jsonlite)})
if (!file.exists("tests/data/bfi.csv")) write.csv(psych::bfi, "tests/data/bfi.csv", row.names = FALSE)
x <- psych::bfi[1:25]
R <- cor(x, use = "pairwise")
ev <- eigen(R)$values
k <- KMO(x)
b <- cortest.bartlett(x)                                    # n = nrow(x) = 2800
fa_tidy <- function(f) {
  L <- unclass(f$loadings)
  list(loadings = L, communalities = unname(f$communality),
       phi = if (is.null(f$Phi)) diag(ncol(L)) else f$Phi, items = rownames(L))
}
f1 <- fa(x, nfactors = 5, fm = "minres", rotate = "oblimin")
f2 <- fa(x, nfactors = 5, fm = "minres", rotate = "varimax")
f3 <- fa(x, nfactors = 5, fm = "ml", rotate = "oblimin")
f4 <- fa(x, nfactors = 5, fm = "minres", rotate = "none")
f5 <- fa(x, nfactors = 5, fm = "ml", rotate = "varimax")
out <- list(
  versions = list(R = R.version.string, psych = as.character(packageVersion("psych")),
                  GPArotation = as.character(packageVersion("GPArotation"))),
  items = colnames(x),
  eigenvalues = ev,
  kmo = list(msa = k$MSA, msai = unname(k$MSAi)),
  bartlett = list(chisq = b$chisq, df = b$df, p_value = b$p.value),
  fa_minres_oblimin = fa_tidy(f1),
  fa_minres_varimax = fa_tidy(f2),
  fa_ml_oblimin = fa_tidy(f3),
  fa_minres_none = fa_tidy(f4),
  fa_ml_varimax = fa_tidy(f5)
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, matrix = "rowmajor"),
           "tests/results/psych_fa_bfi.json")
