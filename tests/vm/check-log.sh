#!/bin/sh
# check-log.sh [-A REGEX]... FILE...
#
# Scan kernel logs (a VM's console log, `dmesg` output) for the bug reports
# listed in log-patterns (BUG:, WARNING:, KASAN:, lockdep, hung tasks, ...).
# Only kernel lines are looked at, i.e. lines that start with a printk
# timestamp "[    1.234567] ", so a test script's own output on the console
# cannot trigger it. -A REGEX ignores matching lines (repeatable; also
# $KISS_VM_ALLOW). Prints the offending lines and exits 1 if any are found,
# 0 if none (missing files are skipped).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
patterns=$(grep -Ev '^(#|$)' "$here/log-patterns")
allow=${KISS_VM_ALLOW:-}

while getopts A: opt; do
	case $opt in
	A) allow=${allow:+$allow|}$OPTARG ;;
	*) echo "usage: $0 [-A REGEX]... FILE..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

# Warnings of other kernel code that tests provoke, each recognised by the
# line the kernel prints just before it, so that the same WARNING from
# kiss still counts:
# - 6.12's iSCSI initiator unbinding a session flushes runtime-PM work from
#   its WQ_MEM_RECLAIM workqueue (scsi_transport_iscsi, logout after SCSI
#   error handling; not kiss's workqueue).
drop_known() {
	awk '
		prev ~ /^workqueue: WQ_MEM_RECLAIM iscsi_ctrl_[0-9:]+:__iscsi_unbind_session \[scsi_transport_iscsi\] is flushing !WQ_MEM_RECLAIM/ &&
		/^WARNING: .* check_flush_dependency/ { prev = $0; next }
		{ print; prev = $0 }'
}

found=0
for f in "$@"; do
	[ -f "$f" ] || continue
	# printk lines only; strip CRs (serial console) and the timestamp so
	# that patterns anchored with ^ apply to the message itself.
	hits=$(tr -d '\r' < "$f" |
		sed -n 's/^\[ *[0-9][0-9]*\.[0-9]*\] //p' |
		drop_known |
		grep -E -e "$patterns" |
		{ if [ -n "$allow" ]; then grep -Ev -e "$allow"; else cat; fi; } |
		head -n 40) || true
	if [ -n "$hits" ]; then
		found=1
		echo "check-log: kernel problems in $f:"
		printf '%s\n' "$hits" | sed 's/^/  /'
	fi
done
exit "$found"
