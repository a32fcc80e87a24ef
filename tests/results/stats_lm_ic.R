# Reference values for the information criteria (aic, bic, loglik) of
# stigma_analysis.models.fit_model: gaussian (lm, with and without weights), binomial (glm, with
# and without frequency weights) and ordinal (MASS::polr with case weights).
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), stats, MASS 7.3-58.2, jsonlite.
# Run from the repository root:  Rscript tests/results/stats_lm_ic.R
# Writes tests/results/stats_lm_ic_data.csv and tests/results/stats_lm_ic.json.
# R's AIC(lm) counts the residual variance as a parameter (k = coefficients + 1), as lme4 does;
# BIC = -2 logLik + k log(nobs). For a weighted lm, logLik includes + sum(log(w)) / 2.
# For glm with frequency weights R's nobs() counts the rows with non-zero weight; the same
# model on the expanded data (one row per unit of weight) gives BIC with n = sum(weights),
# which is what stigma_analysis reports (both are stored).
suppressPackageStartupMessages({library(MASS); library(jsonlite)})
set.seed(20261206)
n <- 150
site <- sample(c("A", "B", "C"), n, replace = TRUE)
stigma <- round(rnorm(n, 2.35, 0.55), 2)
age <- round(rnorm(n, 30, 8))
support <- round(4.5 - 0.6 * stigma + 0.3 * (site == "B") + rnorm(n), 2)
w <- sample(1:4, n, replace = TRUE)  # analytic / frequency weights
depressed <- rbinom(n, 1, plogis(-2 + 0.8 * stigma))
d <- data.frame(support, stigma, age, site, w, depressed)
write.csv(d, "tests/results/stats_lm_ic_data.csv", row.names = FALSE)
expanded <- d[rep(seq_len(n), d$w), ]

ic <- function(fit, call) {
  ll <- logLik(fit)
  list(call = call, loglik = as.numeric(ll), df = attr(ll, "df"), nobs = nobs(fit),
       aic = AIC(fit), bic = BIC(fit), coef = unname(coef(fit)))
}
data("housing", package = "MASS")
out <- list(
  versions = list(R = R.version.string, MASS = as.character(packageVersion("MASS"))),
  lm = ic(lm(support ~ stigma + age + site, data = d),
          "lm(support ~ stigma + age + site, data = d)"),
  lm_weighted = ic(lm(support ~ stigma + age + site, data = d, weights = w),
                   "lm(support ~ stigma + age + site, data = d, weights = w)"),
  glm = ic(glm(depressed ~ stigma + age, family = binomial, data = d),
           "glm(depressed ~ stigma + age, family = binomial, data = d)"),
  glm_weighted = ic(glm(depressed ~ stigma + age, family = binomial, data = d, weights = w),
                    "glm(depressed ~ stigma + age, family = binomial, data = d, weights = w)"),
  glm_expanded = ic(glm(depressed ~ stigma + age, family = binomial, data = expanded),
                    "glm(depressed ~ stigma + age, family = binomial, data = d[rep(seq_len(n), d$w), ])"),
  polr_housing = ic(polr(Sat ~ Infl + Type + Cont, weights = Freq, data = housing),
                    "polr(Sat ~ Infl + Type + Cont, weights = Freq, data = housing)")
)
write_json(out, "tests/results/stats_lm_ic.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
