# Reference values for stigma_analysis.structure.efa: the objective and fit statistics
# (chi-square, RMSEA with 90% interval, TLI, BIC, null model, RMSR) and promax rotation.
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), psych 2.2.9, GPArotation 2022.10-2,
# jsonlite.  Run from the repository root:  Rscript tests/results/psych_efa_fit.R
# Reads tests/data/bfi.csv (bfi[1:25], n = 2800, pairwise correlations); writes
# tests/results/psych_efa_fit.json.
#   fa(x, nfactors = 5, fm = fm, rotate = rotate)   for fm in minres, ml and rotate in
#                                                   oblimin, varimax, none, promax
#   factanal(covmat = cor(x, use = "pairwise"), factors = 5, n.obs = 2800,
#            rotation = "none")$criteria["objective"]          (the ML objective, as factanal)
suppressPackageStartupMessages({library(psych); library(GPArotation); library(jsonlite)})
x <- read.csv("tests/data/bfi.csv")[1:25]
R <- cor(x, use = "pairwise")
stats <- function(f) list(
  objective = f$objective, chisq = f$STATISTIC, df = f$dof, p_value = f$PVAL,
  rmsea = unname(f$RMSEA[1]), rmsea_ci_low = unname(f$RMSEA[2]),
  rmsea_ci_high = unname(f$RMSEA[3]), tli = f$TLI, bic = f$BIC,
  null_objective = f$null.model, null_chisq = f$null.chisq, null_df = f$null.dof,
  rms = f$rms, crms = f$crms, fit = f$fit, fit_off = f$fit.off,
  loadings = unclass(f$loadings), uniquenesses = unname(f$uniquenesses),
  phi = if (is.null(f$Phi)) diag(ncol(f$loadings)) else f$Phi
)
fits <- list()
for (fm in c("minres", "ml")) for (rot in c("oblimin", "varimax", "none", "promax")) {
  fits[[paste(fm, rot, sep = "_")]] <- stats(fa(x, nfactors = 5, fm = fm, rotate = rot))
}
fits[["minres_oblimin_2"]] <- stats(fa(x, nfactors = 2, fm = "minres", rotate = "oblimin"))
fa_ml <- factanal(covmat = R, factors = 5, n.obs = nrow(x), rotation = "none")
out <- list(
  versions = list(R = R.version.string, psych = as.character(packageVersion("psych")),
                  GPArotation = as.character(packageVersion("GPArotation"))),
  items = colnames(x), n = nrow(x),
  factanal_objective = unname(fa_ml$criteria["objective"]),
  factanal_uniquenesses = unname(fa_ml$uniquenesses),
  fits = fits
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE,
                  matrix = "rowmajor"),
           "tests/results/psych_efa_fit.json")
