# Reference values for stigma_analysis.models.fit_model(family="poisson") and
# fit_model(family="negative_binomial") on an overdispersed count outcome (e.g. the number of
# discriminatory experiences in the past year).
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), stats, MASS 7.3-58.2, jsonlite.
# Run from the repository root:  Rscript tests/results/glm_counts.R
# Writes tests/results/glm_counts_data.csv and tests/results/glm_counts.json.
# Calls: glm(events ~ stigma + age + site, family = poisson, data = d) and
#        MASS::glm.nb(events ~ stigma + age + site, data = d) (theta by ML, SEs from the IRLS fit
#        at the ML theta as summary.negbin reports them); the same with weights = w.
suppressPackageStartupMessages({library(MASS); library(jsonlite)})
set.seed(20261206)
n <- 300
site <- sample(c("A", "B", "C"), n, replace = TRUE)
stigma <- round(rnorm(n, 2.35, 0.55), 2)
age <- round(rnorm(n, 30, 8))
mu <- exp(-0.5 + 0.6 * stigma - 0.01 * age + 0.3 * (site == "B"))
events <- rnbinom(n, mu = mu, size = 1.8)
w <- sample(1:3, n, replace = TRUE)
d <- data.frame(events, stigma, age, site, w)
write.csv(d, "tests/results/glm_counts_data.csv", row.names = FALSE)

summarise <- function(fit, call) {
  co <- summary(fit)$coefficients
  ll <- logLik(fit)
  out <- list(call = call, term = rownames(co), estimate = unname(co[, 1]), se = unname(co[, 2]),
              loglik = as.numeric(ll), df = attr(ll, "df"), nobs = nobs(fit),
              aic = AIC(fit), bic = BIC(fit))
  if (!is.null(fit$theta)) { out$theta <- fit$theta; out$se_theta <- fit$SE.theta }
  out
}
f <- events ~ stigma + age + site
out <- list(
  versions = list(R = R.version.string, MASS = as.character(packageVersion("MASS"))),
  poisson = summarise(glm(f, family = poisson, data = d),
                      "glm(events ~ stigma + age + site, family = poisson, data = d)"),
  poisson_weighted = summarise(glm(f, family = poisson, data = d, weights = w),
                               "glm(events ~ stigma + age + site, family = poisson, data = d, weights = w)"),
  negbin = summarise(glm.nb(f, data = d), "glm.nb(events ~ stigma + age + site, data = d)"),
  negbin_weighted = summarise(glm.nb(f, data = d, weights = w),
                              "glm.nb(events ~ stigma + age + site, data = d, weights = w)")
)
write_json(out, "tests/results/glm_counts.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
