#!/bin/sh
# Run each unit test binary; print one line per binary and a summary.
# Exit status is non-zero if any binary fails.
set -u
pass=0
fail=0
for t in "$@"; do
	if out=$("$t" 2>&1); then
		pass=$((pass + 1))
		n=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
		echo "PASS $t (${n:-?} cases)"
	else
		fail=$((fail + 1))
		printf '%s\n' "$out"
		echo "FAIL $t"
	fi
done
echo "unit: $pass binaries passed, $fail failed"
[ "$fail" -eq 0 ]
