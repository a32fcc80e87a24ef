# Reference values for stigma_analysis.structure.alignment: sirt::invariance.alignment.
#
# sirt is not installed on the machine that produced these values (CRAN unreachable, no Debian
# package). The script therefore sources a LOCAL COPY of sirt's R code from SIRT_SRC
# (default /tmp/sirt_src), read from github.com/alexanderrobitzsch/sirt. Those files are
# GPL-licensed third-party code and are NOT distributed with this repository. Files (sirt's own
# "## File Version" stamps; commit where the stored copy named one):
#   R/invariance.alignment.R                          3.962  (commit a4bff44145c9ddb89f35f1d39a9a6dd29d154a01;
#                                                              the optional vcov block, not used here, left out)
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
# version 2.575 read). Those two functions were rewritten in plain R for this check
# (rcpp_equivalent.R in SIRT_SRC: the same sums over items and ordered group pairs, power > 0).
#
# To rerun with an installed sirt instead: Rscript tests/results/sirt_alignment.R --installed
# (uses library(sirt) and sirt::invariance.alignment / sirt::invariance_alignment_constraints).
# Run from the repository root. Output: tests/results/sirt_alignment.json (inputs + results).
#
# Inputs: (1) sirt's documented Example 6 of ?invariance.alignment (Asparouhov & Muthen 2014
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
