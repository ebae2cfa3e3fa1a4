#!/bin/bash
# tmf.sh KISS_KO   (in the guest: tests/vm/run.sh tests/vm/tmf.sh KISS_KO)
#
# An abort storm: fio random writes at QD64 with crc32c verification on a
# slow LUN (a brd disk behind dm-delay, 10 ms per I/O) while sg_reset
# sends a LUN RESET every second.  Every fio run must verify clean, the
# session must stay up (the resets abort and the initiator retries), and
# the module must unload cleanly afterwards.  KISS_QUICK=1: 20 s of
# resets instead of 60.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

ko=${1:?usage: $0 KISS_KO}
T=iqn.2026-11.org.kiss:tmf
I=iqn.1993-08.org.debian:01:kisstmf
P=127.0.0.1:3260
if [ "${KISS_QUICK:-0}" = 1 ]; then storm=20; else storm=60; fi

kiss_load "$ko" || exit 1
modprobe brd rd_nr=1 rd_size=65536 || exit 1	# 64 MiB
modprobe dm-delay || exit 1
# No udev in the guest: dmsetup makes the /dev/mapper node itself.
echo "0 $(blockdev --getsz /dev/ram0) delay /dev/ram0 0 10" |
	dmsetup create --noudevsync kiss-slow || exit 1
dmsetup mknodes kiss-slow || exit 1
iscsid_start "$I"

check "target add" "$KISSCTL" target add "$T" --portal "$P"
check "lun add" "$KISSCTL" lun add "$T" 0 /dev/mapper/kiss-slow
check "acl add" "$KISSCTL" acl add "$T" "$I"
check "login" sh -c "iscsiadm -m discovery -t st -p $P >/dev/null && iscsiadm -m node -T $T -p $P --login"
dev=$(wait_for_disk "$T")
check "disk appears" test -n "$dev"

if [ -n "$dev" ]; then
	# The midlayer's error handler would take the device offline after
	# long stalls; give the resets room.
	echo 120 > "/sys/block/${dev#/dev/}/device/timeout"
	(
		end=$((SECONDS + storm))
		n=0
		while [ $SECONDS -lt $end ]; do
			sg_reset --device "$dev" >/dev/null 2>&1 && n=$((n + 1))
			sleep 1
		done
		echo "$n" > /tmp/resets
	) &
	storm_pid=$!
	runs=0 bad=0
	while kill -0 "$storm_pid" 2>/dev/null; do
		runs=$((runs + 1))
		fio --name=storm --filename="$dev" --direct=1 --ioengine=libaio \
			--rw=randwrite --bs=4k --iodepth=64 --size=8m \
			--verify=crc32c --do_verify=1 --verify_fatal=1 \
			--output=/tmp/fio-storm.out >/dev/null 2>&1 ||
			{ bad=$((bad + 1)); tail -n 20 /tmp/fio-storm.out | sed 's/^/#   /'; }
	done
	wait "$storm_pid"
	resets=$(cat /tmp/resets 2>/dev/null || echo 0)
	echo "# $resets LUN resets during $runs fio runs, $bad failed"
	check "LUN resets succeeded (TMF answered: function complete)" test "$resets" -ge $((storm / 6))
	check "every fio run verified clean" test "$bad" -eq 0
	check "session still logged in" sh -c "iscsiadm -m session -P 1 | grep -q 'iSCSI Session State: LOGGED_IN'"
	check "final verify pass" fio --name=final --filename="$dev" --direct=1 --ioengine=libaio --rw=randwrite --bs=4k --iodepth=64 --size=8m --verify=crc32c --do_verify=1 --verify_fatal=1 --output=/tmp/fio-final.out
fi

check "logout" iscsiadm -m node -T "$T" -p "$P" --logout
iscsiadm -m node -o delete >/dev/null 2>&1
iscsid_stop
check "kissctl clear" "$KISSCTL" clear
check "rmmod kiss" rmmod kiss
dmsetup remove --noudevsync kiss-slow
finish
