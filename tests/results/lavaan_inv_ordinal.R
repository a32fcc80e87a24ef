# Reference values for stigma_analysis.structure.invariance(..., ordered=True): ordinal multi-group
# invariance identified as Wu & Estabrook (2016), fitted by WLSMV.
# Produced with: R 4.2.2, lavaan 0.6-14, semTools 0.5-6, jsonlite (versions stored in the JSON).
# Run from the repository root:  Rscript tests/results/lavaan_inv_ordinal.R
# Data: HolzingerSwineford1939 x1-x9 cut at their quartiles into 4 ordered categories (written to
# lavaan_inv_ordinal_data.csv), groups = school.
# Calls: measEq.syntax(model, data, ordered = items, parameterization = "delta",
#          ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", group = "school", group.equal = eq)
#        for eq = none / "thresholds" / + "loadings" / + "intercepts", each fitted with
#        cfa(syntax, ordered = items, group = "school", estimator = "WLSMV");
#        lavTestLRT(fit_k-1, fit_k, method = "satorra.2000") between neighbours;
#        lavTestScore(fit_scalar) for the partial-invariance search; the scalar model with
#        group.partial = "x3 ~ 1" and its lavTestLRT against the metric model.
suppressPackageStartupMessages({library(lavaan); library(semTools); library(jsonlite)})
hs <- read.csv("tests/data/HolzingerSwineford1939.csv")
items <- paste0("x", 1:9)
for (v in items) {
  hs[[v]] <- as.integer(cut(hs[[v]], quantile(hs[[v]], c(0, .25, .5, .75, 1)),
                            include.lowest = TRUE))
}
write.csv(hs[c("school", items)], "tests/results/lavaan_inv_ordinal_data.csv", row.names = FALSE)
model <- "visual =~ x1 + x2 + x3
          textual =~ x4 + x5 + x6
          speed =~ x7 + x8 + x9"
levels <- list(configural = "", thresholds = "thresholds",
               metric = c("thresholds", "loadings"),
               scalar = c("thresholds", "loadings", "intercepts"))
keys <- c("npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
          "chisq.scaling.factor", "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
          "cfi", "tli", "rmsea", "cfi.scaled", "tli.scaled", "rmsea.scaled",
          "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled", "srmr")
fits <- list(); out_levels <- list()
for (lv in names(levels)) {
  syn <- measEq.syntax(model, data = hs, ordered = items, parameterization = "delta",
                       ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", group = "school",
                       group.equal = levels[[lv]])
  fit <- cfa(as.character(syn), data = hs, ordered = items, group = "school",
             estimator = "WLSMV", parameterization = "delta")
  fits[[lv]] <- fit
  ts <- lavInspect(fit, "test")$scaled.shifted
  pe <- parameterEstimates(fit)
  out_levels[[lv]] <- list(
    fit = as.list(fitMeasures(fit, keys)),
    shift = if (is.null(ts)) NA else ts$shift.parameter,
    estimates = pe[pe$op %in% c("=~", "|", "~1", "~~", "~*~"),
                   c("lhs", "op", "rhs", "group", "est", "se")])
}
lrt <- list()
nm <- names(levels)
for (k in 2:length(nm)) {
  d <- lavTestLRT(fits[[nm[k - 1]]], fits[[nm[k]]], method = "satorra.2000")
  lrt[[nm[k]]] <- list(chisq_diff = d[2, "Chisq diff"], df_diff = d[2, "Df diff"],
                       p = d[2, "Pr(>Chisq)"])
}
# partial scalar invariance: the intercept of x3 freed (group.partial), as the search frees it
syn_p <- measEq.syntax(model, data = hs, ordered = items, parameterization = "delta",
                       ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", group = "school",
                       group.equal = c("thresholds", "loadings", "intercepts"),
                       group.partial = "x3 ~ 1")
fit_p <- cfa(as.character(syn_p), data = hs, ordered = items, group = "school",
             estimator = "WLSMV", parameterization = "delta")
lrt_p <- lavTestLRT(fits$metric, fit_p, method = "satorra.2000")
partial <- list(fit = as.list(fitMeasures(fit_p, keys)),
                lrt = list(chisq_diff = lrt_p[2, "Chisq diff"], df_diff = lrt_p[2, "Df diff"],
                           p = lrt_p[2, "Pr(>Chisq)"]))
sc <- lavTestScore(fits$scalar)
pt <- parTable(fits$scalar)
uni <- sc$uni
uni$lhs_label <- uni$lhs; uni$rhs_label <- uni$rhs
out <- list(
  versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                  semTools = as.character(packageVersion("semTools"))),
  n = as.list(table(hs$school)), levels = out_levels, lrt = lrt, partial_scalar_x3 = partial,
  score_scalar = list(total = as.list(sc$test), uni = uni[, c("lhs", "op", "rhs", "X2", "df", "p.value")],
                      partable = pt[pt$label != "", c("plabel", "label", "lhs", "op", "rhs", "group")])
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"),
           "tests/results/lavaan_inv_ordinal.json")
