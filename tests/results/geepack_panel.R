# Reference values for stigma_analysis.models.fit_model(family="gee") on a panel with SKIPPED
# waves (a respondent seen at waves 1 and 3 has a lag of 2, not 1), and on the complete panel.
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), geepack 1.3.9, jsonlite.
# Run from the repository root:  Rscript tests/results/geepack_panel.R
# Writes tests/results/geepack_panel_data.csv (complete panel, column `kept` marks the rows of the
# panel with skipped waves) and tests/results/geepack_panel.json.
# Every fit is
#   geeglm(formula, family, data = d, id = id, waves = wave, corstr = corstr,
#          control = geese.control(epsilon = 1e-10, maxit = 200))
# (the tight epsilon so that the reference is the root of the estimating equations; geepack's
# default epsilon = 1e-4 stops ~1e-5 away from it). The "default_epsilon" entries repeat the
# skipped-wave AR(1) fits with geepack's default control. SEs: geepack's robust (sandwich)
# "Std.err" (se_naive: the model-based sqrt(diag(fit$geese$vbeta.naiv))); alpha: fit$geese$alpha; scale: fit$geese$gamma (phi = mean squared Pearson residual).
suppressPackageStartupMessages({library(geepack); library(jsonlite)})
set.seed(20261206)
n_id <- 80; n_wave <- 5
id <- rep(seq_len(n_id), each = n_wave)
wave <- rep(seq_len(n_wave), n_id)
female <- rep(rbinom(n_id, 1, 0.6), each = n_wave)
stigma <- round(2.4 + rep(rnorm(n_id, 0, 0.4), each = n_wave) + rnorm(n_id * n_wave, 0, 0.3), 2)
# AR(1) errors in wave (rho = 0.6) plus a small person effect
e <- as.vector(sapply(seq_len(n_id), function(i) {
  x <- numeric(n_wave); x[1] <- rnorm(1)
  for (t in 2:n_wave) x[t] <- 0.6 * x[t - 1] + sqrt(1 - 0.36) * rnorm(1)
  x
}))
wellbeing <- round(40 - 3 * stigma + 0.8 * wave + 1.5 * female + 4 * e + rep(rnorm(n_id, 0, 1), each = n_wave), 1)
lin <- -1 + 0.9 * (stigma - 2.4) - 0.15 * wave + 1.2 * e
distress <- rbinom(n_id * n_wave, 1, plogis(lin))
# skipped waves: every row after the first is missing with probability 0.3 (so many respondents
# have gaps, e.g. waves 1, 3, 4)
kept <- wave == 1 | runif(n_id * n_wave) > 0.3
full <- data.frame(id, wave, female, stigma, wellbeing, distress, kept)
write.csv(full, "tests/results/geepack_panel_data.csv", row.names = FALSE)
gaps <- full[full$kept, ]

ctl <- geese.control(epsilon = 1e-10, maxit = 200)
summarise <- function(fit, call) {
  co <- summary(fit)$coefficients
  list(call = call, term = rownames(co), estimate = unname(co[, "Estimate"]),
       se = unname(co[, "Std.err"]), se_naive = sqrt(diag(fit$geese$vbeta.naiv)), alpha = unname(fit$geese$alpha),
       scale = unname(fit$geese$gamma), n = nrow(fit$data),
       n_groups = length(unique(fit$id)))
}
run <- function(d, dname, f, fam, corstr, control = ctl) {
  call <- sprintf("geeglm(%s, family = %s, data = %s, id = id, waves = wave, corstr = \"%s\")",
                  deparse(f), fam, dname, corstr)
  fit <- geeglm(f, family = get(fam)(), data = d, id = id, waves = wave, corstr = corstr,
                control = control)
  summarise(fit, call)
}
fg <- wellbeing ~ stigma + wave + female
fb <- distress ~ stigma + wave
out <- list(
  versions = list(R = R.version.string, geepack = as.character(packageVersion("geepack"))),
  control = "geese.control(epsilon = 1e-10, maxit = 200)",
  n_rows_gaps = nrow(gaps),
  n_rows_full = nrow(full),
  gaps = list(
    gaussian_ar1 = run(gaps, "gaps", fg, "gaussian", "ar1"),
    gaussian_exchangeable = run(gaps, "gaps", fg, "gaussian", "exchangeable"),
    gaussian_independence = run(gaps, "gaps", fg, "gaussian", "independence"),
    binomial_ar1 = run(gaps, "gaps", fb, "binomial", "ar1"),
    binomial_exchangeable = run(gaps, "gaps", fb, "binomial", "exchangeable")
  ),
  full = list(
    gaussian_ar1 = run(full, "full", fg, "gaussian", "ar1"),
    gaussian_exchangeable = run(full, "full", fg, "gaussian", "exchangeable"),
    gaussian_independence = run(full, "full", fg, "gaussian", "independence")
  ),
  default_epsilon = list(
    gaussian_ar1 = run(gaps, "gaps", fg, "gaussian", "ar1", geese.control()),
    binomial_ar1 = run(gaps, "gaps", fb, "binomial", "ar1", geese.control())
  )
)
write_json(out, "tests/results/geepack_panel.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
