# Reference values for stigma_analysis.structure CFA / invariance on HolzingerSwineford1939.
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), lavaan 0.6-14, jsonlite.
# Run from the repository root:  Rscript tests/results/lavaan_hs.R
# Writes tests/data/HolzingerSwineford1939.csv and tests/results/lavaan_hs.json.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
HS <- lavaan::HolzingerSwineford1939
write.csv(HS, "tests/data/HolzingerSwineford1939.csv", row.names = FALSE)

model <- "visual =~ x1 + x2 + x3
          textual =~ x4 + x5 + x6
          speed =~ x7 + x8 + x9"
keys <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
          "rmsea.ci.upper", "srmr", "aic", "bic", "logl", "npar", "baseline.chisq", "baseline.df")
fm <- function(fit) as.list(fitMeasures(fit, keys))
tidy_pe <- function(fit) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  if (is.null(pe$group)) pe$group <- 1L
  pe[, c("lhs", "op", "rhs", "group", "est", "se", "std.all")]
}

fit <- cfa(model, data = HS)                       # ML, std.lv = FALSE, likelihood = "normal"
fit_mg <- list(
  configural = cfa(model, data = HS, group = "school"),
  metric = cfa(model, data = HS, group = "school", group.equal = c("loadings")),
  scalar = cfa(model, data = HS, group = "school", group.equal = c("loadings", "intercepts")),
  strict = cfa(model, data = HS, group = "school",
               group.equal = c("loadings", "intercepts", "residuals"))
)
lrt <- lavTestLRT(fit_mg$configural, fit_mg$metric, fit_mg$scalar, fit_mg$strict)
lrt <- data.frame(level = names(fit_mg), chisq = lrt$Chisq, df = lrt$Df,
                  delta_chisq = lrt$`Chisq diff`, delta_df = lrt$`Df diff`,
                  delta_p = lrt$`Pr(>Chisq)`)
# std.lv = TRUE variant and a fit with a fixed loading from the syntax
fit_stdlv <- cfa(model, data = HS, std.lv = TRUE)
# equality label, residual covariance and fixed covariance from the syntax
model_mods <- "visual =~ x1 + a*x2 + a*x3
               textual =~ x4 + x5 + x6
               speed =~ x7 + x8 + x9
               x7 ~~ x8
               visual ~~ 0*speed"
fit_mods <- cfa(model_mods, data = HS)
# partial scalar invariance (lavaan tutorial): intercepts of x3 and x7 free across schools
fit_partial <- cfa(model, data = HS, group = "school", group.equal = c("loadings", "intercepts"),
                   group.partial = c("x3~1", "x7~1"))

out <- list(
  versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
  single = list(fit = fm(fit), estimates = tidy_pe(fit)),
  single_stdlv = list(fit = fm(fit_stdlv), estimates = tidy_pe(fit_stdlv)),
  single_modifiers = list(model = model_mods, fit = fm(fit_mods), estimates = tidy_pe(fit_mods)),
  multigroup = lapply(fit_mg, function(f) list(fit = fm(f), estimates = tidy_pe(f))),
  lrt = lrt,
  partial_scalar = list(fit = fm(fit_partial), estimates = tidy_pe(fit_partial))
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE),
           "tests/results/lavaan_hs.json")

