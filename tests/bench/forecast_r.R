# forecast_r.R - R's forecast package on the series fc_bench reads, for
# tests/bench/forecast.sh.  Usage: Rscript forecast_r.R FILE H
# Input: CSV lines "id,v1,v2,..."; the last H values are held out.
# Output (stdout): id,method,label,mase,wape,bias for ets() (automatic, the
# weekly season as the series' frequency) and croston(); CPU seconds of each
# to stderr as "time,ets,S" and "time,croston,S".  MASE is scaled by the
# training series' mean absolute one-day change, as fc_bench does.
# croston() runs on every K-th series only (default 1: all): in forecast
# 8.20 it computes its fitted values by re-running itself on every prefix
# of the series, so its time grows with the square of the length.
suppressMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
h <- as.integer(args[2])
every <- if (length(args) >= 3) as.integer(args[3]) else 1L
k <- 0L
lines <- readLines(args[1])
t_ets <- 0; t_cro <- 0
score <- function(y, a, f) {
  f <- pmax(f, 0)
  scale <- mean(abs(diff(y)))
  ae <- sum(abs(f - a)); tot <- sum(abs(a))
  c(if (scale > 0) ae / length(a) / scale else NaN,
    if (tot > 0) ae / tot else NaN, if (tot > 0) sum(f - a) / tot else NaN)
}
out <- character(0)
for (ln in lines) {
  parts <- strsplit(ln, ",", fixed = TRUE)[[1]]
  id <- parts[1]; y <- as.numeric(parts[-1])
  n <- length(y); if (n <= h + 2) next
  train <- y[1:(n - h)]; actual <- y[(n - h + 1):n]
  t0 <- proc.time()[["user.self"]]
  fit <- tryCatch(ets(ts(train, frequency = 7)), error = function(e) NULL)
  fc <- if (is.null(fit)) NULL else forecast(fit, h = h, PI = FALSE)$mean
  t_ets <- t_ets + proc.time()[["user.self"]] - t0
  if (!is.null(fc)) {
    s <- score(train, actual, as.numeric(fc))
    co <- fit$components
    lab <- paste0("ets_", tolower(co[1]), tolower(co[2]), if (co[4] == "TRUE") "d" else "",
                  tolower(co[3]))
    out <- c(out, sprintf("%s,ets,%s,%.6g,%.6g,%.6g", id, lab, s[1], s[2], s[3]))
  }
  k <- k + 1L
  if ((k - 1L) %% every != 0L) next
  t0 <- proc.time()[["user.self"]]
  cr <- tryCatch(croston(train, h = h)$mean, error = function(e) NULL)
  t_cro <- t_cro + proc.time()[["user.self"]] - t0
  if (!is.null(cr) && all(is.finite(cr))) {
    s <- score(train, actual, as.numeric(cr))
    out <- c(out, sprintf("%s,croston,croston,%.6g,%.6g,%.6g", id, s[1], s[2], s[3]))
  }
}
writeLines(out)
cat(sprintf("time,ets,%.3f\ntime,croston,%.3f\n", t_ets, t_cro), file = stderr())
