# Reference values for stigma_analysis.evaluation.cluster_robust (tests/evaluation/test_cr2.py).
# Run from tests/results/:  Rscript clubsandwich_cr2.R
# Writes clubsandwich_cr2_data.csv (synthetic: 8 sites of unequal size, seed 20261206) and
# clubsandwich_cr2.json.
# R 4.2.2 Patched (2022-11-10 r83330); clubSandwich 0.5.8; jsonlite.
suppressMessages(library(clubSandwich))
library(jsonlite)
set.seed(20261206)
sizes <- c(3, 5, 8, 4, 12, 6, 9, 7)
site <- rep(seq_along(sizes), sizes)
n <- length(site)
arm <- as.integer(site %% 2 == 0)                     # whole sites allocated to arms
age <- round(rnorm(n, 30, 8))
u <- rnorm(length(sizes), 0, 0.5)[site]
pre <- round(rnorm(n, 2.5, 0.6) + u, 3)
score <- round(2.4 - 0.3 * arm + 0.02 * (age - 30) + 0.5 * (pre - 2.5) + u + rnorm(n, 0, 0.4), 3)
d <- data.frame(site = paste0("s", site), arm = arm, age = age, pre = pre, score = score)
write.csv(d, "clubsandwich_cr2_data.csv", row.names = FALSE)

fit <- lm(score ~ arm + age + pre, data = d)
# The exact call checked:
ct <- coef_test(fit, vcov = "CR2", cluster = d$site, test = "Satterthwaite")
V <- vcovCR(fit, cluster = d$site, type = "CR2")
out <- list(
  r_version = R.version.string, clubsandwich_version = as.character(packageVersion("clubSandwich")),
  term = names(coef(fit)), estimate = unname(coef(fit)),
  se = ct$SE, t = ct$tstat, df = ct$df_Satt, p = ct$p_Satt,
  vcov = unname(as.matrix(V))
)
write_json(out, "clubsandwich_cr2.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
print(ct)
