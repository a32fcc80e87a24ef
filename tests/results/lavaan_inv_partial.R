# Reference values for stigma_analysis.structure.partial_invariance: score tests of the
# cross-group equality constraints and the step-by-step release of the largest one.
# Produced with: R 4.2.2, lavaan 0.6-14, jsonlite (versions stored in the JSON).
# Run from the repository root:  Rscript tests/results/lavaan_inv_partial.R
# Data: HolzingerSwineford1939 (x1-x9), groups = school, ML.
# Calls: fit <- cfa(model, group = "school", group.equal = c("loadings", "intercepts"),
#                   group.partial = freed); lavTestScore(fit)$uni (univariate score tests);
# the loop releases the intercept with the largest X2 (group.partial) and refits until the scalar
# level holds against the metric model by Chen (2007): not (dCFI <= -.010 and (dRMSEA >= .015
# or dSRMR >= .010)), and again until the chi-square difference test against the metric model
# (lavTestLRT) has p >= .05.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
hs <- read.csv("tests/data/HolzingerSwineford1939.csv")
model <- "visual =~ x1 + x2 + x3
          textual =~ x4 + x5 + x6
          speed =~ x7 + x8 + x9"
metric <- cfa(model, data = hs, group = "school", group.equal = "loadings")
fm <- fitMeasures(metric, c("cfi", "rmsea", "srmr"))
search <- function(rule) {
freed <- character(0); steps <- list(); first_scores <- NULL
repeat {
  fit <- cfa(model, data = hs, group = "school", group.equal = c("loadings", "intercepts"),
             group.partial = freed)
  f <- fitMeasures(fit, c("chisq", "df", "cfi", "rmsea", "srmr"))
  d <- f[c("cfi", "rmsea", "srmr")] - fm
  p_lrt <- lavTestLRT(metric, fit)[2, "Pr(>Chisq)"]
  holds <- if (rule == "chen2007") !(d[1] <= -0.010 && (d[2] >= 0.015 || d[3] >= 0.010)) else p_lrt >= 0.05
  sc <- lavTestScore(fit)$uni
  pt <- parTable(fit)
  # name each constraint by the parameter of its left-hand plabel
  sc$param <- sapply(sc$lhs, function(pl) {
    i <- which(pt$plabel == pl); paste0(pt$lhs[i], " ", pt$op[i], if (pt$rhs[i] != "") paste0(" ", pt$rhs[i]) else "")
  })
  if (is.null(first_scores)) first_scores <- sc[, c("param", "X2", "p.value")]
  steps[[length(steps) + 1]] <- list(freed = freed, chisq = f[["chisq"]], df = f[["df"]],
                                     cfi = f[["cfi"]], rmsea = f[["rmsea"]], srmr = f[["srmr"]],
                                     p_lrt = p_lrt, holds = holds)
  if (holds) break
  cand <- sc[grepl("~1", sc$param), ]
  top <- cand$param[which.max(cand$X2)]
  freed <- c(freed, gsub(" ", "", top))
}
list(scores = first_scores, steps = steps)
}
chen <- search("chen2007"); chisq <- search("chisq")
out <- list(versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
            metric = as.list(fm), scores_scalar = chen$scores, steps_chen2007 = chen$steps,
            steps_chisq = chisq$steps)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/results/lavaan_inv_partial.json")
