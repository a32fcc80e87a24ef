# Reference values for tests/reliability/test_validity.py: the reliability of a scale whose
# invalid answers (an undeclared 99, a 2.5 on whole-number codes) are treated as missing,
# and, for contrast, what psych::alpha gives when the 99 is left in.
#
# Run from the repository root:  Rscript tests/results/psych_validity.R
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), psych 2.2.9, jsonlite (Debian packages).
# Data: psych::bfi (tests/data/bfi.csv), agreeableness A1..A5 with A1 reversed (7 - A1).
# Planted: A2 of row 5 = 99, A3 of row 10 = 2.5 (rows counted from 1).
#
# Exact calls:
#   psych::alpha(x_missing)   x_missing: the planted cells set to NA
#   psych::alpha(x_99)        x_99: the 99 left in (the 2.5 set to NA)
suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})
data(bfi, package = "psych")
x <- bfi[, c("A1", "A2", "A3", "A4", "A5")]
x$A1 <- 7 - x$A1
x_missing <- x
x_missing$A2[5] <- NA
x_missing$A3[10] <- NA
x_99 <- x
x_99$A2[5] <- 99
x_99$A3[10] <- NA
a <- psych::alpha(x_missing)
b <- suppressWarnings(psych::alpha(x_99))
out <- list(
  meta = list(r_version = R.version.string, psych_version = as.character(packageVersion("psych"))),
  planted = list(list(row = 5, item = "A2", value = 99), list(row = 10, item = "A3", value = 2.5)),
  missing = list(raw_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha,
                 g6_smc = a$total$`G6(smc)`, r_drop = as.vector(a$item.stats$r.drop),
                 n = as.vector(a$item.stats$n)),
  with_99 = list(raw_alpha = b$total$raw_alpha)
)
write_json(out, "tests/results/psych_validity.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
