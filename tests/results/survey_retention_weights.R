# Reference values for stigma_analysis.evaluation.retention_weights
# (tests/evaluation/test_dropout.py). Run from tests/results/:  Rscript survey_retention_weights.R
# Writes survey_retention_weights_data.csv (synthetic long data, seed 20261206: 150 respondents,
# waves 1-2, drop-out depending on age, arm and the baseline score) and the .json.
# R 4.2.2 Patched (2022-11-10 r83330); stats (glm); jsonlite.
library(jsonlite)
set.seed(20261206)
n <- 150
rid <- seq_len(n)
arm <- ifelse(rid %% 2 == 0, "intervention", "comparison")
site <- sample(c("north", "south", "east"), n, replace = TRUE)
age <- round(rnorm(n, 32, 9))
pre <- round(rnorm(n, 2.5, 0.6), 3)
stay <- rbinom(n, 1, plogis(0.8 + 0.04 * (age - 32) - 0.9 * (pre - 2.5) + 0.4 * (arm == "intervention")))
post <- round(pre - 0.3 * (arm == "intervention") + rnorm(n, 0, 0.4), 3)
w1 <- data.frame(rid = rid, wave = 1L, arm = arm, site = site, age = age, score = pre)
w2 <- data.frame(rid = rid, wave = 2L, arm = arm, site = site, age = age, score = post)[stay == 1, ]
long <- rbind(w1, w2)
write.csv(long, "survey_retention_weights_data.csv", row.names = FALSE)

base <- w1; base$retained <- stay
# The exact call checked:
fit <- glm(retained ~ age + score + arm + site, family = binomial, data = base,
           control = glm.control(epsilon = 1e-14, maxit = 100))
p <- unname(fitted(fit))
marginal <- mean(stay)
out <- list(
  r_version = R.version.string,
  coefficients = as.list(coef(fit)),
  p_retained = p,
  weight = ifelse(stay == 1, 1 / p, 0),
  stabilized_weight = ifelse(stay == 1, marginal / p, 0),
  retained = stay
)
write_json(out, "survey_retention_weights.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
