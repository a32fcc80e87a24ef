# Reference values for stigma_analysis.evaluation.power / minimum_detectable_effect
# (tests/evaluation/test_power.py). Run from tests/results/:  Rscript power_design.R
#
# Unclustered: stats::power.t.test(n, delta, sd = 1, sig.level, strict = TRUE) (both tails,
# as statsmodels TTestIndPower) -- the exact call checked.
# Clustered (hand calculation of the published formulas):
#   n   = n_per_arm * (1 - attrition)                 analysed per arm
#   m   = n / k                                       mean site size, k sites per arm
#   D   = 1 + ((1 + cv^2) m - 1) icc                  Eldridge, Ashby & Kerry (2006)
#   n_e = n / (D (1 - r^2))                           ANCOVA on the pre score (Borm et al. 2007)
#   df  = 2k - 2;  ncp = d sqrt(n_e / 2);  crit = qt(1 - alpha/2, df)
#   power = pt(crit, df, ncp, lower = FALSE) + pt(-crit, df, ncp)
#   MDE: uniroot(power(d) - target) with tol 1e-12.
# R 4.2.2 Patched (2022-11-10 r83330); stats; jsonlite.
library(jsonlite)

unclustered <- list()
for (cfg in list(c(64, 0.5, 0.05), c(20, 0.8, 0.05), c(150, 0.3, 0.01))) {
  pw <- power.t.test(n = cfg[1], delta = cfg[2], sd = 1, sig.level = cfg[3], strict = TRUE)
  mde <- power.t.test(n = cfg[1], power = 0.8, sd = 1, sig.level = cfg[3], strict = TRUE,
                      tol = 1e-12)$delta
  unclustered[[length(unclustered) + 1]] <- list(n_per_arm = cfg[1], effect_size = cfg[2],
                                                alpha = cfg[3], power = pw$power, mde_80 = mde)
}

cl_power <- function(d, n0, k, icc, cv, r, attrition, alpha) {
  n <- n0 * (1 - attrition); m <- n / k
  D <- 1 + ((1 + cv^2) * m - 1) * icc
  ne <- n / (D * (1 - r^2)); df <- 2 * k - 2
  ncp <- d * sqrt(ne / 2); crit <- qt(1 - alpha / 2, df)
  list(design_effect = D, effective_n_per_arm = ne, df = df,
       power = pt(crit, df, ncp, lower.tail = FALSE) + pt(-crit, df, ncp))
}
designs <- list(
  list(n_per_arm = 120, k = 6, icc = 0.05, cv = 0.4, r = 0.5, attrition = 0.2, d = 0.5, alpha = 0.05),
  list(n_per_arm = 200, k = 4, icc = 0.10, cv = 0.0, r = 0.0, attrition = 0.0, d = 0.6, alpha = 0.05),
  list(n_per_arm = 60, k = 10, icc = 0.02, cv = 0.7, r = 0.6, attrition = 0.3, d = 0.4, alpha = 0.10)
)
clustered <- lapply(designs, function(x) {
  p <- cl_power(x$d, x$n_per_arm, x$k, x$icc, x$cv, x$r, x$attrition, x$alpha)
  mde <- uniroot(function(d) cl_power(d, x$n_per_arm, x$k, x$icc, x$cv, x$r, x$attrition,
                                      x$alpha)$power - 0.8, c(0, 20), tol = 1e-12)$root
  c(x, p, list(mde_80 = mde))
})

# Design effect alone (Eldridge et al. 2006): m = 20, icc = .05, cv = .5 -> 1 + (1.25*20 - 1)*.05
deff_example <- list(mean_cluster_size = 20, icc = 0.05, cv = 0.5,
                     design_effect = 1 + ((1 + 0.5^2) * 20 - 1) * 0.05)

write_json(list(r_version = R.version.string, unclustered = unclustered, clustered = clustered,
                design_effect = deff_example),
           "power_design.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
