# Reference values: ISMI-29 (5 subscales) in the bundled example study, wave 1, by site.
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), lavaan 0.6-14, haven, jsonlite.
# Run from the repository root:  Rscript tests/results/lavaan_example_ismi.R
# Reads surveys/example/wave1.sav; codes 97/98/99 are missing; listwise deletion (lavaan default).
# The model is stigma_analysis.structure.default_model(load_instrument("ismi29"), "ismi_{item}").
suppressPackageStartupMessages({library(lavaan); library(haven); library(jsonlite)})
d <- as.data.frame(zap_labels(read_sav("surveys/example/wave1.sav", user_na = FALSE)))
model <- paste(readLines("tests/results/lavaan_example_ismi.model"), collapse = "\n")
items <- unique(trimws(unlist(strsplit(gsub(".*=~", "", readLines("tests/results/lavaan_example_ismi.model")), "\\+"))))
for (v in items) d[[v]][d[[v]] %in% c(97, 98, 99)] <- NA
d <- d[, c(items, "site")]
d$site <- as.character(d$site)
fm <- function(fit) as.list(fitMeasures(fit, c("chisq", "df", "pvalue", "cfi", "tli", "rmsea",
  "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "aic", "bic", "npar")))
single <- cfa(model, data = d)
eq <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"),
           strict = c("loadings", "intercepts", "residuals"))
fits <- lapply(eq, function(g) cfa(model, data = d, group = "site", group.equal = g))
lrt <- do.call(lavTestLRT, unname(fits))
out <- list(
  versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
  n_complete = nrow(na.omit(d)), sum_items = sum(na.omit(d)[items]),
  single = list(fit = fm(single), std_loadings = subset(standardizedSolution(single), op == "=~")$est.std),
  groups = lavInspect(fits$configural, "group.label"),
  multigroup = lapply(fits, function(f) list(fit = fm(f), converged = lavInspect(f, "converged"))),
  lrt = data.frame(delta_chisq = lrt$`Chisq diff`, delta_df = lrt$`Df diff`, delta_p = lrt$`Pr(>Chisq)`)
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE),
           "tests/results/lavaan_example_ismi.json")
