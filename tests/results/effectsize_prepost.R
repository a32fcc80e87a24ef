# Reference values for the effect sizes of stigma_analysis.evaluation
# (tests/evaluation/test_effect_sizes.py).
# Run from tests/results/:  Rscript effectsize_prepost.R   -> effectsize_prepost.json
#
# MOTE (the reference for d_z and d_av intervals) is not installed on this machine, so its
# noncentral-t method is re-implemented here in base R, exactly as MOTE 1.x does it:
#   d_dep_t_diff(mdiff, sddiff, n, a):  d = mdiff / sddiff,  t = mdiff / (sddiff / sqrt(n)),
#   d_dep_t_avg(m1, m2, sd1, sd2, n, a): d = (m1 - m2) / ((sd1 + sd2) / 2),
#                                        t = (m1 - m2) / ((sd1/sqrt(n) + sd2/sqrt(n)) / 2),
#   both: [ncp_low, ncp_high] = the noncentrality parameters with
#         pt(t, n - 1, ncp) = 1 - a/2 and a/2 (MOTE's noncentral_t), divided by sqrt(n).
# The re-implementation is checked against the values asserted in MOTE's own test files
# (doomlab/MOTE tests/testthat/test-d_dep_t_diff.R and test-d_dep_t_avg.R, tolerance 1e-6):
#   d_dep_t_diff(1.14, 2.12, 7):               d 0.5377358, [-0.2791857, 1.317321]
#   d_dep_t_avg(5.57, 4.43, 1.99, 2.88, 7):    d 0.4681725, [-0.3334172, 1.2360580]
# R 4.2.2 Patched (2022-11-10 r83330); metafor 3.8-1; jsonlite.
library(jsonlite)
suppressMessages(library(metafor))

ncp_limits <- function(t, df, level = 0.95) {
  a <- 1 - level
  f <- function(ncp, p) pt(t, df, ncp) - p
  width <- 10 + 2 * abs(t)
  lo <- uniroot(f, c(t - width, t + width), p = 1 - a / 2, tol = 1e-13)$root
  hi <- uniroot(f, c(t - width, t + width), p = a / 2, tol = 1e-13)$root
  c(lo, hi)
}
d_dep_t_diff <- function(mdiff, sddiff, n, level = 0.95) {
  t <- mdiff / (sddiff / sqrt(n))
  lim <- ncp_limits(t, n - 1, level) / sqrt(n)
  list(d = mdiff / sddiff, dlow = lim[1], dhigh = lim[2])
}
d_dep_t_avg <- function(m1, m2, sd1, sd2, n, level = 0.95) {
  t <- (m1 - m2) / ((sd1 / sqrt(n) + sd2 / sqrt(n)) / 2)
  lim <- ncp_limits(t, n - 1, level) / sqrt(n)
  list(d = (m1 - m2) / ((sd1 + sd2) / 2), dlow = lim[1], dhigh = lim[2])
}
mote_diff <- d_dep_t_diff(1.14, 2.12, 7)
mote_avg <- d_dep_t_avg(5.57, 4.43, 1.99, 2.88, 7)
stopifnot(abs(mote_diff$dlow - -0.2791857) < 1e-6, abs(mote_diff$dhigh - 1.317321) < 1e-6)
stopifnot(abs(mote_avg$dlow - -0.3334172) < 1e-6, abs(mote_avg$dhigh - 1.2360580) < 1e-6)

# Lakens (2013) Table 1 movie ratings, as in evaluation_prepost.R (post = movie 2).
movie1 <- c(9, 7, 8, 9, 8, 9, 9, 10, 9, 9)
movie2 <- c(9, 6, 7, 8, 7, 9, 8, 8, 8, 7)
n <- 10
j <- 1 - 3 / (8 * n - 9)  # Lakens (2013) eq. 4 with n1 = n2 = n
lz <- d_dep_t_diff(mean(movie2 - movie1), sd(movie2 - movie1), n)
la <- d_dep_t_avg(mean(movie2), mean(movie1), sd(movie1), sd(movie2), n)
lakens <- list(
  cohen_dz = lz$d, cohen_dz_ci_low = lz$dlow, cohen_dz_ci_high = lz$dhigh,
  cohen_dav = la$d, cohen_dav_ci_low = la$dlow, cohen_dav_ci_high = la$dhigh,
  hedges_g_av = j * la$d, hedges_g_av_ci_low = j * la$dlow, hedges_g_av_ci_high = j * la$dhigh
)

