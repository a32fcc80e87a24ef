# Reference values for stigma_analysis.evaluation.pre_post (tests/test_evaluation.py).
# Run from tests/results/:  Rscript evaluation_prepost.R
# Writes evaluation_prepost_data.csv (synthetic long data, seed 20261130) and
# evaluation_prepost.json (paired t test per site, plus Lakens' 2013 movie example).
# R 4.2.2 Patched (2022-11-10 r83330); stats (base), jsonlite.
library(jsonlite)
set.seed(20261130)

paired <- function(pre, post) {
  tt <- t.test(post, pre, paired = TRUE, conf.level = 0.95)  # the exact call checked
  d <- post - pre
  list(
    n = length(d), mean_pre = mean(pre), mean_post = mean(post),
    sd_pre = sd(pre), sd_post = sd(post),
    mean_change = unname(tt$estimate), sd_change = sd(d),
    ci_low = tt$conf.int[1], ci_high = tt$conf.int[2],
    t = unname(tt$statistic), df = unname(tt$parameter), p = tt$p.value
  )
}

# Lakens (2013) Table 1: ratings of two movies by the same 10 people.
movie1 <- c(9, 7, 8, 9, 8, 9, 9, 10, 9, 9)
movie2 <- c(9, 6, 7, 8, 7, 9, 8, 8, 8, 7)
lakens <- paired(pre = movie1, post = movie2)

# Synthetic long data: three sites of different sizes, waves 1 and 2, some post scores missing.
sites <- c(A = 12, B = 25, C = 40)
rows <- list(); id <- 0
for (s in names(sites)) {
  n <- sites[[s]]
  ids <- id + seq_len(n); id <- id + n
  pre <- round(rnorm(n, 2.4, 0.55), 4)
  post <- round(pre - 0.2 + rnorm(n, 0, 0.35), 4)
  post[sample(n, 2)] <- NA
  rows[[length(rows) + 1]] <- data.frame(resp_id = ids, wave = 1L, site = s, score = pre)
  rows[[length(rows) + 1]] <- data.frame(resp_id = ids, wave = 2L, site = s, score = post)
}
long <- do.call(rbind, rows)
write.csv(long, "evaluation_prepost_data.csv", row.names = FALSE, na = "")

by_site <- lapply(names(sites), function(s) {
  w1 <- long[long$site == s & long$wave == 1, ]
  w2 <- long[long$site == s & long$wave == 2, ]
  m <- merge(w1, w2, by = "resp_id", suffixes = c("_pre", "_post"))
  m <- m[complete.cases(m$score_pre, m$score_post), ]
  c(list(site = s), paired(m$score_pre, m$score_post))
})

out <- list(
  r_version = R.version.string,
  lakens_movies = lakens,
  by_site = by_site
)
write_json(out, "evaluation_prepost.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
