#!/bin/bash
# pdu.sh KISS_KO [BATTERY ARGS...]
#   (in the guest: tests/vm/run.sh -t 900 tests/vm/pdu.sh KISS_KO)
#
# The raw-socket PDU battery (tests/pdu/battery.py) against kiss over
# loopback: a target with a brd LUN and an ACL for the battery's
# initiator, every malformed-PDU case with a health check after each,
# then kissctl clear and a clean rmmod.  KISS_QUICK=1 runs the bounded
# subset (for the debug kernel).  The battery's output is also left in
# $VM_RESULTS/pdu.log.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

ko=${1:?usage: $0 KISS_KO [battery args...]}
shift
T=iqn.2026-11.org.kiss:pdu
I=iqn.2026-11.org.kiss:pdu-battery
P=127.0.0.1:3260

kiss_load "$ko" || exit 1
modprobe brd rd_nr=1 rd_size=65536 || exit 1	# 64 MiB

check "target add" "$KISSCTL" target add "$T" --portal "$P"
check "lun add" "$KISSCTL" lun add "$T" 0 /dev/ram0
check "acl add" "$KISSCTL" acl add "$T" "$I"
check "digests allowed" "$KISSCTL" target set "$T" HeaderDigest=None,CRC32C DataDigest=None,CRC32C

quick=
[ "${KISS_QUICK:-0}" = 1 ] && quick=--quick
log=${VM_RESULTS:-/tmp}/pdu.log
echo "# battery: python3 tests/pdu/battery.py $quick $*"
# shellcheck disable=SC2086 # $quick is one word or none
python3 "$VM_DIR/tests/pdu/battery.py" --target "$T" --initiator "$I" \
	--addr "$P" $quick "$@" > "$log" 2>&1
rc=$?
grep -v '^PASS ' "$log"
checks=$((checks + 1))
if [ "$rc" = 0 ]; then
	echo "ok $checks - PDU battery ($(tail -n 1 "$log"))"
else
	failures=$((failures + 1))
	echo "not ok $checks - PDU battery (exit $rc: $(tail -n 1 "$log"))"
fi

check "no session left behind" sh -c "! '$KISSCTL' session list | grep -q '$I'"
check "kissctl clear" "$KISSCTL" clear
check "rmmod kiss" rmmod kiss
finish