# Morris (2008) Table 1: five training studies (Carlson & Schmidt 1999), as typed in metafor's
# tests (tests/testthat/test_analysis_example_morris2008.r) and on metafor-project.org.
datT <- data.frame(m_pre = c(30.6, 23.5, 0.5, 53.4, 35.6), m_post = c(38.5, 26.8, 0.7, 75.9, 36.0),
                   sd_pre = c(15.0, 3.1, 0.1, 14.5, 4.7), sd_post = c(11.6, 4.1, 0.1, 4.4, 4.6),
                   ni = c(20, 50, 9, 10, 14), ri = c(.47, .64, .77, .89, .44))
datC <- data.frame(m_pre = c(23.1, 24.9, 0.6, 55.7, 34.8), m_post = c(19.7, 25.3, 0.6, 60.7, 33.4),
                   sd_pre = c(13.8, 4.1, 0.2, 17.3, 3.1), sd_post = c(14.8, 3.3, 0.2, 17.9, 6.9),
                   ni = c(20, 42, 9, 11, 14), ri = c(.47, .64, .77, .89, .44))
# d_ppc1 (Becker 1988): difference of the groups' standardized mean changes, exact c(m).
# The exact call checked:
eT <- escalc(measure = "SMCR", m1i = m_post, m2i = m_pre, sd1i = sd_pre, ni = ni, ri = ri, data = datT)
eC <- escalc(measure = "SMCR", m1i = m_post, m2i = m_pre, sd1i = sd_pre, ni = ni, ri = ri, data = datC)
d_ppc1 <- as.numeric(eT$yi - eC$yi); v_ppc1 <- as.numeric(eT$vi + eC$vi)
stopifnot(all(round(d_ppc1, 2) == c(0.74, 0.95, 1.81, 1.15, 0.51)))  # Morris (2008) Table 1
# d_ppc2 (Morris 2008 eq. 8) and its sampling variance (eq. 25), by hand:
nT <- datT$ni; nC <- datC$ni; N <- nT + nC
cp <- 1 - 3 / (4 * (N - 2) - 1)
sd_pool <- sqrt(((nT - 1) * datT$sd_pre^2 + (nC - 1) * datC$sd_pre^2) / (N - 2))
d_ppc2 <- cp * ((datT$m_post - datT$m_pre) - (datC$m_post - datC$m_pre)) / sd_pool
rho <- datT$ri; k <- N / (nT * nC)
v_ppc2 <- 2 * cp^2 * (1 - rho) * k * ((N - 2) / (N - 4)) * (1 + d_ppc2^2 / (2 * (1 - rho) * k)) - d_ppc2^2
z <- qnorm(0.975)
morris <- list(
  treatment = datT, control = datC,
  d_ppc1 = d_ppc1, d_ppc1_var = v_ppc1,
  d_ppc1_ci_low = d_ppc1 - z * sqrt(v_ppc1), d_ppc1_ci_high = d_ppc1 + z * sqrt(v_ppc1),
  d_ppc2 = d_ppc2, d_ppc2_var = v_ppc2,
  d_ppc2_ci_low = d_ppc2 - z * sqrt(v_ppc2), d_ppc2_ci_high = d_ppc2 + z * sqrt(v_ppc2)
)

out <- list(
  r_version = R.version.string, metafor_version = as.character(packageVersion("metafor")),
  mote_diff = c(list(mdiff = 1.14, sddiff = 2.12, n = 7), mote_diff),
  mote_avg = c(list(m1 = 5.57, m2 = 4.43, sd1 = 1.99, sd2 = 2.88, n = 7), mote_avg),
  lakens_movies = lakens,
  morris2008 = morris
)
write_json(out, "effectsize_prepost.json", digits = NA, auto_unbox = TRUE, pretty = TRUE,
           dataframe = "columns")
