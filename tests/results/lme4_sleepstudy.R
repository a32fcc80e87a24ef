# Reference values for stigma_analysis.models.fit_model(family="mixed") on lme4's sleepstudy.
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), lme4 1.1-31, jsonlite.
# Run from the repository root:  Rscript tests/results/lme4_sleepstudy.R
# Writes tests/data/sleepstudy.csv and tests/results/lme4_sleepstudy.json.
suppressPackageStartupMessages({library(lme4); library(jsonlite)})
data("sleepstudy", package = "lme4")
write.csv(sleepstudy, "tests/data/sleepstudy.csv", row.names = FALSE)

fit <- lmer(Reaction ~ Days + (Days | Subject), data = sleepstudy, REML = TRUE)
fe <- summary(fit)$coefficients
vc <- as.data.frame(VarCorr(fit))
out <- list(
  call = "lmer(Reaction ~ Days + (Days | Subject), data = sleepstudy, REML = TRUE)",
  versions = list(R = R.version.string, lme4 = as.character(packageVersion("lme4"))),
  fixed = list(term = rownames(fe), estimate = unname(fe[, "Estimate"]),
               se = unname(fe[, "Std. Error"])),
  sd_intercept = vc$sdcor[vc$grp == "Subject" & vc$var1 == "(Intercept)" & is.na(vc$var2)],
  sd_days = vc$sdcor[vc$grp == "Subject" & vc$var1 == "Days" & is.na(vc$var2)],
  cor_intercept_days = vc$sdcor[vc$grp == "Subject" & !is.na(vc$var2)],
  sd_residual = vc$sdcor[vc$grp == "Residual"],
  reml_criterion = unname(REMLcrit(fit)),
  loglik_reml = as.numeric(logLik(fit)),
  n = nobs(fit),
  n_groups = unname(ngrps(fit))
)
write_json(out, "tests/results/lme4_sleepstudy.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
