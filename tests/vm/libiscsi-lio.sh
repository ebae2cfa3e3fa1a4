#!/bin/bash
# libiscsi-lio.sh [EXPECTATIONS [RESULTS]]   (in the guest)
#
# The LIO baseline for tests/vm/libiscsi.sh (issue 4: kiss must pass every
# iscsi-test-cu test that the kernel's own target passes on the same kind
# of LUN).  Configures LIO (iscsi_target_mod + target_core_iblock) with
# targetcli-fb on 127.0.0.1:3260, exporting a 256 MiB brd disk (/dev/ram0,
# 512-byte blocks, as LUN 0) with both libiscsi initiator names in the ACL,
# and runs every test listed in EXPECTATIONS (default
# tests/vm/expect/libiscsi.expect, kiss's file: only the test names are
# used) through the same per-test classification as libiscsi.sh: one
# iscsi-test-cu invocation per test with a timeout, pass / fail / skip.
# RESULTS (default $VM_RESULTS/libiscsi-lio.results) receives
# "TEST pass|fail|skip" lines; the per-test logs go to
# $VM_RESULTS/libiscsi-lio-logs/.
#
# Then reruns ALL.iSCSIdatasn.iSCSIDataSnInvalid alone with verbose SCSI
# logging (-V), libiscsi's own debug log (LIBISCSI_DEBUG) and LIO's
# pr_debug messages (dynamic debug) switched on, into
# $VM_RESULTS/libiscsi-lio-datasn.log and libiscsi-lio-datasn.dmesg
# (KISS_LIO_DATASN=0 skips this).
#
# Exits 0 when the suite ran (whatever the tests did); this is a
# measurement, not a check.  Run with e.g.
#   tests/vm/run.sh -k $(tests/vm/kernels.sh 6.1) -t 3000 tests/vm/libiscsi-lio.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

expect_src=${1:-$here/expect/libiscsi.expect}
results=${2:-${VM_RESULTS:-/tmp}/libiscsi-lio.results}
per_test=${KISS_TEST_LIBISCSI_TIMEOUT:-60}	# seconds per test
T=iqn.2003-01.org.linux-iscsi:libiscsi
I1=iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test
I2=iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test-2
url=iscsi://127.0.0.1:3260/$T/0

die() { echo "libiscsi-lio: $*" >&2; exit 1; }

# The list is read from a private copy: the project directory is the
# host's, live, and the file may change during the run.
expect=/tmp/libiscsi-lio.expect
cp "$expect_src" "$expect" || die "cannot read $expect_src"

echo "kernel $(uname -r); targetcli-fb $(dpkg-query -W -f '${Version}' targetcli-fb 2>/dev/null);" \
	"python3-rtslib-fb $(dpkg-query -W -f '${Version}' python3-rtslib-fb 2>/dev/null);" \
	"libiscsi-bin $(dpkg-query -W -f '${Version}' libiscsi-bin 2>/dev/null)"

modprobe brd rd_nr=1 rd_size=262144 || die "modprobe brd failed"
[ -b /dev/ram0 ] || die "/dev/ram0 missing"
echo "/dev/ram0: $(cat /sys/block/ram0/size) sectors, logical block $(cat /sys/block/ram0/queue/logical_block_size) B, discard_max_bytes $(cat /sys/block/ram0/queue/discard_max_bytes)"

# LIO, as bench/guest.sh sets it up: targetcli-fb wants a D-Bus system bus
# and rtslib-fb's persistent-reservation directory.
mkdir -p /run/dbus /etc/rtslib-fb-target/pr /etc/target
dbus-daemon --system --fork || echo "libiscsi-lio: dbus-daemon failed (targetcli may complain)"
modprobe -a configfs target_core_mod target_core_iblock iscsi_target_mod crc32c ||
	die "cannot load LIO"
mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
# One targetcli shell for all the commands: each start costs ~20 s here.
tcli() {
	printf '%s\n' "$@" | sed 's/^/# targetcli> /'
	printf '%s\n' "$@" exit | targetcli 2>&1 | grep -v '^targetcli shell\|^Copyright\|^For help\|^$' |
		sed 's/^\/> //'
}
tpg=/iscsi/$T/tpg1
tcli "set global auto_save_on_exit=false auto_add_default_portal=false auto_cd_after_create=false auto_add_mapped_luns=true" \
	"/backstores/block create name=ram0 dev=/dev/ram0" \
	"/iscsi create $T" \
	"$tpg/portals create 127.0.0.1 3260" \
	"$tpg/luns create /backstores/block/ram0 lun=0" \
	"$tpg set attribute authentication=0" \
	"$tpg/acls create $I1" \
	"$tpg/acls create $I2" \
	"ls /"
