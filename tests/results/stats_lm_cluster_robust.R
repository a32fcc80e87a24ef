# Reference values for cluster-robust standard errors of stigma_analysis.models.fit_model
# (cluster = respondent id, for models fitted to repeated rows per respondent): gaussian (lm),
# binomial and poisson (glm), negative binomial (MASS::glm.nb) and ordinal (MASS::polr).
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), sandwich 3.0-2, MASS 7.3-58.2, jsonlite.
# Run from the repository root:  Rscript tests/results/stats_lm_cluster_robust.R
# Writes tests/results/stats_lm_cluster_robust_data.csv and ..._robust.json.
# SEs: sqrt(diag(sandwich::vcovCL(fit, cluster = ~id))) with vcovCL's defaults: type "HC1" for
# lm (G/(G-1) x (n-1)/(n-k)), type "HC0" for glm / glm.nb / polr (G/(G-1) only), as Stata's
# vce(cluster). For glm.nb the sandwich is over the coefficients at the ML theta.
suppressPackageStartupMessages({library(sandwich); library(MASS); library(jsonlite)})
set.seed(20261206)
n_id <- 100; n_wave <- 3
id <- rep(seq_len(n_id), each = n_wave)
wave <- rep(seq_len(n_wave), n_id)
stigma <- round(2.4 + rep(rnorm(n_id, 0, 0.4), each = n_wave) + rnorm(n_id * n_wave, 0, 0.3), 2)
u <- rep(rnorm(n_id), each = n_wave)
support <- round(4.5 - 0.6 * stigma + 0.1 * wave + u + rnorm(n_id * n_wave), 2)
distress <- rbinom(n_id * n_wave, 1, plogis(-2 + 0.8 * stigma + 0.8 * u))
events <- rnbinom(n_id * n_wave, mu = exp(-0.5 + 0.5 * stigma + 0.5 * u), size = 2)
latent <- 0.9 * stigma - 0.2 * wave + u + rlogis(n_id * n_wave)
agree <- cut(latent, c(-Inf, 1, 2, 3, Inf), labels = FALSE)  # 1..4, ordered
d <- data.frame(id, wave, stigma, support, distress, events, agree)
write.csv(d, "tests/results/stats_lm_cluster_robust_data.csv", row.names = FALSE)

cl <- function(fit, call) {
  v <- vcovCL(fit, cluster = ~id)
  list(call = call, vcovCL = "vcovCL(fit, cluster = ~id)", term = names(coef(fit)),
       estimate = unname(coef(fit)), se = unname(sqrt(diag(v)))[seq_along(coef(fit))],
       se_all = unname(sqrt(diag(v))), names_all = colnames(v))
}
out <- list(
  versions = list(R = R.version.string, sandwich = as.character(packageVersion("sandwich")),
                  MASS = as.character(packageVersion("MASS"))),
  gaussian = cl(lm(support ~ stigma + wave, data = d), "lm(support ~ stigma + wave, data = d)"),
  binomial = cl(glm(distress ~ stigma + wave, family = binomial, data = d),
                "glm(distress ~ stigma + wave, family = binomial, data = d)"),
  poisson = cl(glm(events ~ stigma + wave, family = poisson, data = d),
               "glm(events ~ stigma + wave, family = poisson, data = d)"),
  negative_binomial = cl(glm.nb(events ~ stigma + wave, data = d),
                         "glm.nb(events ~ stigma + wave, data = d)"),
  ordinal = cl(polr(factor(agree) ~ stigma + wave, data = d, Hess = TRUE),
               "polr(factor(agree) ~ stigma + wave, data = d, Hess = TRUE)")
)
write_json(out, "tests/results/stats_lm_cluster_robust.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
