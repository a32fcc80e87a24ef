# Reference for stigma_analysis.models.mediation on a small sample with a rare binary covariate,
# where some bootstrap resamples have the covariate constant (no unique regression solution).
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), boot 1.3-28.1, jsonlite.
# Run from the repository root:  Rscript tests/results/mediation_degenerate.R
# Writes tests/results/mediation_degenerate_data.csv and tests/results/mediation_degenerate.json.
# boot(d, stat, R = 20000) where stat fits lm(m ~ x + rare) and lm(y ~ x + m + rare) on the
# resample and returns NA when a coefficient is aliased (lm's NA for a constant covariate);
# those resamples are dropped (as lavaan's bootstrap does) and counted. Monte Carlo quantities:
# the test compares within Monte Carlo error, not exactly (different random draws).
suppressPackageStartupMessages({library(boot); library(jsonlite)})
set.seed(20261206)
n <- 20
x <- round(rnorm(n), 3)
rare <- rep(0, n); rare[sample(n, 2)] <- 1  # 2 of 20 respondents
m <- round(0.5 * x + 0.8 * rare + rnorm(n), 3)
y <- round(0.4 * m + 0.1 * x - 0.5 * rare + rnorm(n), 3)
d <- data.frame(x, m, y, rare)
write.csv(d, "tests/results/mediation_degenerate_data.csv", row.names = FALSE)

stat <- function(dat, i) {
  s <- dat[i, ]
  a <- coef(lm(m ~ x + rare, data = s))
  b <- coef(lm(y ~ x + m + rare, data = s))
  if (anyNA(a) || anyNA(b)) return(c(NA, NA, NA))
  c(a[["x"]], b[["m"]], a[["x"]] * b[["m"]])
}
bt <- boot(d, stat, R = 20000)
ok <- complete.cases(bt$t)
ind <- bt$t[ok, 3]
out <- list(
  versions = list(R = R.version.string, boot = as.character(packageVersion("boot"))),
  call = "boot(d, stat, R = 20000); NA statistics (aliased coefficients) dropped",
  n_boot = 20000, n_dropped = sum(!ok), expected_fraction_dropped = (1 - 2 / 20)^20,
  estimate = unname(bt$t0),
  boot_sd = unname(apply(bt$t[ok, ], 2, sd)),
  percentile_indirect = unname(quantile(ind, c(0.025, 0.975), type = 7))
)
write_json(out, "tests/results/mediation_degenerate.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
