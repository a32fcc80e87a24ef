# Reference values for stigma_analysis.structure.alignment: sirt::invariance.alignment.
#
# sirt is not installed on the machine that produced these values (CRAN unreachable, no Debian
# package). The script therefore sources a LOCAL COPY of sirt's R code from SIRT_SRC
# (default /tmp/sirt_src), read from github.com/alexanderrobitzsch/sirt. Those files are
# GPL-licensed third-party code and are NOT distributed with this repository. Files (sirt's own
# "## File Version" stamps; commit where the stored copy named one):
#   R/invariance.alignment.R                          3.962  (commit a4bff44145c9ddb89f35f1d39a9a6dd29d154a01;
#                                                              the optional vcov block, not used here, left out)
#   (the helpers below came from the stored copy's file history, the version whose arguments
#   match the calls of invariance.alignment.R 3.962; the store did not name their commit)
#   R/invariance_alignment_define_parameters.R        0.215
#   R/invariance_alignment_choose_fixed.R             0.03
#   R/invariance_alignment_proc_labels.R              0.06
#   R/invariance_alignment_center_parameters.R        0.130
#   R/invariance_alignment_process_parameters.R       0.03
#   R/invariance_alignment_aligned_parameters_summary.R 0.07
#   R/invariance_alignment_calc_corr.R                0.03
#   R/invariance_alignment_constraints.R              0.251
#   R/invariance_alignment_find_parameter_constraints.R 0.415
#   R/sirt_define_eps_sequence.R 0.01, R/sirt_optimizer.R 0.365 (the "optim" branch only),
#   R/sirt_matrix2.R 0.04, R/sirt_matrix_names.R 0.07, R/sirt_rsquared.R 0.03,
#   R/sirt_colMedians.R / sirt_colSDs.R / sirt_colMins.R 0.04, R/sirt_colMaxs.R 0.06
# sirt computes the loss and its gradient in C++ (src/sirt_rcpp_invariance_alignment.cpp,
# version 2.575 read, commit 8fc9081a73a8e37e89eee8f91e33f7192f4e7f31). Those two functions are
# rewritten in plain R below (ours, not sirt's code: the same sums over items and ordered group
# pairs, power > 0; the `meth` argument newer sirt R code passes is 1, the classic loss).
#
# To rerun with an installed sirt instead: Rscript tests/results/sirt_alignment.R --installed
# (uses library(sirt) and sirt::invariance.alignment / sirt::invariance_alignment_constraints).
# Run from the repository root. Output: tests/results/sirt_alignment.json (inputs + results).
#
# Inputs: (1) sirt's documented Example 6 of ?invariance.alignment (man/invariance.alignment.Rd
# version 1.616, commit 1195ae47b0912ecaabd5a20323f76de630f54497; Asparouhov & Muthen 2014
# simulation design: 3 groups, 5 items, constructed from the help page's code); (2) ours:
# 8 groups, 6 items, groups' true means/SDs, small seeded noise and two planted non-invariant
# intercepts (group 3 item 2 +0.6, group 6 item 5 -0.5), rounded to 4 decimals; once with equal
# weights and once with weights sqrt(N_g).
suppressPackageStartupMessages(library(jsonlite))
args <- commandArgs(trailingOnly = TRUE)
installed <- "--installed" %in% args
if (installed) {
  suppressPackageStartupMessages(library(sirt))
  ia <- sirt::invariance.alignment
  iac <- sirt::invariance_alignment_constraints
  source_note <- paste("sirt", as.character(utils::packageVersion("sirt")), "(installed)")
} else {
  src <- Sys.getenv("SIRT_SRC", "/tmp/sirt_src")
  for (f in list.files(src, pattern = "[.]R$", full.names = TRUE)) source(f)
  # R equivalents of sirt's compiled loss and gradient (see the header)
  .ia_transform <- function(nu, lambda, alpha0, psi0, reparam)
  {
      lambda1 <- lambda / psi0
      if (reparam){
          nu1 <- nu - lambda * alpha0
      } else {
          nu1 <- nu - lambda / psi0 * alpha0
      }
      list(lambda1=lambda1, nu1=nu1)
  }

  sirt_rcpp_invariance_alignment_opt_fct <- function(nu, lambda, alpha0, psi0,
          group_combis, wgt, align_scale, align_pow, eps, wgt_combi, type,
          reparam=FALSE, meth=1)
  {
      tr <- .ia_transform(nu, lambda, alpha0, psi0, reparam)
      g1 <- group_combis[,1] + 1
      g2 <- group_combis[,2] + 1
      dl <- (tr$lambda1[g1,,drop=FALSE] - tr$lambda1[g2,,drop=FALSE]) / align_scale[1]
      dn <- (tr$nu1[g1,,drop=FALSE] - tr$nu1[g2,,drop=FALSE]) / align_scale[2]
      fopt <- sum(wgt_combi * (dl^2 + eps)^align_pow[1]) +
              sum(wgt_combi * (dn^2 + eps)^align_pow[2])
      list(fopt=fopt, lambda1=tr$lambda1, nu1=tr$nu1)
  }

  sirt_rcpp_invariance_alignment_opt_grad <- function(nu, lambda, alpha0, psi0,
          group_combis, wgt, align_scale, align_pow, eps, wgt_combi, type,
          reparam=FALSE, meth=1)
  {
      G <- nrow(lambda)
      tr <- .ia_transform(nu, lambda, alpha0, psi0, reparam)
      lambda1 <- tr$lambda1
      nu1 <- tr$nu1
      g1 <- group_combis[,1] + 1
      g2 <- group_combis[,2] + 1
      grad <- rep(0, 2*G)
      s <- align_scale[1]; p <- align_pow[1]
      d <- lambda1[g1,,drop=FALSE] - lambda1[g2,,drop=FALSE]
      gv <- p * ((d/s)^2 + eps)^(p-1) * 2 * d / (s*s)
      t1 <- wgt_combi * gv
      l1 <- lambda1[g1,,drop=FALSE]; l2 <- lambda1[g2,,drop=FALSE]
      a1 <- -rowSums(t1 * l1 / psi0[g1]); a2 <- rowSums(t1 * l2 / psi0[g2])
      s <- align_scale[2]; p <- align_pow[2]
      d <- nu1[g1,,drop=FALSE] - nu1[g2,,drop=FALSE]
      gv <- p * ((d/s)^2 + eps)^(p-1) * 2 * d / (s*s)
      t2 <- wgt_combi * gv
      a1 <- a1 + rowSums(t2 * l1 / psi0[g1] * alpha0[g1])
      a2 <- a2 - rowSums(t2 * l2 / psi0[g2] * alpha0[g2])
      b1 <- -rowSums(t2 * l1); b2 <- rowSums(t2 * l2)
      for (cc in seq_along(g1)){
          grad[G + g1[cc]] <- grad[G + g1[cc]] + a1[cc]
          grad[G + g2[cc]] <- grad[G + g2[cc]] + a2[cc]
          grad[g1[cc]] <- grad[g1[cc]] + b1[cc]
          grad[g2[cc]] <- grad[g2[cc]] + b2[cc]
      }
      grad
  }
  # the gradient equals central differences of the loss (a wrong one would mislead optim)
  local({
    set.seed(1); G <- 4; I <- 3
    lam <- matrix(runif(G * I, .5, 1), G); nu <- matrix(rnorm(G * I), G)
    gc <- t(utils::combn(G, 2)); gc <- rbind(gc, gc[, 2:1]) - 1
    wc <- matrix(1 / G^2, nrow(gc), I)
    x <- c(0, .2, -.3, .4, 1, 1.1, .9, 1.2)
    f <- function(x) sirt_rcpp_invariance_alignment_opt_fct(nu, lam, x[1:G], x[G + 1:G], gc,
           NULL, c(1, 1), c(.25, .25), .01, wc, "AM")$fopt
    num <- sapply(seq_along(x), function(k) { e <- replace(0 * x, k, 1e-6)
                                               (f(x + e) - f(x - e)) / 2e-6 })
    ana <- sirt_rcpp_invariance_alignment_opt_grad(nu, lam, x[1:G], x[G + 1:G], gc, NULL,
           c(1, 1), c(.25, .25), .01, wc, "AM")
    stopifnot(max(abs(num - ana)) < 1e-6)
  })
  ia <- invariance.alignment
  iac <- invariance_alignment_constraints
  source_note <- "sirt R sources (invariance.alignment.R 3.962) sourced from a local copy"
}

