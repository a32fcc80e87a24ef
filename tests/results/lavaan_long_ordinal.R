# Reference values for stigma_analysis.structure.longitudinal_invariance(..., ordered = TRUE):
# ordinal longitudinal invariance, Wu & Estabrook (2016) identification, WLSMV.
# Produced with: R 4.2.2, lavaan 0.6-14, semTools 0.5-6, jsonlite (versions stored in the JSON).
# Run from the repository root:  Rscript tests/results/lavaan_long_ordinal.R
# Data: the simulated two-wave panel tests/data/panel_two_wave.csv (n = 400, items s1-s4 at
# waves t1, t2), each item cut into 4 ordered categories at the quartiles of the item pooled
# over both waves (the same cut points at both waves), written to lavaan_long_ordinal_data.csv.
# Calls: measEq.syntax(model, data, ordered = items, parameterization = "delta",
#          ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016",
#          longFacNames = list(stig = c("stig_t1", "stig_t2")), long.equal = eq)
#        (auto = "all", the default: each item's residual covariance with itself at the other
#        wave) for eq = none / "thresholds" / + "loadings" / + "intercepts", each fitted with
#        cfa(syntax, data, ordered = items, estimator = "WLSMV", parameterization = "delta");
#        lavTestLRT(fit_k-1, fit_k, method = "satorra.2000") between neighbours.
suppressPackageStartupMessages({library(lavaan); library(semTools); library(jsonlite)})
panel <- read.csv("tests/data/panel_two_wave.csv")
d <- panel
for (j in 1:4) {
  a <- paste0("s", j, "_t1"); b <- paste0("s", j, "_t2")
  br <- quantile(c(panel[[a]], panel[[b]]), c(.25, .5, .75))
  d[[a]] <- findInterval(panel[[a]], br) + 1L
  d[[b]] <- findInterval(panel[[b]], br) + 1L
}
write.csv(d, "tests/results/lavaan_long_ordinal_data.csv", row.names = FALSE)
items <- names(d)
model <- "stig_t1 =~ s1_t1 + s2_t1 + s3_t1 + s4_t1
          stig_t2 =~ s1_t2 + s2_t2 + s3_t2 + s4_t2"
levels <- list(configural = "", thresholds = "thresholds",
               metric = c("thresholds", "loadings"),
               scalar = c("thresholds", "loadings", "intercepts"))
keys <- c("npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
          "chisq.scaling.factor", "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
          "cfi", "tli", "rmsea", "cfi.scaled", "tli.scaled", "rmsea.scaled",
          "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled", "srmr")
fits <- list(); out_levels <- list()
for (lv in names(levels)) {
  syn <- measEq.syntax(model, data = d, ordered = items, parameterization = "delta",
                       ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016",
                       longFacNames = list(stig = c("stig_t1", "stig_t2")),
                       long.equal = levels[[lv]])
  if (lv == "thresholds") cat(as.character(syn))
  fit <- cfa(as.character(syn), data = d, ordered = items, estimator = "WLSMV",
             parameterization = "delta")
  fits[[lv]] <- fit
  ts <- lavInspect(fit, "test")$scaled.shifted
  pe <- parameterEstimates(fit)
  out_levels[[lv]] <- list(
    fit = as.list(fitMeasures(fit, keys)),
    shift = if (is.null(ts)) NA else ts$shift.parameter,
    converged = lavInspect(fit, "converged"),
    estimates = pe[pe$op %in% c("=~", "|", "~1", "~~", "~*~"),
                   c("lhs", "op", "rhs", "est", "se")])
}
lrt <- list()
nm <- names(levels)
for (k in 2:length(nm)) {
  t <- lavTestLRT(fits[[nm[k - 1]]], fits[[nm[k]]], method = "satorra.2000")
  lrt[[nm[k]]] <- list(chisq_diff = t[2, "Chisq diff"], df_diff = t[2, "Df diff"],
                       p = t[2, "Pr(>Chisq)"])
}
out <- list(
  versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                  semTools = as.character(packageVersion("semTools"))),
  n = nrow(d), levels = out_levels, lrt = lrt)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"),
           "tests/results/lavaan_long_ordinal.json")
