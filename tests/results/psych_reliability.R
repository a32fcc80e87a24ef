# Reference values for tests/reliability/test_reliability.py, from R psych on its `bfi` data.
#
# Run from the repository root:  Rscript tests/results/psych_reliability.R
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), psych 2.2.9, lavaan 0.6-14, jsonlite
# (Debian packages).
#
# Writes
#   tests/data/bfi.csv                      psych::bfi as CSV (2800 x 28, NA as empty cell)
#   tests/results/psych_reliability.json    per scale: psych::alpha total / alpha.drop /
#                                           item.stats / feldt / Duhachek, scoreItems alpha,
#                                           fa(nfactors = 1) loadings and omega (ML and minres)
#   tests/results/psych_scores.csv          scoreItems(keys, bfi[1:25], impute = "none")$scores
#   (json) bifactor                         ML bifactor CFA of the 25 reversed items (lavaan, on the
#                                           pairwise correlations) and psych::omegaFromSem on it
#
# Keys as in ?bfi / ?scoreItems (bfi.keys):
#   agree = -A1, A2..A5; conscientious = C1..C3, -C4, -C5; extraversion = -E1, -E2, E3..E5;
#   neuroticism = N1..N5; openness = O1, -O2, O3, O4, -O5
suppressPackageStartupMessages({
  library(psych)
  library(lavaan)   # 0.6-14
  library(jsonlite)
})
data(bfi, package = "psych")
write.csv(bfi, "tests/data/bfi.csv", row.names = FALSE, na = "")

keys <- list(
  agree = c("-A1", "A2", "A3", "A4", "A5"),
  conscientious = c("C1", "C2", "C3", "-C4", "-C5"),
  extraversion = c("-E1", "-E2", "E3", "E4", "E5"),
  neuroticism = c("N1", "N2", "N3", "N4", "N5"),
  openness = c("O1", "-O2", "O3", "O4", "-O5")
)
items25 <- bfi[, 1:25]

# The exact scoring call: alpha per scale and the scale scores (mean of answered items).
sc <- scoreItems(keys, items25, impute = "none")
write.csv(as.data.frame(sc$scores), "tests/results/psych_scores.csv", row.names = FALSE)

omega_model <- function(f) {
  l <- as.vector(f$loadings[, 1])
  u <- as.vector(f$uniquenesses)
  list(loadings = l, uniquenesses = u, omega = sum(l)^2 / (sum(l)^2 + sum(u)),
       omega_observed = 1 - sum(u) / sum(f$r))
}

