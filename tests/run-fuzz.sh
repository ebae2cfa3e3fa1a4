#!/bin/sh
# Run each libFuzzer target for SECONDS seconds from its seed corpus (if
# any, tests/fuzz/corpus/<name>/) and fail on the first crash, leak or
# timeout.  Usage: run-fuzz.sh SECONDS BINARY...
set -u
secs=$1
shift
fail=0
for f in "$@"; do
	name=$(basename "$f")
	work=$(mktemp -d)
	seeds="tests/fuzz/corpus/$name"
	[ -d "$seeds" ] || seeds=
	if "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="$work/" $work $seeds >"$work/log" 2>&1; then
		runs=$(grep -o 'Done [0-9]* runs' "$work/log" | tail -n 1)
		echo "PASS $name (${runs:-?} in ${secs}s)"
		rm -rf "$work"
	else
		tail -n 40 "$work/log"
		echo "FAIL $name: artifacts in $work"
		fail=$((fail + 1))
	fi
done
[ "$fail" -eq 0 ]
