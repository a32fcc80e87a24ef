# Reference values for stigma_analysis.models.pool (Rubin's rules) and for the behaviour of
# stigma_analysis.models.impute / fit_imputed against mice.
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), mice 3.15.0, jsonlite.
# Run from the repository root:  Rscript tests/results/mice_pool.R
# Writes tests/results/mice_pool_data.csv and tests/results/mice_pool.json.
suppressPackageStartupMessages({library(mice); library(jsonlite)})

# 1. pool.scalar on fixed inputs (rule = "rubin1987": Barnard-Rubin df, fmi = (r + 2/(df+3))/(r+1))
Q <- c(0.512, 0.468, 0.551, 0.493, 0.530, 0.476, 0.505, 0.544, 0.489, 0.521)
U <- c(0.0121, 0.0118, 0.0125, 0.0119, 0.0123, 0.0117, 0.0122, 0.0124, 0.0120, 0.0121)
scalar_cases <- list(
  list(Q = Q, U = U, n = 120, k = 4),
  list(Q = Q, U = U, n = 1e6, k = 1),
  list(Q = Q[1:5], U = U[1:5], n = 30, k = 3)
)
scalar <- lapply(scalar_cases, function(cs) {
  p <- pool.scalar(cs$Q, cs$U, n = cs$n, k = cs$k)
  list(Q = cs$Q, U = cs$U, n = cs$n, k = cs$k, call = sprintf("pool.scalar(Q, U, n = %g, k = %g)", cs$n, cs$k),
       qbar = p$qbar, ubar = p$ubar, b = p$b, t = p$t, df = p$df, r = p$r, fmi = p$fmi)
})
p_inf <- pool.scalar(Q, U)  # n = Inf: df is the old Rubin (1987) df
scalar[[4]] <- list(Q = Q, U = U, n = "Inf", k = 1, call = "pool.scalar(Q, U)",
                    qbar = p_inf$qbar, ubar = p_inf$ubar, b = p_inf$b, t = p_inf$t,
                    df = p_inf$df, r = p_inf$r, fmi = p_inf$fmi)

# 2. A 600-row survey-like data set with MAR missingness, imputed by mice (pmm for numeric
#    columns, polyreg for the site factor), m = 20, maxit = 10, and a pooled lm.
set.seed(20261130)
n <- 600
site <- factor(sample(c("A", "B", "C"), n, replace = TRUE, prob = c(0.4, 0.35, 0.25)))
age <- round(rnorm(n, 30, 8))
latent <- rnorm(n)
stigma <- pmin(pmax(round(2.35 + 0.55 * latent + 0.2 * (site == "C"), 1), 1), 4)
support <- pmin(pmax(round(4.5 - 0.5 * latent + rnorm(n, 0, 1)), 1), 7)
wellbeing <- round(50 - 4 * stigma + 1.5 * support - 0.1 * age + 2 * (site == "B") + rnorm(n, 0, 5), 1)
dat <- data.frame(wellbeing, stigma, support, age, site)
# MAR: missingness of wellbeing and support depends on age; of stigma on support; site MCAR
miss <- function(p) runif(n) < p
dat$wellbeing[miss(plogis(-2 + 0.05 * (age - 30)))] <- NA
dat$stigma[miss(plogis(-2.2 + 0.3 * (support - 4.5)))] <- NA
dat$support[miss(plogis(-2.5 + 0.04 * (age - 30)))] <- NA
dat$site[miss(rep(0.05, n))] <- NA
write.csv(dat, "tests/results/mice_pool_data.csv", row.names = FALSE, na = "")

timed <- function() {
  imp <- mice(dat, m = 20, maxit = 10, seed = 1, printFlag = FALSE)
  fit <- with(imp, lm(wellbeing ~ stigma + support + age + site))
  summary(pool(fit), conf.int = TRUE)
}
times <- sapply(1:5, function(i) system.time(res <- timed())[["elapsed"]])
pooled <- summary(pool(with(mice(dat, m = 20, maxit = 10, seed = 1, printFlag = FALSE),
                                lm(wellbeing ~ stigma + support + age + site))), conf.int = TRUE)
pl <- pool(with(mice(dat, m = 20, maxit = 10, seed = 1, printFlag = FALSE),
                lm(wellbeing ~ stigma + support + age + site)))$pooled
cc <- summary(lm(wellbeing ~ stigma + support + age + site, data = dat))$coefficients
# Monte Carlo spread of mice's own pooled estimates over 20 seeds (for the test tolerance)
mc <- t(sapply(1:20, function(s) {
  p <- pool(with(mice(dat, m = 20, maxit = 10, seed = 100 + s, printFlag = FALSE),
                 lm(wellbeing ~ stigma + support + age + site)))$pooled
  p$estimate
}))
out <- list(
  versions = list(R = R.version.string, mice = as.character(packageVersion("mice"))),
  pool_scalar = scalar,
  mice_call = "mice(dat, m = 20, maxit = 10, seed = 1); pool(with(imp, lm(wellbeing ~ stigma + support + age + site)))",
  pooled = list(term = as.character(pooled$term), estimate = pooled$estimate, se = pooled$std.error,
                df = pooled$df, riv = pl$riv, lambda = pl$lambda, fmi = pl$fmi),
  mice_seed_mean = colMeans(mc),
  mice_seed_sd = apply(mc, 2, sd),
  complete_case = list(term = rownames(cc), estimate = unname(cc[, 1]), se = unname(cc[, 2])),
  seconds_mice_m20_maxit10_plus_pool = times,
  seconds_median = median(times)
)
write_json(out, "tests/results/mice_pool.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
