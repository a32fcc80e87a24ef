# Reference values for stigma_analysis.structure.longitudinal_invariance: the same people at two
# waves, one factor per wave, residual covariances of each item with itself across waves.
# Produced with: R 4.2.2, lavaan 0.6-14, semTools 0.5-6, MASS, jsonlite (versions in the JSON).
# Run from the repository root:  Rscript tests/results/lavaan_inv_long.R
# Data: simulated here (set.seed(15)) and written to tests/data/panel_two_wave.csv: n = 400,
# items s1-s4 at waves t1, t2 (columns s1_t1 ... s4_t2); factor means 0 / 0.3, variances 1 /
# 1.2, cross-wave factor correlation 0.6, residual autocorrelation 0.3.
# Calls: measEq.syntax(model, data, ID.fac = "std.lv", longFacNames = list(stig = c("stig_t1",
#          "stig_t2")), long.equal = eq) for eq = none / "loadings" / + "intercepts" /
#          + "residuals", fitted with cfa(syntax, data, estimator = "ML") (auto = "all": lag
#          residual covariances), and lavTestLRT between neighbours.
suppressPackageStartupMessages({library(lavaan); library(semTools); library(MASS); library(jsonlite)})
set.seed(15)
n <- 400
lam <- c(0.8, 0.7, 0.6, 0.75)
phi <- matrix(c(1, 0.6 * sqrt(1.2), 0.6 * sqrt(1.2), 1.2), 2)
eta <- mvrnorm(n, c(0, 0.3), phi)
theta <- 0.5
E <- cbind(mvrnorm(n, c(0, 0), matrix(c(1, .3, .3, 1), 2) * theta),
           mvrnorm(n, c(0, 0), matrix(c(1, .3, .3, 1), 2) * theta),
           mvrnorm(n, c(0, 0), matrix(c(1, .3, .3, 1), 2) * theta),
           mvrnorm(n, c(0, 0), matrix(c(1, .3, .3, 1), 2) * theta))
nu <- c(3, 2.5, 3.2, 2.8)
d <- data.frame(row.names = seq_len(n))
for (j in 1:4) {
  d[[paste0("s", j, "_t1")]] <- nu[j] + lam[j] * eta[, 1] + E[, 2 * j - 1]
  d[[paste0("s", j, "_t2")]] <- nu[j] + lam[j] * eta[, 2] + E[, 2 * j]
}
d <- d[c(paste0("s", 1:4, "_t1"), paste0("s", 1:4, "_t2"))]
d <- round(d, 4)
write.csv(d, "tests/data/panel_two_wave.csv", row.names = FALSE)
model <- "stig_t1 =~ s1_t1 + s2_t1 + s3_t1 + s4_t1
          stig_t2 =~ s1_t2 + s2_t2 + s3_t2 + s4_t2"
levels <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"),
               strict = c("loadings", "intercepts", "residuals"))
keys <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic")
fits <- list(); out_levels <- list()
for (lv in names(levels)) {
  syn <- measEq.syntax(model, data = d, ID.fac = "std.lv",
                       longFacNames = list(stig = c("stig_t1", "stig_t2")),
                       long.equal = levels[[lv]])
  if (lv == "configural") cat(as.character(syn))
  fit <- cfa(as.character(syn), data = d, estimator = "ML")
  fits[[lv]] <- fit
  pe <- parameterEstimates(fit)
  out_levels[[lv]] <- list(fit = as.list(fitMeasures(fit, keys)),
                           estimates = pe[, c("lhs", "op", "rhs", "est", "se")])
}
lrt <- list(); nm <- names(levels)
for (k in 2:length(nm)) {
  t <- lavTestLRT(fits[[nm[k - 1]]], fits[[nm[k]]])
  lrt[[nm[k]]] <- list(chisq_diff = t[2, "Chisq diff"], df_diff = t[2, "Df diff"], p = t[2, "Pr(>Chisq)"])
}
out <- list(versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                            semTools = as.character(packageVersion("semTools"))),
            levels = out_levels, lrt = lrt)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/results/lavaan_inv_long.json")
