# Reference values for tests/reliability/test_agreement.py: intraclass correlations
# (Shrout & Fleiss 1979; McGraw & Wong 1996) and Cohen's kappa / weighted kappa.
#
# Run from the repository root:  Rscript tests/results/psych_agreement.R
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), psych 2.2.9, lme4, jsonlite (Debian).
#
# Data
#   sf:   Shrout & Fleiss (1979) Table 2, 6 targets x 4 judges (published ICCs: .17 .29 .71
#         .44 .62 .91 for ICC(1,1) (2,1) (3,1) (1,4) (2,4) (3,4)).
#   bfi3: the first 200 complete rows of psych::bfi A2, A3, A4 (tests/data/bfi.csv), as 3
#         "occasions" of 200 respondents.
#   pair: the first 300 complete rows of bfi A2 and A3 as two raters (codes 1..6).
#   pair4: bfi C1 and C2 rows 1..150 recoded to 1..4 by pmin(x, 4) (a sparser table).
#
# Exact calls:
#   psych::ICC(x, lmer = FALSE)       (ANOVA mean squares; lmer = TRUE gives the same on
#                                      complete balanced data, stored as icc_lmer)
#   psych::cohen.kappa(pair)          (quadratic weights 1 - (i - j)^2 / (L - 1)^2)
#   psych::cohen.kappa(pair, w = W)   W linear: 1 - |i - j| / (L - 1)
#
# The variance of weighted kappa: psych 2.2.9 computes the Fleiss, Cohen & Everitt (1969)
# formula with the column weight means as rs_j * sum_k w_jk instead of sum_k rs_k w_kj.
# The formula itself is computed below by hand (fce_var) and its value checked by a
# Monte Carlo of 20000 multinomial tables (mc_var); the package follows the formula, and
# psych's var.weighted is stored for information.
suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})
sf <- matrix(c(9, 2, 5, 8, 6, 1, 3, 2, 8, 4, 6, 8, 7, 1, 2, 6, 10, 5, 6, 9, 6, 2, 4, 7),
             ncol = 4, byrow = TRUE)
bfi <- read.csv("tests/data/bfi.csv")
bfi3 <- head(na.omit(bfi[, c("A2", "A3", "A4")]), 200)
pair <- head(na.omit(bfi[, c("A2", "A3")]), 300)
pair4 <- na.omit(bfi[1:150, c("C1", "C2")])
pair4$C1 <- pmin(pair4$C1, 4)
pair4$C2 <- pmin(pair4$C2, 4)

icc_ref <- function(x) {
  r <- psych::ICC(x, lmer = FALSE)$results
  l <- suppressMessages(psych::ICC(x, lmer = TRUE))$results
  list(type = r$type, icc = r$ICC, f = r$F, df1 = r$df1, df2 = r$df2, p = r$p,
       lower = r$`lower bound`, upper = r$`upper bound`, icc_lmer = l$ICC)
}

fce_var <- function(tab, w) {   # Fleiss, Cohen & Everitt (1969), written out
  p <- tab / sum(tab)
  rs <- rowSums(p); cs <- colSums(p)
  po <- sum(w * p); pe <- sum(w * outer(rs, cs))
  wi <- as.vector(w %*% cs)          # w_i. = sum_j p_.j w_ij
  wj <- as.vector(t(w) %*% rs)       # w_.j = sum_i p_i. w_ij
  (sum(p * (w * (1 - pe) - outer(wi, wj, "+") * (1 - po))^2) -
     (po * pe - 2 * pe + po)^2) / (sum(tab) * (1 - pe)^4)
}
wkappa <- function(tab, w) {
  p <- tab / sum(tab)
  po <- sum(w * p); pe <- sum(w * outer(rowSums(p), colSums(p)))
  (po - pe) / (1 - pe)
}
kappa_ref <- function(x, linear = FALSE, mc = FALSE) {
  lev <- sort(unique(c(x[, 1], x[, 2])))
  L <- length(lev)
  W <- if (linear) 1 - abs(outer(1:L, 1:L, "-")) / (L - 1) else NULL
  k <- if (linear) psych::cohen.kappa(x, w = W) else psych::cohen.kappa(x)
  tab <- table(factor(x[, 1], lev), factor(x[, 2], lev))
  out <- list(levels = lev, n = nrow(x), kappa = k$kappa, weighted_kappa = k$weighted.kappa,
              var_kappa = k$var.kappa, psych_var_weighted = k$var.weighted,
              confid = k$confid, fce_var = fce_var(tab, k$weight))
  if (mc) {
    set.seed(20240601)
    p <- as.vector(tab / sum(tab))
    sims <- replicate(20000, {
      t2 <- matrix(rmultinom(1, sum(tab), p), L)
      wkappa(t2, k$weight)
    })
    out$mc_var <- var(sims)
  }
  out
}
out <- list(
  meta = list(r_version = R.version.string, psych_version = as.character(packageVersion("psych")),
              lme4_version = as.character(packageVersion("lme4"))),
  icc = list(sf = c(list(data = sf), icc_ref(sf)), bfi3 = icc_ref(bfi3)),
  kappa = list(
    quadratic = kappa_ref(pair, mc = TRUE),
    linear = kappa_ref(pair, linear = TRUE),
    sparse = kappa_ref(pair4, mc = TRUE)
  )
)
write_json(out, "tests/results/psych_agreement.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE)
