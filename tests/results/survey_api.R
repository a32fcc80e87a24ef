# Reference values for stigma_analysis.evaluation survey estimators
# (tests/evaluation/test_survey.py). Run from tests/results/:  Rscript survey_api.R
# Writes ../data/api_clus1.csv and ../data/api_strat.csv (columns used, from survey's `api`
# data: California Academic Performance Index samples) and survey_api.json.
# R 4.2.2 Patched (2022-11-10 r83330); survey 4.1.1; jsonlite.
suppressMessages(library(survey))
library(jsonlite)
data(api)
cols <- c("cds", "stype", "dnum", "pw", "fpc", "api00", "api99", "enroll", "ell", "meals",
          "mobility", "sch.wide")
clus1 <- apiclus1[, cols]; strat <- apistrat[, cols]
clus1$sch_wide <- as.integer(clus1$sch.wide == "Yes"); strat$sch_wide <- as.integer(strat$sch.wide == "Yes")
clus1$sch.wide <- NULL; strat$sch.wide <- NULL
write.csv(clus1, "../data/api_clus1.csv", row.names = FALSE)
write.csv(strat, "../data/api_strat.csv", row.names = FALSE)

# The designs, as in ?svydesign:
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = clus1, fpc = ~fpc)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = strat, fpc = ~fpc)

mean_of <- function(formula, design) {
  m <- svymean(formula, design)
  list(estimate = unname(coef(m)), se = as.numeric(SE(m)), names = names(coef(m)))
}
glm_of <- function(formula, design, family = gaussian()) {
  # tight convergence so the logistic fit is the exact MLE (R's default epsilon is 1e-8)
  g <- svyglm(formula, design = design, family = family,
              control = glm.control(epsilon = 1e-14, maxit = 100))
  s <- summary(g)$coefficients
  list(term = rownames(s), estimate = unname(s[, 1]), se = unname(s[, 2]),
       df = g$df.residual, p = unname(s[, 4]))
}
out <- list(
  r_version = R.version.string, survey_version = as.character(packageVersion("survey")),
  clus1 = list(
    # svymean(~api00 + enroll, dclus1)
    mean = mean_of(~api00 + enroll, dclus1),
    # svymean(~sch_wide, dclus1): the proportion of schools meeting their target
    proportion = mean_of(~sch_wide, dclus1),
    # svyglm(api00 ~ ell + meals + mobility, design = dclus1)
    glm = glm_of(api00 ~ ell + meals + mobility, dclus1),
    # svyglm(sch_wide ~ ell + meals, design = dclus1, family = quasibinomial(),
    #        control = glm.control(epsilon = 1e-14, maxit = 100))
    logit = glm_of(sch_wide ~ ell + meals, dclus1, quasibinomial()),
    # domain: svymean(~api00, subset(dclus1, stype == "H"))
    domain_mean = mean_of(~api00, subset(dclus1, stype == "H")),
    # domain: svyglm(api00 ~ ell + meals, design = subset(dclus1, stype == "E"))
    domain_glm = glm_of(api00 ~ ell + meals, subset(dclus1, stype == "E")),
    # the wrong way (rows filtered, then a new design), for contrast
    filtered_mean = mean_of(~api00, svydesign(id = ~dnum, weights = ~pw,
                                              data = clus1[clus1$stype == "H", ], fpc = ~fpc))
  ),
  strat = list(
    mean = mean_of(~api00 + enroll, dstrat),
    glm = glm_of(api00 ~ ell + meals + mobility, dstrat),
    domain_mean = mean_of(~api00, subset(dstrat, sch_wide == 1)),
    proportion = mean_of(~sch_wide, dstrat)
  )
)
write_json(out, "survey_api.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