# (1) sirt Example 6
G <- 3; I <- 5
lambda <- matrix(1, nrow = G, ncol = I); nu <- matrix(0, nrow = G, ncol = I); dif <- 1
lambda[1, 3] <- 1 + dif * .4; nu[1, 5] <- dif * .5
gg <- 2; mu <- .3; sigma <- sqrt(1.5)
lambda[gg, 5] <- 1 - .5 * dif; nu[gg, 1] <- -.5 * dif
nu[gg, ] <- nu[gg, ] + mu * lambda[gg, ]; lambda[gg, ] <- lambda[gg, ] * sigma
gg <- 3; mu <- .8; sigma <- sqrt(1.2)
lambda[gg, 4] <- 1 - .7 * dif; nu[gg, 2] <- -.5 * dif
nu[gg, ] <- nu[gg, ] + mu * lambda[gg, ]; lambda[gg, ] <- lambda[gg, ] * sigma
dimnames(lambda) <- dimnames(nu) <- list(paste0("G", 1:G), paste0("I", 1:I))
ex6 <- list(lambda = lambda, nu = nu, wgt = NULL)

# (2) ours: 8 groups x 6 items
set.seed(20261206)
G <- 8; I <- 6
lam0 <- c(.8, .7, .6, .75, .65, .9); nu0 <- c(3, 2.5, 3.2, 2.8, 3.1, 2)
alpha <- c(0, .3, -.2, .5, .1, -.4, .25, .6); psi <- c(1, 1.2, .9, 1.1, .8, 1.3, 1.05, .95)
lam <- outer(psi, lam0) + matrix(rnorm(G * I, 0, .02), G, I)
nuu <- matrix(nu0, G, I, byrow = TRUE) + outer(alpha, lam0) + matrix(rnorm(G * I, 0, .03), G, I)
nuu[3, 2] <- nuu[3, 2] + .6; nuu[6, 5] <- nuu[6, 5] - .5
lam <- round(lam, 4); nuu <- round(nuu, 4)
dimnames(lam) <- dimnames(nuu) <- list(paste0("site", 1:G), paste0("i", 1:I))
N <- c(120, 85, 200, 150, 60, 95, 130, 175)
wgt8 <- matrix(sqrt(N), G, I)
ours8 <- list(lambda = lam, nu = nuu, wgt = NULL)
ours8w <- list(lambda = lam, nu = nuu, wgt = wgt8)

