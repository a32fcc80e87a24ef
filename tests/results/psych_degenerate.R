# Reference values for tests/reliability/test_degenerate.py: alpha and omega when there are
# fewer respondents than items (the correlation matrix is singular).
#
# Run from the repository root:  Rscript tests/results/psych_degenerate.R
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), psych 2.2.9, jsonlite (Debian packages).
# Data: the first 6 complete rows of psych::bfi, items A1..A5 and C1..C5 (10 items), no
# reversal; written to tests/results/psych_degenerate_data.csv.
#
# Exact calls:
#   psych::alpha(x, warnings = FALSE)
#   psych::fa(x, nfactors = 1, fm = "ml")
# psych returns G6(smc) = 1 (smc cannot invert the matrix), and fa stops with an optim error
# ("L-BFGS-B needs finite values of 'fn"): both are recorded; the package returns NaN with a
# named warning for lambda-6 and refuses omega with a named error instead (see the test).
suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})
data(bfi, package = "psych")
items <- c(paste0("A", 1:5), paste0("C", 1:5))
x <- head(bfi[complete.cases(bfi[, items]), items], 6)
write.csv(x, "tests/results/psych_degenerate_data.csv", row.names = FALSE)
collect <- function(expr) {
  msgs <- character(0)
  value <- withCallingHandlers(expr,
    warning = function(w) { msgs <<- c(msgs, conditionMessage(w)); invokeRestart("muffleWarning") },
    message = function(m) { msgs <<- c(msgs, conditionMessage(m)); invokeRestart("muffleMessage") })
  list(value = value, messages = unique(msgs))
}
a <- collect(psych::alpha(x, warnings = FALSE))
f <- tryCatch(collect(psych::fa(x, nfactors = 1, fm = "ml")),
              error = function(e) list(value = NULL, messages = conditionMessage(e)))
out <- list(
  meta = list(r_version = R.version.string, psych_version = as.character(packageVersion("psych"))),
  n = nrow(x), n_items = ncol(x),
  rank = qr(cor(x))$rank,
  alpha = list(raw_alpha = a$value$total$raw_alpha, std_alpha = a$value$total$std.alpha,
               g6_smc = a$value$total$`G6(smc)`, messages = I(a$messages)),
  fa = list(error = is.null(f$value), messages = I(f$messages))
)
write_json(out, "tests/results/psych_degenerate.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
