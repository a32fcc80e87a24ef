# Reference values for stigma_analysis.models.fit_model(family="ordinal") on MASS's housing.
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), MASS 7.3-58.2, jsonlite.
# Run from the repository root:  Rscript tests/results/mass_housing.R
# Writes tests/data/housing.csv and tests/results/mass_housing.json.
suppressPackageStartupMessages({library(MASS); library(jsonlite)})
data("housing", package = "MASS")
write.csv(housing, "tests/data/housing.csv", row.names = FALSE)

# polr: logit P(Y <= k) = zeta_k - eta (same sign convention as statsmodels' OrderedModel)
fit <- polr(Sat ~ Infl + Type + Cont, weights = Freq, data = housing, Hess = TRUE)
se <- sqrt(diag(vcov(fit)))
out <- list(
  call = "polr(Sat ~ Infl + Type + Cont, weights = Freq, data = housing, Hess = TRUE)",
  versions = list(R = R.version.string, MASS = as.character(packageVersion("MASS"))),
  levels = levels(housing$Sat),
  coef = list(term = names(coef(fit)), estimate = unname(coef(fit)),
              se = unname(se[names(coef(fit))])),
  zeta = list(term = names(fit$zeta), estimate = unname(fit$zeta),
              se = unname(se[names(fit$zeta)])),
  deviance = fit$deviance,
  loglik = as.numeric(logLik(fit)),
  aic = AIC(fit),
  n = sum(housing$Freq)
)
write_json(out, "tests/results/mass_housing.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