out <- list(
  meta = list(
    r_version = R.version.string,
    psych_version = as.character(packageVersion("psych")),
    n_rows = nrow(bfi)
  ),
  scales = list()
)
for (s in names(keys)) {
  k <- keys[[s]]
  items <- sub("-", "", k)
  rev <- items[startsWith(k, "-")]
  x <- bfi[, items]
  # psych::alpha(x, keys = rev): pairwise covariances (use = "pairwise"), reversal
  # (min + max) - x with min / max of the whole item block (1 and 6 here).
  a <- psych::alpha(x, keys = rev)
  a_list <- psych::alpha(x, keys = rev, use = "complete.obs")
  # Given already-reversed items the result must be the same:
  xr <- x
  for (v in rev) xr[[v]] <- 7 - xr[[v]]
  a_rev <- psych::alpha(xr)
  stopifnot(isTRUE(all.equal(a$total$raw_alpha, a_rev$total$raw_alpha, tolerance = 1e-14)))

  f_ml <- fa(xr, nfactors = 1, fm = "ml")        # psych::fa(nfactors = 1, fm = "ml")
  f_mr <- fa(xr, nfactors = 1, fm = "minres")    # psych::fa(nfactors = 1, fm = "minres")
  om <- suppressWarnings(suppressMessages(
    psych::omega(xr, nfactors = 1, fm = "ml", plot = FALSE)))   # omega_h not meaningful (1 factor)

  tot <- a$total
  out$scales[[s]] <- list(
    items = items,
    reverse = I(rev),
    total = list(
      raw_alpha = tot$raw_alpha, std_alpha = tot$std.alpha, g6_smc = tot$`G6(smc)`,
      average_r = tot$average_r, s_n = tot$`S/N`, ase = tot$ase, mean = tot$mean,
      sd = tot$sd, median_r = tot$median_r
    ),
    # print.psych: Duhachek = raw_alpha -/+ 1.96 * ase (z rounded to 1.96 by psych)
    duhachek = list(lower = tot$raw_alpha - 1.96 * tot$ase, upper = tot$raw_alpha + 1.96 * tot$ase),
    feldt = list(lower = a$feldt$lower.ci[[1]], upper = a$feldt$upper.ci[[1]]),
    alpha_drop = list(
      raw_alpha = a$alpha.drop$raw_alpha, std_alpha = a$alpha.drop$std.alpha,
      g6_smc = a$alpha.drop$`G6(smc)`, average_r = a$alpha.drop$average_r,
      s_n = a$alpha.drop$`S/N`, alpha_se = a$alpha.drop$`alpha se`,
      var_r = a$alpha.drop$var.r, med_r = a$alpha.drop$med.r
    ),
    item_stats = list(
      n = a$item.stats$n, raw_r = a$item.stats$raw.r, std_r = a$item.stats$std.r,
      r_cor = a$item.stats$r.cor, r_drop = a$item.stats$r.drop,
      mean = a$item.stats$mean, sd = a$item.stats$sd
    ),
    listwise = list(
      raw_alpha = a_list$total$raw_alpha, std_alpha = a_list$total$std.alpha,
      g6_smc = a_list$total$`G6(smc)`, average_r = a_list$total$average_r,
      r_drop = a_list$item.stats$r.drop, alpha_drop = a_list$alpha.drop$raw_alpha
    ),
    score_items_alpha = unname(sc$alpha[1, s]),
    fa_ml = omega_model(f_ml),
    fa_minres = omega_model(f_mr),
    omega_tot_psych_ml = om$omega.tot
  )
}
# Bifactor (general + 5 orthogonal group factors) for omega hierarchical:
xr25 <- items25
for (k in unlist(keys)) if (startsWith(k, "-")) { v <- sub("-", "", k); xr25[[v]] <- 7 - xr25[[v]] }
R25 <- cor(xr25, use = "pairwise")
bif_model <- paste0(
  "g =~ ", paste(colnames(xr25), collapse = " + "), "\n",
  paste(sapply(names(keys), function(s) paste0(s, " =~ ", paste(sub("-", "", keys[[s]]), collapse = " + "))),
        collapse = "\n"))
bif <- cfa(bif_model, sample.cov = R25, sample.nobs = nrow(xr25), std.lv = TRUE, orthogonal = TRUE)
std <- lavInspect(bif, "std")
lam <- std$lambda
ofs <- omegaFromSem(bif, m = R25, flip = FALSE, plot = FALSE)
gsum <- sum(lam[, "g"])
ssum <- sum(colSums(lam[, -1])^2)
usum <- sum(diag(std$theta))
out$bifactor <- list(
  items = colnames(xr25),
  general = unname(lam[, "g"]),
  group = unname(rowSums(lam[, -1])),
  uniquenesses = unname(diag(std$theta)),
  converged = lavInspect(bif, "converged"),
  omega_h_model = gsum^2 / (gsum^2 + ssum + usum),
  omega_total_model = (gsum^2 + ssum) / (gsum^2 + ssum + usum),
  omega_h_observed = gsum^2 / sum(R25),                      # as psych::omegaFromSem, but
  omega_total_observed = (sum(R25) - usum) / sum(R25),       # with standardised loadings
  # psych::omegaFromSem itself takes lavaan's unstandardised loadings, which (ML rescales
  # sample.cov by (n-1)/n) are sqrt((n-1)/n) times the standardised ones:
  omega_from_sem = ofs$omega,
  omega_tot_from_sem = ofs$omega.tot
)

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/results/psych_reliability.json")
