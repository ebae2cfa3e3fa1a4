#!/bin/bash
# alua.sh KISS_KO   (in the guest: tests/vm/run.sh tests/vm/alua.sh KISS_KO)
#
# Implicit ALUA: first on the wire from a raw session (tests/vm/alua.py:
# INQUIRY TPGS, VPD 83h port designators, REPORT TARGET PORT GROUPS, the
# unit attention of a state change, what each state refuses and with
# which sense), then as Linux's initiator sees it: scsi_dh_alua attaches
# to the kiss LUN, follows the state the administrator sets through
# configfs, and the block layer stops and resumes I/O with it.  Last, the
# device under the LUN grows (a loop device resized): the next command
# reports CAPACITY DATA HAS CHANGED once, and READ CAPACITY the new size.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

ko=${1:?usage: $0 KISS_KO}
T=iqn.2026-11.org.kiss:alua
I=iqn.2026-11.org.kiss:alua-host
P=127.0.0.1:3260
TD=/sys/kernel/config/kiss/targets/$T

kiss_load "$ko" || exit 1
modprobe loop
img=/tmp/alua-lun.img
truncate -s 16M "$img" || exit 1
loopdev=$(losetup -f --show "$img") || exit 1

check "target add" "$KISSCTL" target add "$T" --portal "$P"
check "lun add" "$KISSCTL" lun add "$T" 0 "$loopdev"
check "acl add" "$KISSCTL" acl add "$T" "$I"
check "alua/ defaults: group 1, port 1, active/optimized" \
	test "$(cat "$TD/alua/group_id") $(cat "$TD/alua/rel_port_id") $(cat "$TD/alua/state")" = "1 1 active/optimized"

echo "# raw session: tests/vm/alua.py"
python3 "$here/alua.py" "$P" "$T" "$I" "$TD" > /tmp/alua.out 2>&1
rc=$?
sed 's/^/#   /' /tmp/alua.out
checks=$((checks + 1))
if [ "$rc" = 0 ]; then
	echo "ok $checks - wire checks ($(tail -n 1 /tmp/alua.out | sed 's/^# //'))"
else
	failures=$((failures + 1))
	echo "not ok $checks - wire checks (exit $rc)"
fi

# The Linux initiator: scsi_dh_alua, as dm-multipath would use it.  The
# debug kernel is built without SCSI_DH: there the path checks are left
# out, said so.
dh=1
modprobe scsi_dh_alua 2>/dev/null || { dh=0; echo "# no scsi_dh_alua in $(uname -r): initiator-side ALUA checks skipped"; }
iscsid_start "$I"
check "discovery" iscsiadm -m discovery -t st -p "$P"
check "login" iscsiadm -m node -T "$T" -p "$P" --login
dev=$(wait_for_disk "$T")
sdev=/sys/block/${dev#/dev/}/device
echo "# disk: $dev"
state_is() {	# STATE: wait for the initiator's view of the path
	local _
	for _ in $(seq 1 100); do
		[ "$(cat "$sdev/access_state" 2>/dev/null)" = "$1" ] && return 0
		# A command delivers the unit attention that makes
		# scsi_dh_alua ask the target again.
		sg_turs "$dev" >/dev/null 2>&1
		sleep 0.1
	done
	echo "access_state: $(cat "$sdev/access_state" 2>&1), wanted $1"
	return 1
}
rd() { dd if="$dev" of=/dev/null bs=4096 count=1 iflag=direct status=none; }
rtpg_says() {	# WORD: sg_rtpg decodes the group's state as WORD
	local out
	out=$(sg_rtpg -d "$dev" 2>&1)
	echo "$out"
	echo "$out" | grep -qi "access state.*$1"
}
if [ "$dh" = 1 ]; then
check "scsi_dh_alua attached" test "$(cat "$sdev/dh_state")" = alua
check "path active/optimized" state_is active/optimized
check "read" rd
echo standby > "$TD/alua/state"
check "the initiator sees standby" state_is standby
check_fails "no I/O through a standby path" rd
check "sg_rtpg: standby" rtpg_says standby
echo active/non-optimized > "$TD/alua/state"
check "the initiator sees active/non-optimized" state_is active/non-optimized
check "read again" rd
echo active/optimized > "$TD/alua/state"
check "the initiator sees active/optimized" state_is active/optimized
fi

# The device grows from 16 to 24 MiB under the LUN.
ua_says() {	# WORD: sg_turs reports a unit attention mentioning WORD
	local out
	out=$(sg_turs -v "$dev" 2>&1)
	echo "$out"
	echo "$out" | grep -qi "$1"
}
check "16 MiB before" sh -c "sg_readcap '$dev' | grep -q 'Last LBA=32767 '"
truncate -s 24M "$img"
losetup -c "$loopdev"
check "next command: CAPACITY DATA HAS CHANGED" ua_says "capacity data has changed"
check "then no unit attention" sg_turs "$dev"
check "READ CAPACITY: 24 MiB" sh -c "sg_readcap '$dev' | grep -q 'Last LBA=49151 '"
check "configfs size follows" test "$(cat "$TD/luns/0/size")" = $((24 << 20))
check "logout" iscsiadm -m node -T "$T" -p "$P" --logout
iscsid_stop

check "kissctl clear" "$KISSCTL" clear
check "rmmod kiss" rmmod kiss
losetup -d "$loopdev"
rm -f "$img"
finish
