# Reference values for stigma_analysis.irt.dif_ordinal (lordif-style ordinal logistic DIF).
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), MASS 7.3-58.2, jsonlite.
# Run from the repository root:  Rscript tests/results/mass_polr_dif.R
# Reads tests/data/irt_dif_ordinal.csv (simulated GRM answers i1..i6 in two language groups,
# a matching variable `theta`, 25 answers to i2 missing) and writes
# tests/results/mass_polr_dif.json: for items i2 (uniform DIF planted) and i4 (non-uniform),
# the log-likelihoods of lordif's three models fitted with MASS::polr
#   model 1: item ~ theta;  model 2: item ~ theta + group;  model 3: item ~ theta * group
# and of the thresholds-only model, on the respondents who answered the item.
# Pseudo-R2 follow lordif's definitions (McFadden 1 - LL/LL0; Cox & Snell
# 1 - exp(2 (LL0 - LL) / n); Nagelkerke Cox-Snell / (1 - exp(2 LL0 / n))).
suppressPackageStartupMessages({library(MASS); library(jsonlite)})
d <- read.csv("tests/data/irt_dif_ordinal.csv")
d$group <- factor(d$group)
out <- list(call = "polr(factor(item) ~ theta [+ group [+ theta:group]], method = 'logistic')",
            versions = list(R = R.version.string, MASS = as.character(packageVersion("MASS"))))
for (it in c("i2", "i4")) {
  dd <- d[!is.na(d[[it]]) & !is.na(d$theta), ]
  y <- factor(dd[[it]], ordered = TRUE)
  n <- nrow(dd)
  m0 <- polr(y ~ 1, data = dd, method = "logistic", Hess = TRUE)
  m1 <- polr(y ~ theta, data = dd, method = "logistic", Hess = TRUE)
  m2 <- polr(y ~ theta + group, data = dd, method = "logistic", Hess = TRUE)
  m3 <- polr(y ~ theta * group, data = dd, method = "logistic", Hess = TRUE)
  ll <- sapply(list(m0, m1, m2, m3), function(m) as.numeric(logLik(m)))
  mcf <- 1 - ll[2:4] / ll[1]
  cs <- 1 - exp(2 * (ll[1] - ll[2:4]) / n)
  nag <- cs / (1 - exp(2 * ll[1] / n))
  out[[it]] <- list(
    n = n, loglik0 = ll[1], loglik1 = ll[2], loglik2 = ll[3], loglik3 = ll[4],
    chi12 = 2 * (ll[3] - ll[2]), chi13 = 2 * (ll[4] - ll[2]), chi23 = 2 * (ll[4] - ll[3]),
    p12 = pchisq(2 * (ll[3] - ll[2]), 1, lower.tail = FALSE),
    p13 = pchisq(2 * (ll[4] - ll[2]), 2, lower.tail = FALSE),
    p23 = pchisq(2 * (ll[4] - ll[3]), 1, lower.tail = FALSE),
    mcfadden = mcf, cox_snell = cs, nagelkerke = nag,
    coef3 = as.list(coef(m3)), zeta3 = as.list(m3$zeta))
}
write_json(out, "tests/results/mass_polr_dif.json", auto_unbox = TRUE, digits = NA, pretty = TRUE)
