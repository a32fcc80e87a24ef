# Reference values for stigma_analysis.models.fit_model(family="binomial_mixed"): logistic
# mixed model with a random intercept per respondent, Laplace approximation (glmer's default
# nAGQ = 1), on a simulated panel (respondents x waves, a binary "distress" outcome).
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), lme4 1.1-31, jsonlite.
# Run from the repository root:  Rscript tests/results/lme4_glmer_panel.R
# Writes tests/results/lme4_glmer_panel_data.csv and tests/results/lme4_glmer_panel.json.
# Call: glmer(distress ~ stigma + wave + female + (1 | id), family = binomial, data = d)
# SEs are vcov(fit): lme4 1.1-31 inverts the finite-difference Hessian of the Laplace deviance
# over (theta, beta) that the optimiser stored (use.hessian = TRUE).
suppressPackageStartupMessages({library(lme4); library(jsonlite)})
set.seed(20261206)
n_id <- 150; n_wave <- 4
id <- rep(seq_len(n_id), each = n_wave)
wave <- rep(seq_len(n_wave), n_id)
female <- rep(rbinom(n_id, 1, 0.6), each = n_wave)
stigma <- round(2.4 + rep(rnorm(n_id, 0, 0.4), each = n_wave) + rnorm(n_id * n_wave, 0, 0.3), 2)
u <- rep(rnorm(n_id, 0, 1.2), each = n_wave)
distress <- rbinom(n_id * n_wave, 1, plogis(-1 + 0.9 * (stigma - 2.4) - 0.2 * wave + 0.4 * female + u))
d <- data.frame(id, wave, female, stigma, distress)
d <- d[runif(nrow(d)) > 0.15 | wave == 1, ]  # some missed waves: unequal cluster sizes
write.csv(d, "tests/results/lme4_glmer_panel_data.csv", row.names = FALSE)

summarise <- function(fit, call) {
  co <- summary(fit)$coefficients
  vc <- as.data.frame(VarCorr(fit))
  list(call = call, term = rownames(co), estimate = unname(co[, 1]), se = unname(co[, 2]),
       sd_intercept = vc$sdcor[1], theta = unname(getME(fit, "theta")),
       loglik = as.numeric(logLik(fit)), deviance = deviance(fit), aic = AIC(fit), bic = BIC(fit),
       n = nobs(fit), n_groups = unname(ngrps(fit)))
}
out <- list(
  versions = list(R = R.version.string, lme4 = as.character(packageVersion("lme4"))),
  laplace = summarise(glmer(distress ~ stigma + wave + female + (1 | id), family = binomial, data = d),
                      "glmer(distress ~ stigma + wave + female + (1 | id), family = binomial, data = d)"),
  agq10 = summarise(glmer(distress ~ stigma + wave + female + (1 | id), family = binomial, data = d, nAGQ = 10),
                    "glmer(distress ~ stigma + wave + female + (1 | id), family = binomial, data = d, nAGQ = 10)")
)
write_json(out, "tests/results/lme4_glmer_panel.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
