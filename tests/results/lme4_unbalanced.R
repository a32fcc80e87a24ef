# Reference values for stigma_analysis.models.fit_model(family="mixed") on UNBALANCED panels
# (missing waves, as with attrition): lme4's sleepstudy with a seeded 20% of rows dropped.
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), lme4 1.1-31, jsonlite.
# Run from the repository root:  Rscript tests/results/lme4_unbalanced.R
# Writes tests/data/sleepstudy_unbalanced.csv (the rows kept) and
# tests/results/lme4_unbalanced.json.
# The SEs are lme4's vcov(): sigma^2 (X' V^-1 X)^-1 at the REML estimates (V / sigma^2 =
# Z Lambda Lambda' Z' + I); statsmodels' MixedLM cov_params() differs from it on unbalanced data.
suppressPackageStartupMessages({library(lme4); library(jsonlite)})
data("sleepstudy", package = "lme4")
set.seed(20261130)
drop <- sort(sample(nrow(sleepstudy), round(0.2 * nrow(sleepstudy))))  # 36 of 180 rows
unbalanced <- sleepstudy[-drop, ]
write.csv(unbalanced, "tests/data/sleepstudy_unbalanced.csv", row.names = FALSE)

summarise <- function(fit, call) {
  fe <- summary(fit)$coefficients
  vc <- as.data.frame(VarCorr(fit))
  list(
    call = call,
    fixed = list(term = rownames(fe), estimate = unname(fe[, "Estimate"]),
                 se = unname(fe[, "Std. Error"])),
    vcov = unname(as.matrix(vcov(fit))),
    var_components = list(grp = vc$grp, var1 = ifelse(is.na(vc$var1), "", vc$var1),
                          var2 = ifelse(is.na(vc$var2), "", vc$var2),
                          vcov = vc$vcov, sdcor = vc$sdcor),
    reml_criterion = unname(REMLcrit(fit)),
    loglik_reml = as.numeric(logLik(fit)),
    n = nobs(fit),
    n_groups = unname(ngrps(fit))
  )
}
slope <- lmer(Reaction ~ Days + (Days | Subject), data = unbalanced, REML = TRUE)
intercept <- lmer(Reaction ~ Days + (1 | Subject), data = unbalanced, REML = TRUE)
out <- list(
  versions = list(R = R.version.string, lme4 = as.character(packageVersion("lme4"))),
  seed = 20261130,
  dropped_rows = drop,
  random_slope = summarise(
    slope, "lmer(Reaction ~ Days + (Days | Subject), data = unbalanced, REML = TRUE)"),
  random_intercept = summarise(
    intercept, "lmer(Reaction ~ Days + (1 | Subject), data = unbalanced, REML = TRUE)")
)
write_json(out, "tests/results/lme4_unbalanced.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE)