cfs=/sys/kernel/config/target
for a in "$I1" "$I2"; do
	[ -e "$cfs/iscsi/$T/tpgt_1/acls/$a/lun_0" ] || die "no LUN 0 for $a"
done
[ "$(cat "$cfs/iscsi/$T/tpgt_1/enable")" = 1 ] || die "TPG not enabled"
dev=$(echo "$cfs"/core/iblock_*/ram0)
echo "LIO backstore $dev:"
for f in block_size hw_block_size max_unmap_lba_count emulate_tpu emulate_tpws emulate_3pc \
	emulate_caw emulate_write_cache emulate_ua_intlck_ctrl emulate_tas enforce_pr_isids \
	unmap_zeroes_data is_nonrot; do
	echo "  $f=$(cat "$dev/attrib/$f" 2>/dev/null)"
done
for p in ImmediateData InitialR2T FirstBurstLength MaxBurstLength MaxRecvDataSegmentLength \
	MaxXmitDataSegmentLength MaxOutstandingR2T ErrorRecoveryLevel DataPDUInOrder DataSequenceInOrder; do
	echo "LIO tpg param $p=$(cat "$cfs/iscsi/$T/tpgt_1/param/$p" 2>/dev/null)"
done

# ------------------------------------------------------------------------
# From here to the end of the loop: the classification of
# tests/vm/libiscsi.sh, copied (it cannot be shared without editing that
# file); keep the two in step.
: > "$results"
# iscsi-test-cu prints "[SKIPPED] ..." lines while probing the LUN, before
# any test; a test that skips itself adds one.  Count the probe's lines.
baseline=$(iscsi-test-cu --dataloss -s -t ALL.TestUnitReady.Simple "$url" 2>&1 |
	grep -c '\[SKIPPED\]')
echo "baseline [SKIPPED] lines: $baseline"
logdir=$(dirname "$results")/libiscsi-lio-logs
mkdir -p "$logdir"
pass=0 fail=0 skip=0
while read -r name _want _; do
	case $name in ''|'#'*) continue ;; esac
	out=$logdir/$name.log
	timeout -k 5 "$per_test" iscsi-test-cu --dataloss -s -t "$name" \
		"$url" >"$out" 2>&1
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
	printf '[%5.0fs] %s %s%s\n' "$(cut -d' ' -f1 /proc/uptime)" "$name" "$got" "${why:+ ($why)}"
	if [ "$got" = fail ]; then
		grep -E 'FAIL|Assertion|\[FAILED\]' "$out" | head -n 5 | sed 's/^/#   /'
	fi
done < "$expect"
echo "# libiscsi on LIO: $pass passed, $fail failed, $skip skipped"
# ------------------------------------------------------------------------

# DataSnInvalid alone, with everything logged that can be.
if [ "${KISS_LIO_DATASN:-1}" = 1 ]; then
	dlog=${VM_RESULTS:-/tmp}/libiscsi-lio-datasn.log
	dmsg=${VM_RESULTS:-/tmp}/libiscsi-lio-datasn.dmesg
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
	ddc=/sys/kernel/debug/dynamic_debug/control
	dmesg -c > /dev/null
	[ -w "$ddc" ] && echo 'module iscsi_target_mod +pt' > "$ddc"
	LIBISCSI_DEBUG=10 timeout -k 5 "$per_test" iscsi-test-cu --dataloss -V \
		-t ALL.iSCSIdatasn.iSCSIDataSnInvalid "$url" > "$dlog" 2>&1
	echo "DataSnInvalid (verbose): exit $?, $(awk '$1 == "tests" { print "ran " $3 ", failed " $5 }' "$dlog")"
	[ -w "$ddc" ] && echo 'module iscsi_target_mod -p' > "$ddc"
	dmesg > "$dmsg"
	grep -E 'Assertion|FAIL|PASSED|Should fail|DATASN' "$dlog" | head -n 30 | sed 's/^/#   /'
fi

targetcli clearconfig confirm=True > /dev/null 2>&1 || echo "libiscsi-lio: clearconfig failed"
exit 0
