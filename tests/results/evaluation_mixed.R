# Reference values for stigma_analysis.evaluation.arm_by_wave (tests/test_evaluation.py).
# Run from tests/results/:  Rscript evaluation_mixed.R
# Writes evaluation_mixed_data.csv (synthetic two-arm, three-wave data, seed 5150, ~15% of
# follow-up rows missing) and evaluation_mixed.json.
# R 4.2.2 Patched (2022-11-10 r83330); lme4 1.1.31, jsonlite.
library(lme4)
library(jsonlite)
set.seed(5150)
n <- 80
arm <- rep(c("comparison", "intervention"), length.out = n)
u <- rnorm(n, 0, 0.45)
long <- do.call(rbind, lapply(1:3, function(w) {
  y <- 2.4 + u + 0.05 * (w - 1) - 0.25 * (w - 1) * (arm == "intervention") + rnorm(n, 0, 0.3)
  data.frame(resp_id = sprintf("R%03d", seq_len(n)), wave = w, arm = arm, score = round(y, 5))
}))
drop <- long$wave > 1 & runif(nrow(long)) < 0.15
long <- long[!drop, ]
write.csv(long, "evaluation_mixed_data.csv", row.names = FALSE)

long$arm <- relevel(factor(long$arm), ref = "comparison")
fit <- lmer(score ~ arm * factor(wave) + (1 | resp_id), data = long, REML = TRUE)  # exact call
vc <- as.data.frame(VarCorr(fit))
out <- list(
  r_version = R.version.string,
  lme4_version = as.character(packageVersion("lme4")),
  terms = names(fixef(fit)),
  estimate = unname(fixef(fit)),
  se = unname(sqrt(diag(as.matrix(vcov(fit))))),
  respondent_intercept_var = vc$vcov[vc$grp == "resp_id"],
  residual_var = vc$vcov[vc$grp == "Residual"],
  n_obs = nobs(fit),
  reml_criterion = unname(REMLcrit(fit))
)
write_json(out, "evaluation_mixed.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
