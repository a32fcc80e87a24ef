# Reference values for stigma_analysis.evaluation.wilson_interval / threshold_attainment.
# Run from tests/results/:  Rscript evaluation_wilson.R   -> evaluation_wilson.json
# R 4.2.2 Patched (2022-11-10 r83330); stats (base), jsonlite.
# The Wilson score interval is prop.test without continuity correction.
library(jsonlite)
cases <- data.frame(k = c(0, 1, 5, 17, 39, 50, 99, 100), n = c(10, 10, 12, 40, 100, 50, 100, 250))
ci <- t(mapply(function(k, n) prop.test(k, n, correct = FALSE, conf.level = 0.95)$conf.int,
               cases$k, cases$n))
ci90 <- t(mapply(function(k, n) prop.test(k, n, correct = FALSE, conf.level = 0.90)$conf.int,
                 cases$k, cases$n))
cases$ci_low <- ci[, 1]; cases$ci_high <- ci[, 2]
cases$ci_low_90 <- ci90[, 1]; cases$ci_high_90 <- ci90[, 2]
write_json(list(r_version = R.version.string, cases = cases), "evaluation_wilson.json",
           digits = NA, pretty = TRUE)
