# What psych does with a degenerate correlation matrix, for stigma_analysis.structure's
# bartlett / kmo / efa, which raise SingularCorrelationError on such data instead.
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), psych 2.2.9, jsonlite.
# Run from the repository root:  Rscript tests/results/psych_bartlett_singular.R
# Writes tests/results/psych_bartlett_singular.json (the data sets are stored in it).
#
# 1. fewer_rows: 8 respondents, 12 items (rnorm, set.seed(1)): R is singular (rank 7).
#      cortest.bartlett(x); KMO(x)
#    psych returns a finite chi-square (log det of a rounding-error determinant) and, as
#    solve(R) fails, KMO substitutes R for its inverse and reports MSA = 0.5 for every item.
# 2. pairwise: 3 items never answered all together, n = 30, with pairwise correlations
#    r12 ~ 1, r23 ~ 1, r13 ~ -1: not positive definite, det(R) < 0.
#      cortest.bartlett(cor(x, use = "pairwise"), n = 30)
#    gives NaN (log of a negative determinant).
suppressPackageStartupMessages({library(psych); library(jsonlite)})
set.seed(1)
x1 <- as.data.frame(matrix(rnorm(8 * 12), 8, 12))
names(x1) <- paste0("i", 1:12)
R1 <- cor(x1)
b1 <- suppressWarnings(cortest.bartlett(x1))
k1 <- suppressMessages(KMO(x1))

z <- rnorm(10); w <- rnorm(10); u <- rnorm(10)
x2 <- data.frame(
  a = c(z, rep(NA, 10), u),
  b = c(z + rnorm(10, sd = 0.01), w, rep(NA, 10)),
  c = c(rep(NA, 10), w + rnorm(10, sd = 0.01), -u)
)
R2 <- cor(x2, use = "pairwise")
b2 <- suppressWarnings(cortest.bartlett(R2, n = nrow(x2)))

out <- list(
  versions = list(R = R.version.string, psych = as.character(packageVersion("psych"))),
  fewer_rows = list(data = x1, det = det(R1), min_eigenvalue = min(eigen(R1)$values),
                    bartlett_chisq = b1$chisq, kmo_msa = k1$MSA),
  pairwise = list(data = x2, det = det(R2), min_eigenvalue = min(eigen(R2)$values),
                  bartlett_chisq = b2$chisq)
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE,
                  dataframe = "columns"),
           "tests/results/psych_bartlett_singular.json")
