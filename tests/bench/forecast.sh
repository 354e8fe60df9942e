#!/bin/sh
# forecast.sh - the forecast models against R's forecast package, in one run.
#
# Series: the M5 series of ../shared/data/m5 (or tests/fixtures/m5), days
# before each one's first sale left out, and COUNT (default 30,000) series
# generated from their shapes by gen_demand (see tests/bench/gen_demand.c).
# The last 28 days of each are held out and forecast.
#
# orrery (fc_bench: the same model code `orrery forecast` runs) forecasts
# every series with every method and with its per-series choice; R runs
# ets() (automatic, weekly frequency) on the M5 series and on every R_EVERY-th
# generated series (default 30: 1,000 of 30,000 - R takes ~0.2 s a series),
# croston() on every tenth of those (its time grows with the square of the
# length).  Both report CPU seconds; MASE is compared on the same series.
# Needs Rscript with the forecast package (Debian: r-cran-forecast).
set -eu
B=${B:-.build}
COUNT=${COUNT:-30000}
R_EVERY=${R_EVERY:-30}
H=28
here=$(cd "$(dirname "$0")" && pwd)
m5=$here/../../../shared/data/m5/sales_train_validation.csv
[ -f "$m5" ] || m5=$here/../fixtures/m5/sales_train_validation.csv
command -v Rscript >/dev/null 2>&1 && Rscript -e 'suppressMessages(library(forecast))' 2>/dev/null || {
	echo "forecast.sh: needs Rscript and R's forecast package (apt-get install r-cran-forecast)" >&2
	exit 69
}
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

awk -F, 'NR > 1 { s = ""; on = 0
	for (i = 7; i <= NF; i++) { if (!on && $i + 0 == 0) continue; on = 1; s = s "," $i }
	print $1 s }' "$m5" >"$w/m5.csv"
"$B/gen_demand" "$m5" "$COUNT" >"$w/gen.csv"
awk -v k="$R_EVERY" 'NR % k == 0' "$w/gen.csv" >"$w/gen_r.csv"
echo "series: $(wc -l <"$w/m5.csv") M5, $(wc -l <"$w/gen.csv") generated ($(wc -l <"$w/gen_r.csv") of them also for R); horizon $H days" >&2

run_ours() { "$B/fc_bench" -h $H "$1" >"$2" 2>"$2.time"; }
run_r() { Rscript "$here/forecast_r.R" "$1" $H "$3" >"$2" 2>"$2.time"; }
run_ours "$w/m5.csv" "$w/o_m5"
run_ours "$w/gen.csv" "$w/o_gen"
run_ours "$w/gen_r.csv" "$w/o_genr"
echo "orrery done; R now (minutes)" >&2
run_r "$w/m5.csv" "$w/r_m5" 1
run_r "$w/gen_r.csv" "$w/r_genr" 10

# mean MASE of METHOD in FILE over the series ids in IDS (all when empty)
mase() {
	awk -F, -v m="$2" -v ids="${3:-}" '
		FILENAME == ids { want[$1] = 1; next }
		$2 == m && $4 != "nan" && $4 != "NaN" && $4 != "NA" && (ids == "" || $1 in want) {
			s += $4; n++ }
		END { if (n) printf "%.4f (%d)", s / n, n; else printf "-" }' ${3:+"$3"} "$1"
}
secs() { awk -F, -v g="$2" '$1 == "time" && $2 == g { print $3 }' "$1.time"; }
count() { awk -F, -v m="$2" '$2 == m' "$1" | wc -l; }
# series R's croston ran on, for a like-for-like Croston comparison
awk -F, '$2 == "croston" { print $1 }' "$w/r_genr" >"$w/cro_ids"
awk -F, '$2 == "ets" { print $1 }' "$w/r_genr" >"$w/ets_ids"

echo
echo "MASE (mean over series; in brackets: how many), held-out last $H days"
echo
echo "| method | M5 (orrery) | M5 (R) | generated, all (orrery) | generated, R's sample (orrery) | generated, R's sample (R) |"
echo "|---|---|---|---|---|---|"
for m in naive snaive ses holt_damped hw_add hw_mul ets croston sba tsb select; do
	rm5=- rg=-
	[ "$m" = ets ] && rm5=$(mase "$w/r_m5" ets) && rg=$(mase "$w/r_genr" ets)
	ids=$w/ets_ids
	if [ "$m" = croston ]; then rm5=$(mase "$w/r_m5" croston); rg=$(mase "$w/r_genr" croston); ids=$w/cro_ids; fi
	printf '| %s | %s | %s | %s | %s | %s |\n' "$m" "$(mase "$w/o_m5" $m)" "$rm5" \
		"$(mase "$w/o_gen" $m)" "$(mase "$w/o_genr" $m "$ids")" "$rg"
done
echo
echo "CPU time (seconds; per series in brackets)"
echo
echo "| what | series | orrery | R | R / orrery |"
echo "|---|---|---|---|---|"
row() { # label series ours_s r_s
	awk -v l="$1" -v n="$2" -v o="$3" -v r="$4" 'BEGIN {
		printf "| %s | %d | %.2f (%.2f ms) | ", l, n, o, 1000 * o / n
		if (r == "") printf "- | - |\n"; else printf "%.2f (%.1f ms) | %.0fx |\n", r, 1000 * r / n, r / o }'
}
ng=$(wc -l <"$w/gen.csv"); ngr=$(count "$w/r_genr" ets); ncr=$(count "$w/r_genr" croston)
row "automatic ETS, M5" "$(wc -l <"$w/m5.csv")" "$(secs "$w/o_m5" ets)" "$(secs "$w/r_m5" ets)"
row "automatic ETS, generated (R's sample)" "$(wc -l <"$w/gen_r.csv")" "$(secs "$w/o_genr" ets)" "$(secs "$w/r_genr" ets)"
row "automatic ETS, generated (all)" "$ng" "$(secs "$w/o_gen" ets)" ""
# R's croston ran on every tenth of its sample: scale orrery's time to as many series
ocro=$(awk -v t="$(secs "$w/o_genr" croston)" -v a="$(wc -l <"$w/gen_r.csv")" -v b="$ncr" 'BEGIN { printf "%.4f", t * b / a }')
row "Croston, generated (R's croston sample)" "$ncr" "$ocro" "$(secs "$w/r_genr" croston)"
row "per-series choice (all methods, backtest), generated (all)" "$ng" "$(secs "$w/o_gen" select)" ""
