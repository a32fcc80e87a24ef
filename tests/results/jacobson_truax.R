# Reference values for stigma_analysis.evaluation.clinically_significant_change
# (tests/evaluation/test_jacobson_truax.py). Run from tests/results/:  Rscript jacobson_truax.R
#
# Data: jacobson_truax_das.csv, the 30 couples' Dyadic Adjustment Scale (DAS) pre/post scores of
# Jacobson & Truax (1991) Table 2, as transcribed in the JTRCI R package
# (github.com/AWKruijt/JT-RCI, data/"J&T 1991 table2 DAS data.csv"). The DAS is higher-is-better.
# Its README analyses them with reliability .84 and criterion a taken from the pre-treatment
# sample (no published norms needed); we do the same, and also criteria b and c with functional
# norms M = 114.8, SD = 17.8 that are ILLUSTRATIVE ONLY (round numbers for the test, not a
# published DAS norm).
#
# Hand calculation (Jacobson & Truax 1991, eqs. for a, b, c and RC), higher-is-better:
#   dysfunctional norms = mean and sd (n - 1) of the pre scores
#   a = M_dys + 2 SD_dys;  b = M_fun - 2 SD_fun;  c = (SD_fun M_dys + SD_dys M_fun) / (SD_fun + SD_dys)
#   SE = SD_dys sqrt(1 - r_xx);  S_diff = sqrt(2 SE^2);  RC = (post - pre) / S_diff
#   recovered    RC >  1.959964 and post beyond the cut-off (post > cut-off)
#   improved     RC >  1.959964 and not beyond it
#   unchanged    |RC| <= 1.959964
#   deteriorated RC < -1.959964
# R 4.2.2 Patched (2022-11-10 r83330); jsonlite.
library(jsonlite)
d <- read.csv("jacobson_truax_das.csv")
rxx <- 0.84
m_dys <- mean(d$pre); sd_dys <- sd(d$pre)
m_fun <- 114.8; sd_fun <- 17.8
cut <- c(a = m_dys + 2 * sd_dys, b = m_fun - 2 * sd_fun,
         c = (sd_fun * m_dys + sd_dys * m_fun) / (sd_fun + sd_dys))
s_diff <- sqrt(2 * (sd_dys * sqrt(1 - rxx))^2)
rc <- (d$post - d$pre) / s_diff
z <- qnorm(0.975)
classify <- function(cutoff) {
  ifelse(rc > z & d$post > cutoff, "recovered",
         ifelse(rc > z, "improved", ifelse(rc < -z, "deteriorated", "unchanged")))
}
cls <- lapply(cut, classify)
out <- list(
  r_version = R.version.string, reliability = rxx,
  dysfunctional_mean = m_dys, dysfunctional_sd = sd_dys,
  functional_mean = m_fun, functional_sd = sd_fun,
  cutoffs = as.list(cut), s_diff = s_diff, threshold = z * s_diff, rci = rc,
  category_a = cls$a, category_b = cls$b, category_c = cls$c,
  counts_c = as.list(table(factor(cls$c, c("recovered", "improved", "unchanged", "deteriorated"))))
)
write_json(out, "jacobson_truax.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
