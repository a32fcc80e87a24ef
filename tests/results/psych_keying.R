# Reference values for tests/reliability/test_keying.py: psych::alpha on scales with
# mis-keyed items (negative alpha, psych's warning and the items it names) and psych::omega
# on a mis-keyed scale under both of psych's conventions (flip = TRUE, its default, and
# flip = FALSE).
#
# Run from the repository root:  Rscript tests/results/psych_keying.R
# Produced with: R 4.2.2 Patched (2022-11-10 r83330), psych 2.2.9, GPArotation, jsonlite
# (Debian packages). Data: psych::bfi (tests/data/bfi.csv), items NOT reversed.
#
# Exact calls:
#   psych::alpha(bfi[, items])                        (check.keys = FALSE, the default)
#   psych::omega(bfi[, A1:A5], nfactors = 1, fm = "ml", plot = FALSE)            (flip = TRUE)
#   psych::omega(bfi[, A1:A5], nfactors = 1, fm = "ml", plot = FALSE, flip = FALSE)
suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})
data(bfi, package = "psych")

# psych::alpha warns (warning()) and prints (cat()) the items whose loading on the first
# principal component is negative; both texts are kept.
run_alpha <- function(items) {
  warns <- character(0)
  printed <- capture.output(a <- withCallingHandlers(
    psych::alpha(bfi[, items]),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    }))
  tot <- a$total
  p1 <- principal(bfi[, items], scores = FALSE)
  list(
    items = items,
    raw_alpha = tot$raw_alpha, std_alpha = tot$std.alpha, g6_smc = tot$`G6(smc)`,
    average_r = tot$average_r,
    raw_r = as.vector(a$item.stats$raw.r), r_drop = as.vector(a$item.stats$r.drop),
    warnings = I(warns), printed = paste(printed, collapse = "\n"),
    negative_pc1 = I(items[as.vector(p1$loadings) < 0])
  )
}

run_omega <- function(x, flip) {
  msgs <- character(0)
  o <- withCallingHandlers(
    psych::omega(x, nfactors = 1, fm = "ml", plot = FALSE, flip = flip),
    warning = function(w) {
      msgs <<- c(msgs, conditionMessage(w))
      invokeRestart("muffleWarning")
    },
    message = function(m) invokeRestart("muffleMessage"))
  g <- as.vector(o$schmid$sl[, 1])
  u <- as.vector(o$schmid$sl[, "u2"])
  list(omega_tot = o$omega.tot, g = g, u2 = u,
       # the model-implied omega total of those loadings (what omega()$omega_total reports)
       omega_model = sum(g)^2 / (sum(g)^2 + sum(u)),
       labels = rownames(o$schmid$sl), warnings = I(msgs))
}

agree <- c("A1", "A2", "A3", "A4", "A5")
xr <- bfi[, agree]
xr$A1 <- 7 - xr$A1   # A1 keyed as in ?bfi (answers 1..6)
out <- list(
  meta = list(r_version = R.version.string,
              psych_version = as.character(packageVersion("psych"))),
  alpha = list(
    a123 = run_alpha(c("A1", "A2", "A3")),        # alpha < 0, A1 named
    e1234 = run_alpha(c("E1", "E2", "E3", "E4")),  # alpha < 0, E3 and E4 named
    noae = run_alpha(c("N1", "O1", "A1", "E1"))    # alpha > 0, O1 still named
  ),
  omega = list(
    items = agree,
    flip_true = run_omega(bfi[, agree], TRUE),
    flip_false = run_omega(bfi[, agree], FALSE),
    keyed = run_omega(xr, FALSE)
  )
)
write_json(out, "tests/results/psych_keying.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
