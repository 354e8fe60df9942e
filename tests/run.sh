#!/bin/sh
# tests/run.sh - run the whole test suite: the Criterion unit tests built in
# $B/tests/ and the black-box CLI tests in tests/cli/test_*.sh.
#
#   tests/run.sh                      everything (make test runs this)
#   tests/run.sh tests/cli/test_x.sh  only those CLI files (no unit tests);
#   tests/run.sh test_x               the same, by name
#   B=.build-asan tests/run.sh        unit test binaries from another build dir
#
# Env: B (build dir, default .build), ORRERY (binary, default ./orrery),
#      ORRERY_TEST_FILTER (glob on CLI test names), ORRERY_TEST_KEEP=1 (keep
#      the directories of failed CLI tests), ORRERY_TEST_JOBS (CLI files run
#      in parallel, default 2), TEST_QUIET=1 (print only failures),
#      ORRERY_TEST_SHELL (shell for the CLI scripts, default bash, else sh).
#
# Prints one line per test (`ok   ...` or `FAIL ...` plus indented reasons)
# and ends with exactly one line `N passed, N failed`; exits 1 if any failed.
# Each Criterion test counts as one test, each CLI test function as one.

CALLER=$(pwd)
cd "$(dirname "$0")/.." || exit 70
ROOT=$(pwd)
B=${B:-.build}
ORRERY=${ORRERY:-$ROOT/orrery}
case $ORRERY in /*) ;; *) ORRERY=$ROOT/$ORRERY ;; esac
export ORRERY
JOBS=${ORRERY_TEST_JOBS:-2}
TIMEOUT=$(command -v timeout 2>/dev/null || true)
if [ -n "${ORRERY_TEST_SHELL:-}" ]; then TSH=$ORRERY_TEST_SHELL
elif command -v bash >/dev/null 2>&1; then TSH=bash
else TSH=sh; fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/orrery-run.XXXXXX") || exit 70
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

# Results are lines in $WORK/*.res; counted at the end.
say() {
	if [ "${TEST_QUIET:-}" = 1 ]; then
		awk '/^FAIL /{f=1} /^ok /{f=0} f' "$1"
	else
		cat "$1"
	fi
}

# --- Criterion binaries -------------------------------------------------------

# TAP from `--tap=FILE`: `ok - suite::name`, `not ok - suite::name ...` and a
# YAML block of diagnostics; a crash is a `not ok` line.  A binary that dies
# before reporting every test of its plan gets one failure per missing test.
unit_binary() {
	bin=$1
	name=unit/$(basename "$bin")
	tap=$WORK/$(basename "$bin").tap
	res=$WORK/$(basename "$bin").res
	: >"$tap"
	if [ -n "$TIMEOUT" ]; then
		$TIMEOUT 600 "$bin" --tap="$tap" >"$tap.log" 2>&1
	else
		"$bin" --tap="$tap" >"$tap.log" 2>&1
	fi
	rc=$?
	awk -v name="$name" -v rc="$rc" '
		/^1\.\.[0-9]+/ { sub(/^1\.\./, ""); plan = $0 + 0; next }
		/^ok / {
			t = $0; sub(/^ok - /, "", t)
			sub(/  \([0-9.]+s\)$/, "", t)
			print "ok   " name ": " t
			seen++; diag = 0; next
		}
		/^not ok / {
			t = $0; sub(/^not ok - /, "", t)
			sub(/  \([0-9.]+s\)$/, "", t)
			print "FAIL " name ": " t
			seen++; failed++; diag = 1; next
		}
		diag && /^  / { if ($0 !~ /^  (---|\.\.\.)$/) print "    " $0; next }
		{ diag = 0 }
		END {
			if (seen == 0 && plan == 0 && rc != 0) {
				print "FAIL " name ": no TAP output (exit status " rc ")"
			} else if (plan > seen) {
				print "FAIL " name ": " plan - seen " of " plan " tests did not report (exit status " rc ")"
				for (i = seen + 1; i < plan; i++) print "FAIL " name ": (unreported test)"
			} else if (rc != 0 && failed == 0) {
				print "FAIL " name ": exit status " rc " although every test passed"
			}
		}' "$tap" >"$res"
	if grep -q '^FAIL ' "$res" && [ -s "$tap.log" ]; then
		echo "    output of $name:" >>"$res"
		head -c 2000 "$tap.log" | sed 's/^/        | /' >>"$res"
	fi
	say "$res"
}

# --- CLI scripts ---------------------------------------------------------------

cli_file() {
	res=$WORK/cli-$(basename "$1" .sh).res
	"$TSH" -c '. "$1"; . "$2"; lib_main "$2"' cli "$ROOT/tests/cli/lib.sh" "$1" >"$res" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL $(basename "$1"): the test script itself exited with status $rc" >>"$res"
	fi
}

# --- main --------------------------------------------------------------------

if [ $# -gt 0 ]; then
	CLI_FILES=
	for a in "$@"; do
		case $a in /*) f=$a ;; *) f=$CALLER/$a ;; esac
		[ -f "$f" ] || f=$ROOT/tests/cli/${a%.sh}.sh
		[ -f "$f" ] || f=$ROOT/tests/ui/${a%.sh}.sh
		[ -f "$f" ] || { echo "run.sh: no test file $a" >&2; exit 64; }
		CLI_FILES="$CLI_FILES $f"
	done
else
	CLI_FILES=$(ls tests/cli/test_*.sh tests/ui/test_*.sh 2>/dev/null)
	ls "$B"/tests/test_* >/dev/null 2>&1 ||
		echo "note: no unit test binaries in $B/tests (make $B/tests/test_NAME builds one)" >&2
	for bin in "$B"/tests/test_*; do
		[ -f "$bin" ] && [ -x "$bin" ] || continue
		unit_binary "$bin"
	done
fi

if [ ! -x "$ORRERY" ]; then
	echo "FAIL cli: $ORRERY is not built (run: make orrery)" >"$WORK/cli-missing.res"
	say "$WORK/cli-missing.res"
	CLI_FILES=
fi

# CLI files, $JOBS at a time; results printed in file order.
set -- $CLI_FILES
while [ $# -gt 0 ]; do
	batch=
	i=0
	while [ $# -gt 0 ] && [ $i -lt "$JOBS" ]; do
		cli_file "$1" &
		batch="$batch $1"
		shift
		i=$((i + 1))
	done
	wait
	for f in $batch; do
		say "$WORK/cli-$(basename "$f" .sh).res"
	done
done

passed=$(cat "$WORK"/*.res 2>/dev/null | grep -c '^ok ')
failed=$(cat "$WORK"/*.res 2>/dev/null | grep -c '^FAIL ')
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
