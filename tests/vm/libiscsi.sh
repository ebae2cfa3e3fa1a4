#!/bin/bash
# libiscsi.sh KISS_KO EXPECTATIONS [RESULTS]   (in the guest)
#
# Run libiscsi's iscsi-test-cu against a kiss LUN (a 256 MiB brd disk, both
# libiscsi initiator names in the ACL), one test per invocation with a
# per-test timeout so that a hang costs one test.  The tests to run and
# what each must do are in EXPECTATIONS, one "TEST pass|fail|skip" per
# line ('#' comments); RESULTS (default $VM_RESULTS/libiscsi.results)
# receives what each test did, in the same format.  Fails when a test
# expected to pass does not (a regression); a test that passes against an
# expected failure is reported, so that the file can be updated.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

ko=${1:?usage: $0 KISS_KO EXPECTATIONS [RESULTS]}
expect=${2:?usage: $0 KISS_KO EXPECTATIONS [RESULTS]}
results=${3:-${VM_RESULTS:-/tmp}/libiscsi.results}
per_test=${KISS_TEST_LIBISCSI_TIMEOUT:-60}	# seconds per test
# more iscsi-test-cu options for every test, e.g. -V (its verbose log)
read -r -a extra_args <<< "${KISS_TEST_LIBISCSI_ARGS:-}"
T=iqn.2026-11.org.kiss:libiscsi
I1=iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test
I2=iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test-2
url=iscsi://127.0.0.1:3260/$T/0

kiss_load "$ko" || exit 1
modprobe brd rd_nr=1 rd_size=262144 || exit 1
"$KISSCTL" target add "$T" --portal 127.0.0.1:3260 || exit 1
"$KISSCTL" lun add "$T" 0 /dev/ram0 || exit 1
"$KISSCTL" acl add "$T" "$I1" || exit 1
"$KISSCTL" acl add "$T" "$I2" || exit 1
# KISS_TEST_TARGET_SET="KEY=VALUE ...": the suite over other paths, e.g.
# InitialR2T=Yes ImmediateData=No HeaderDigest=CRC32C.
if [ -n "${KISS_TEST_TARGET_SET:-}" ]; then
	# shellcheck disable=SC2086 # one word per setting
	"$KISSCTL" target set "$T" $KISS_TEST_TARGET_SET || exit 1
	echo "# target set $KISS_TEST_TARGET_SET"
fi

: > "$results"
# iscsi-test-cu prints "[SKIPPED] ..." lines while probing the LUN, before
# any test; a test that skips itself adds one.  Count the probe's lines.
baseline=$(iscsi-test-cu --dataloss -s -t ALL.TestUnitReady.Simple "$url" 2>&1 |
	grep -c '\[SKIPPED\]')
logdir=$(dirname "$results")/libiscsi-logs
mkdir -p "$logdir"
pass=0 fail=0 skip=0 regress=0 better=0
while read -r name want _; do
	case $name in ''|'#'*) continue ;; esac
	out=$logdir/$name.log
	timeout -k 5 "$per_test" iscsi-test-cu --dataloss -s \
		${extra_args[@]+"${extra_args[@]}"} -t "$name" "$url" >"$out" 2>&1
	rc=$?
	# CUnit's run summary: "tests  N  N  PASSED  FAILED  INACTIVE"
	summary=$(awk '$1 == "tests" { print $3, $5 }' "$out")
	ran=${summary% *} failed=${summary#* }
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		got=fail why="timeout"
	elif [ -z "${ran:-}" ]; then
		got=fail why="no summary (exit $rc)"
	elif [ "$failed" != 0 ]; then
		got=fail why="failed"
	elif [ "$ran" = 0 ] ||
	     [ "$(grep -c '\[SKIPPED\]' "$out")" -gt "$baseline" ]; then
		got=skip why="skipped"
	else
		got=pass why=""
	fi
	echo "$name $got" >> "$results"
	case $got in pass) pass=$((pass + 1)) ;; fail) fail=$((fail + 1)) ;; *) skip=$((skip + 1)) ;; esac
	if [ "$want" = pass ] && [ "$got" != pass ]; then
		regress=$((regress + 1))
		echo "REGRESSION $name: $why"
		grep -E 'FAIL|Assertion|\[FAILED\]' "$out" | head -n 5 | sed 's/^/#   /'
	elif [ "$want" != pass ] && [ "$got" = pass ]; then
		better=$((better + 1))
		echo "NOW PASSES $name (expected $want): update the expectations"
	fi
done < "$expect"

echo "# libiscsi: $pass passed, $fail failed, $skip skipped; $regress regressions, $better unexpected passes"
"$KISSCTL" clear && rmmod kiss || { echo "teardown failed"; exit 1; }
[ "$regress" -eq 0 ]
