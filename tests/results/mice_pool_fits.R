# Per-imputation estimates behind mice_pool.json's pooled lm, so that
# stigma_analysis.models.pool can be checked on mice's own m = 20 analyses (Rubin's rules and
# the Barnard-Rubin df on a real pooled regression, not only on pool.scalar's toy inputs).
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), mice 3.15.0, jsonlite.
# Run from the repository root (after mice_pool.R):  Rscript tests/results/mice_pool_fits.R
# Reads tests/results/mice_pool_data.csv; writes tests/results/mice_pool_fits.json.
# The call is mice_pool.R's: mice(dat, m = 20, maxit = 10, seed = 1);
# pool(with(imp, lm(wellbeing ~ stigma + support + age + site))). `per_imputation` holds each
# analysis's coefficients and squared SEs (what pool() receives); `pooled` is pool()$pooled.
suppressPackageStartupMessages({library(mice); library(jsonlite)})
dat <- read.csv("tests/results/mice_pool_data.csv", na.strings = c("NA", ""))
dat$site <- factor(dat$site)
dat$age <- as.numeric(dat$age)
imp <- mice(dat, m = 20, maxit = 10, seed = 1, printFlag = FALSE)
fits <- with(imp, lm(wellbeing ~ stigma + support + age + site))
Q <- t(sapply(fits$analyses, coef))
U <- t(sapply(fits$analyses, function(f) diag(vcov(f))))
pl <- pool(fits)$pooled
out <- list(
  versions = list(R = R.version.string, mice = as.character(packageVersion("mice"))),
  call = "pool(with(mice(dat, m = 20, maxit = 10, seed = 1), lm(wellbeing ~ stigma + support + age + site)))",
  term = colnames(Q),
  per_imputation = list(estimate = unname(Q), variance = unname(U)),
  pooled = list(term = as.character(pl$term), m = pl$m, estimate = pl$estimate,
                ubar = pl$ubar, b = pl$b, t = pl$t, dfcom = pl$dfcom, df = pl$df,
                riv = pl$riv, lambda = pl$lambda, fmi = pl$fmi)
)
write_json(out, "tests/results/mice_pool_fits.json", digits = NA, pretty = TRUE)
