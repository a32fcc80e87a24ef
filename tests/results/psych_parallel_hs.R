# Reference values for stigma_analysis.structure.parallel_analysis on fixed random draws.
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), psych 2.2.9, jsonlite.
# Run from the repository root:  Rscript tests/results/psych_parallel_hs.R
# Reads tests/data/HolzingerSwineford1939.csv (rows 1-50, items x1-x6); writes
# tests/results/psych_parallel_hs.json and tests/results/psych_parallel_hs_draws.csv.
#
#   options(mc.cores = 1); set.seed(20240501)
#   fa.parallel(cor(x), n.obs = 50, fa = "pc", n.iter = 20, quant = 0.95, plot = FALSE)
# With n.obs given, fa.parallel only simulates: replication b is
# cor(matrix(rnorm(50 * 6), 50, 6)), drawn in sequence from the seeded stream (one core). The
# script re-draws the same 20 matrices from the same seed, checks that their eigenvalues are
# fa.parallel's own (`values`), and writes them (iteration, then 50 rows of 6 columns each, 17
# significant digits) for the Python test, which passes them to parallel_analysis(draws=...).
# random_quantile is line 157 of fa.parallel: apply(values, 2, quantile, 0.95) (type 7).
suppressPackageStartupMessages({library(psych); library(jsonlite)})
options(mc.cores = 1)
x <- read.csv("tests/data/HolzingerSwineford1939.csv")[1:50, paste0("x", 1:6)]
R <- cor(x)
set.seed(20240501)
pa <- fa.parallel(R, n.obs = 50, fa = "pc", n.iter = 20, quant = 0.95, plot = FALSE)
set.seed(20240501)
draws <- lapply(1:20, function(b) matrix(rnorm(50 * 6), nrow = 50, ncol = 6))
vals <- t(sapply(draws, function(d) eigen(cor(d))$values))
stopifnot(max(abs(vals - pa$values)) < 1e-12)
rows <- do.call(rbind, lapply(seq_along(draws), function(b) cbind(b, draws[[b]])))
writeLines(c("iteration,v1,v2,v3,v4,v5,v6",
             apply(rows, 1, function(r) paste(c(sprintf("%d", r[1]), sprintf("%.17g", r[-1])),
                                              collapse = ","))),
           "tests/results/psych_parallel_hs_draws.csv")
out <- list(
  versions = list(R = R.version.string, psych = as.character(packageVersion("psych"))),
  items = colnames(x), n = nrow(x), n_iter = 20, quantile = 0.95,
  observed = eigen(R)$values,
  random_mean = pa$pc.sim,
  random_quantile = unname(apply(pa$values, 2, function(v) quantile(v, 0.95))),
  ncomp = pa$ncomp
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/results/psych_parallel_hs.json")