settings <- list(
  default = list(align.pow = c(.5, .5), align.scale = c(1, 1), eps = 1e-3),
  am_quarter = list(align.pow = c(.25, .25), align.scale = c(.2, .4), eps = .01),
  quadratic = list(align.pow = c(1, 1), align.scale = c(1, 1), eps = 1e-3),
  small_eps = list(align.pow = c(.5, .5), align.scale = c(1, 1), eps = 1e-4)
)
tol <- c(lambda = .2, nu = .4)

run <- function(inp, st) {
  m <- ia(lambda = inp$lambda, nu = inp$nu, wgt = inp$wgt, align.pow = st$align.pow,
          align.scale = st$align.scale, eps = st$eps)
  cm <- iac(model = m, lambda_parm_tol = tol[["lambda"]], nu_parm_tol = tol[["nu"]])
  list(settings = st,
       alpha0 = unname(m$pars$alpha0), psi0 = unname(m$pars$psi0),
       lambda_aligned = unname(as.matrix(m$lambda.aligned)),
       nu_aligned = unname(as.matrix(m$nu.aligned)),
       fopt = m$fopt,
       R2 = as.list(m$es.invariance["R2", ]), rbar = as.list(m$es.invariance["rbar", ]),
       M_lambda = unname(m$itempars.aligned$M.lambda), M_nu = unname(m$itempars.aligned$M.nu),
       optim_convergence = m$res_optim$convergence,
       constraints = list(
         lambda_parm_tol = tol[["lambda"]], nu_parm_tol = tol[["nu"]],
         lambda_prop_noninvariance = cm$lambda_list$prop_noninvariance,
         nu_prop_noninvariance = cm$nu_list$prop_noninvariance,
         lambda_joint = unname(cm$lambda_list$parm_joint),
         nu_joint = unname(cm$nu_list$parm_joint),
         lambda_noninvariant = unname(abs(cm$lambda_list$parm_dif) > 1e-5),
         nu_noninvariant = unname(abs(cm$nu_list$parm_dif) > 1e-5)))
}
inputs <- list(sirt_example6 = ex6, ours8 = ours8, ours8_weighted = ours8w)
cases <- list()
for (nm in names(inputs)) {
  for (sn in names(settings)) cases[[paste0(nm, "__", sn)]] <- run(inputs[[nm]], settings[[sn]])
}
out <- list(
  source = source_note, R = R.version.string,
  note = "alignment: sirt::invariance.alignment (method AM, first group fixed) and invariance_alignment_constraints",
  inputs = lapply(inputs, function(x) list(groups = rownames(x$lambda), items = colnames(x$lambda),
                                           lambda = unname(x$lambda), nu = unname(x$nu),
                                           wgt = if (is.null(x$wgt)) NULL else unname(x$wgt))),
  cases = cases)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, null = "null"),
           "tests/results/sirt_alignment.json")
