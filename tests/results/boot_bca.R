# Reference values for tests/reliability/test_bca.py: bootstrap intervals for Cronbach's
# alpha from R boot on fixed resamples that the test reuses.
#
# Run from the repository root:  Rscript tests/results/boot_bca.R
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), boot 1.3-28.1, jsonlite (Debian packages).
# Data: the first 150 complete rows of psych::bfi agreeableness, A1 reversed (7 - A1),
# written to tests/results/boot_bca_data.csv.
#
# Exact calls:
#   set.seed(20240601)
#   b <- boot::boot(x, raw_alpha, R = 999)            # raw_alpha(d, i): alpha of cov(d[i, ])
#   boot::boot.array(b, indices = TRUE)                -> tests/results/boot_bca_indices.csv
#   L <- boot::empinf(b, type = "jack"); L <- L - mean(L)
#   boot::boot.ci(b, conf = 0.95, type = "bca", L = L)
#   boot::boot.ci(b, conf = 0.95, type = "perc")
#   and the same two at conf = 0.90 (R = 999: (R + 1) * 0.05 is a whole order statistic)
# The acceleration comes from the jackknife influence values, centred as in Efron & Tibshirani
# (1993, eq. 14.15: a = sum (mean - t_(i))^3 / (6 (sum (mean - t_(i))^2)^1.5)), which is what
# the package computes; boot's empinf(type = "jack") gives (n - 1) (t0 - t_(i)), not centred,
# so it is centred here. boot.ci's default L (regression on the bootstrap array) and the
# uncentred jackknife are stored for information, not compared.
suppressPackageStartupMessages({
  library(boot)
  library(jsonlite)
})
bfi <- read.csv("tests/data/bfi.csv")
x <- bfi[, c("A1", "A2", "A3", "A4", "A5")]
x <- head(x[complete.cases(x), ], 150)
x$A1 <- 7 - x$A1
rownames(x) <- NULL
write.csv(x, "tests/results/boot_bca_data.csv", row.names = FALSE)

raw_alpha <- function(d, i) {
  C <- cov(d[i, ])
  k <- ncol(C)
  (1 - sum(diag(C)) / sum(C)) * k / (k - 1)
}
set.seed(20240601)
b <- boot(x, raw_alpha, R = 999)
idx <- boot.array(b, indices = TRUE)
write.table(idx, "tests/results/boot_bca_indices.csv", sep = ",", row.names = FALSE,
            col.names = FALSE)
L_uncentred <- empinf(b, type = "jack")
L <- L_uncentred - mean(L_uncentred)
interval <- function(conf) {
  bca <- boot.ci(b, conf = conf, type = "bca", L = L)$bca
  perc <- boot.ci(b, conf = conf, type = "perc")$percent
  bca_default <- boot.ci(b, conf = conf, type = "bca")$bca
  bca_uncentred <- boot.ci(b, conf = conf, type = "bca", L = L_uncentred)$bca
  list(conf = conf, bca = bca[4:5], bca_order = bca[2:3], perc = perc[4:5],
       bca_default_l = bca_default[4:5], bca_uncentred_jack = bca_uncentred[4:5])
}
z0 <- qnorm(sum(b$t < b$t0) / length(b$t))
a <- sum(L^3) / (6 * sum(L^2)^1.5)
out <- list(
  meta = list(r_version = R.version.string, boot_version = as.character(packageVersion("boot")),
              seed = 20240601, R = 999, n = nrow(x)),
  t0 = b$t0, t = as.vector(b$t), L = as.vector(L), z0 = z0, acceleration = a,
  intervals = list(interval(0.95), interval(0.90))
)
write_json(out, "tests/results/boot_bca.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
