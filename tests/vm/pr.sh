#!/bin/bash
# pr.sh KISS_KO   (in the guest: tests/vm/run.sh tests/vm/pr.sh KISS_KO)
#
# Persistent reservations with two initiators, the way a cluster uses
# them: two open-iscsi sessions with different initiator names (two
# iscsiadm ifaces) on one kiss LUN, driven by sg_persist.  Register, the
# registration kept when the connection drops and open-iscsi recovers,
# reserve, a conflicting write refused, preempt, release, unregister;
# REGISTER AND MOVE and its refusals; COMPARE AND WRITE from both as a lock; then SPC-2 RESERVE(6) with
# sg_raw, which ends with the session; last, from two raw sessions, a
# write whose data comes after its nexus was fenced, and one at the
# device (dm-delay) when it was (tests/pdu/fence.py).
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

ko=${1:?usage: $0 KISS_KO}
T=iqn.2026-11.org.kiss:pr
I1=iqn.2026-11.org.kiss:node1
I2=iqn.2026-11.org.kiss:node2
P=127.0.0.1:3260
K1=0x1111 K2=0x2222

kiss_load "$ko" || exit 1
modprobe brd rd_nr=2 rd_size=65536 || exit 1
iscsid_start "$I1"

check "target add" "$KISSCTL" target add "$T" --portal "$P"
check "lun add" "$KISSCTL" lun add "$T" 0 /dev/ram0
check "acl node1" "$KISSCTL" acl add "$T" "$I1"
check "acl node2" "$KISSCTL" acl add "$T" "$I2"

for n in 1 2; do
	iscsiadm -m iface -I "node$n" -o new >/dev/null
	iscsiadm -m iface -I "node$n" -o update -n iface.transport_name -v tcp >/dev/null
	name=I$n
	iscsiadm -m iface -I "node$n" -o update -n iface.initiatorname -v "${!name}" >/dev/null
done
check "discovery through both ifaces" iscsiadm -m discovery -t st -p "$P" -I node1 -I node2

login() {	# IFACE
	iscsiadm -m node -T "$T" -p "$P" -I "$1" --login
}
logout() {	# IFACE
	iscsiadm -m node -T "$T" -p "$P" -I "$1" --logout
}
disk_of() {	# INITIATOR: the /dev/sdX of that initiator's session
	wait_for_disk_where "Iface Initiatorname: " "$1"
}
# A write or read of one block straight to the LUN, no page cache.
wr() { dd if=/dev/zero of="$1" bs=512 count=1 oflag=direct status=none; }
rd() { dd if="$1" of=/dev/null bs=512 count=1 iflag=direct status=none; }
prout() { sg_persist --out "$@" >/dev/null 2>&1; }
has_key() {	# DEV KEY
	sg_persist --in --read-keys "$1" 2>/dev/null | grep -qx "    $2"
}
no_keys() {	# DEV
	sg_persist --in --read-keys "$1" 2>/dev/null |
		grep -q 'there are NO registered reservation keys'
}
generation_is() {	# DEV GEN
	sg_persist --in --read-keys "$1" 2>/dev/null | grep -q "PR generation=$2,"
}
reserved_as() {	# DEV KEY TYPE-TEXT
	local out
	out=$(sg_persist --in --read-reservation "$1" 2>/dev/null) || return 1
	echo "$out" | grep -q "Key=$2" && echo "$out" | grep -q "type: $3\$"
}
not_reserved() {	# DEV
	sg_persist --in --read-reservation "$1" 2>/dev/null |
		grep -q 'there is NO reservation held'
}
logged_in() {	# wait until both sessions are LOGGED_IN again
	local i
	for i in $(seq 1 150); do
		[ "$(iscsiadm -m session -P 1 2>/dev/null | grep -c 'iSCSI Session State: LOGGED_IN')" = 2 ] && return 0
		sleep 0.2
	done
	return 1
}

check "node1 login" login node1
check "node2 login" login node2
d1=$(disk_of "$I1")
d2=$(disk_of "$I2")
check "two disks ($d1, $d2)" sh -c "[ -n '$d1' ] && [ -n '$d2' ] && [ '$d1' != '$d2' ]"
# Clear the unit attentions of the new nexuses.
sg_turs "$d1" >/dev/null 2>&1
sg_turs "$d2" >/dev/null 2>&1

check "capabilities" sh -c "sg_persist --in --report-capabilities $d1 | grep -q 'ATP_C): 1'"
check "node1 registers" prout --register --param-sark=$K1 "$d1"
check "node2 registers" prout --register --param-sark=$K2 "$d2"
check_fails "register again with a wrong key" prout --register --param-rk=0x9999 --param-sark=0x3333 "$d2"
check "node1's key listed" has_key "$d2" $K1
check "node2's key listed" has_key "$d1" $K2
check "generation counted" generation_is "$d1" 0x2

# The connection drops (the ACL goes and comes back): open-iscsi recovers
# the session with the same ISID, the same I_T nexus, and finds its
# registration still there.
check "node1's connection dropped" "$KISSCTL" acl del "$T" "$I1"
check "ACL back" "$KISSCTL" acl add "$T" "$I1"
check "node1 recovers" logged_in
sg_turs "$d1" >/dev/null 2>&1	# POWER ON OCCURRED for the new session
check "registration kept over the reconnect" has_key "$d1" $K1

check "node1 reserves Write Exclusive" prout --reserve --param-rk=$K1 --prout-type=1 "$d1"
check "reservation shown" reserved_as "$d2" $K1 "Write Exclusive"
check "holder writes" wr "$d1"
check_fails "node2 write refused" wr "$d2"
check "node2 reads" rd "$d2"
check_fails "node2 cannot reserve" prout --reserve --param-rk=$K2 --prout-type=1 "$d2"
check_fails "RESERVE(6) refused while registrations exist" sg_raw "$d2" 16 00 00 00 00 00

check "node2 preempts as Exclusive Access" prout --preempt --param-rk=$K2 --param-sark=$K1 --prout-type=3 "$d2"
check_fails "node1's key gone" has_key "$d2" $K1
check "node2 holds" reserved_as "$d2" $K2 "Exclusive Access"
sg_turs "$d1" >/dev/null 2>&1	# REGISTRATIONS PREEMPTED
check_fails "node1 write refused" wr "$d1"
check_fails "node1 read refused" rd "$d1"
check "node2 writes" wr "$d2"
check_fails "release with the wrong type" prout --release --param-rk=$K2 --prout-type=1 "$d2"
check "node2 releases" prout --release --param-rk=$K2 --prout-type=3 "$d2"
check "no reservation" not_reserved "$d1"
check "node1 writes again" wr "$d1"
check "node2 unregisters" prout --register --param-rk=$K2 --param-sark=0 "$d2"
check "no keys" no_keys "$d1"

# REGISTER AND MOVE: the holder hands its reservation to another I_T
# nexus (name and ISID), registering it with the service action key.
# sg_persist exits 5 for ILLEGAL REQUEST, 24 for RESERVATION CONFLICT.
status_is() {	# STATUS CMD...: CMD exits with STATUS
	local want=$1 rc
	shift
	"$@" >/dev/null 2>&1
	rc=$?
	[ "$rc" = "$want" ] || { echo "exit status $rc, not $want"; return 1; }
}
isid_of() {	# INITIATOR: the ISID of its session, from configfs
	sed -n "s/^initiator=$1 isid=\([0-9a-f]*\) .*/\1/p" \
		"/sys/kernel/config/kiss/targets/$T/sessions"
}
move() {	# DEV RK SARK TRANSPORTID [options]: REGISTER AND MOVE
	local dev=$1 rk=$2 sark=$3 tid=$4
	shift 4
	sg_persist --out --register-move --param-rk="$rk" --param-sark="$sark" \
		--prout-type=1 --relative-target-port="$rtpi" \
		--transport-id="$tid" "$@" "$dev"
}
K3=0x3333
rtpi=$(printf '%x' "$(cat "/sys/kernel/config/kiss/targets/$T/alua/rel_port_id")")
tid1="$I1,i,0x$(isid_of "$I1")"
tid2="$I2,i,0x$(isid_of "$I2")"
check "ISIDs of both sessions ($tid1, $tid2)" sh -c "[ '$tid1' != '$I1,i,0x' ] && [ '$tid2' != '$I2,i,0x' ]"
check "unregistered nexus: RESERVATION CONFLICT" status_is 24 move "$d1" 0 $K3 "$tid2"
check "node1 registers" prout --register --param-sark=$K1 "$d1"
check "move with no reservation: ILLEGAL REQUEST" status_is 5 move "$d1" $K1 $K3 "$tid2"
check "node1 reserves Write Exclusive" prout --reserve --param-rk=$K1 --prout-type=1 "$d1"
check "move with the wrong key: RESERVATION CONFLICT" status_is 24 move "$d1" 0x9999 $K3 "$tid2"
check "move to itself: ILLEGAL REQUEST" status_is 5 move "$d1" $K1 $K3 "$tid1"
check "move with service action key 0: ILLEGAL REQUEST" status_is 5 move "$d1" $K1 0 "$tid2"
check "move to an initiator without ISID: ILLEGAL REQUEST" status_is 5 move "$d1" $K1 $K3 "$I2"
rtpi_ok=$rtpi rtpi=$(printf '%x' $((0x$rtpi % 65535 + 1)))
check "move to another target port: ILLEGAL REQUEST" status_is 5 move "$d1" $K1 $K3 "$tid2"
rtpi=$rtpi_ok
check "node2 registered by nobody yet" sh -c "! sg_persist --in --read-keys $d1 2>/dev/null | grep -qx '    $K3'"
check "node1 moves its reservation to node2" move "$d1" $K1 $K3 "$tid2"
check "node2 registered with the new key" has_key "$d1" $K3
check "node1 still registered (no UNREG)" has_key "$d1" $K1
check "node2 holds Write Exclusive" reserved_as "$d1" $K3 "Write Exclusive"
check "node2 writes" wr "$d2"
check_fails "node1 write refused" wr "$d1"
check "node1 no longer the holder: RESERVATION CONFLICT" status_is 24 move "$d1" $K1 $K3 "$tid2"
check "node2 moves it back with UNREG" move "$d2" $K3 $K1 "$tid1" --unreg
check "node1 holds again" reserved_as "$d1" $K1 "Write Exclusive"
check_fails "node2 unregistered" has_key "$d1" $K3
check "node1 writes" wr "$d1"
check "node1 releases" prout --release --param-rk=$K1 --prout-type=1 "$d1"
check "all-registrants reservation" prout --reserve --param-rk=$K1 --prout-type=7 "$d1"
check "all-registrants: RESERVATION CONFLICT" status_is 24 move "$d1" $K1 $K3 "$tid2"
check "node1 unregisters" prout --register --param-rk=$K1 --param-sark=0 "$d1"
check "no keys after the moves" no_keys "$d1"
check "no reservation after the moves" not_reserved "$d1"

# COMPARE AND WRITE as a lock: both nodes increment a counter in block
# 100 by read, then compare-and-write of old -> new, retrying on a
# miscompare.  Only an atomic COMPARE AND WRITE ends at exactly 2 * N.
counter() {	# DEV: the counter, 8 decimal digits at the start of block 100
	dd if="$1" bs=512 skip=100 count=1 iflag=direct status=none | head -c 8
}
caw_block() {	# OLD NEW FILE: the compare block and the write block
	{ printf '%s' "$1"; head -c 504 /dev/zero
	  printf '%s' "$2"; head -c 504 /dev/zero; } > "$3"
}
caw_incr() {	# DEV N TAG
	local done=0 tries=0 cur next f=/tmp/caw.$3
	while [ $done -lt "$2" ] && [ $tries -lt 1000 ]; do
		tries=$((tries + 1))
		cur=$(counter "$1")
		next=$(printf '%08d' $((10#$cur + 1)))
		caw_block "$cur" "$next" "$f"
		sg_compare_and_write --in="$f" --lba=100 --num=1 "$1" \
			>/dev/null 2>&1 && done=$((done + 1))
	done
	[ $done -eq "$2" ]
}
N=15
caw_block 00000000 00000000 /tmp/caw.init
check "counter set" dd if=/tmp/caw.init of="$d1" bs=512 seek=100 count=1 oflag=direct status=none
caw_block 99999999 00000001 /tmp/caw.bad
check_fails "miscompare refused" sg_compare_and_write --in=/tmp/caw.bad --lba=100 --num=1 "$d1"
check "miscompare wrote nothing" test "$(counter "$d2")" = 00000000
caw_incr "$d1" $N a > /dev/null 2>&1 & p1=$!
caw_incr "$d2" $N b > /dev/null 2>&1 & p2=$!
check "node1 increments by COMPARE AND WRITE" wait $p1
check "node2 increments by COMPARE AND WRITE" wait $p2
check "no increment lost" test "$(counter "$d1")" = "$(printf '%08d' $((2 * N)))"

# SPC-2 RESERVE(6)/RELEASE(6)
check "node1 RESERVE(6)" sg_raw "$d1" 16 00 00 00 00 00
check_fails "node2 write refused by RESERVE(6)" wr "$d2"
check_fails "node2 PR OUT refused by RESERVE(6)" prout --register --param-sark=$K2 "$d2"
check "node1 RELEASE(6)" sg_raw "$d1" 17 00 00 00 00 00
check "node2 writes after RELEASE(6)" wr "$d2"
check "node1 RESERVE(6) again" sg_raw "$d1" 16 00 00 00 00 00
check "node1 logs out" logout node1
check "the reservation went with the nexus" wr "$d2"

logout node2 >/dev/null 2>&1
iscsiadm -m node -o delete >/dev/null 2>&1
iscsid_stop

# Fencing mid-write, from two raw sessions (tests/pdu/fence.py): the
# write node A had started before node B's PREEMPT AND ABORT, its data
# sent only afterwards, must not reach the medium.  Then, on LUN 1, whose
# writes take 3 s (dm-delay, reads undelayed), a PREEMPT AND ABORT must
# wait for the fenced writes that are at the device.
I3=iqn.2026-11.org.kiss:node3 I4=iqn.2026-11.org.kiss:node4
I5=iqn.2026-11.org.kiss:node5
check "acl node3, node4, node5" sh -c "'$KISSCTL' acl add '$T' '$I3' &&
	'$KISSCTL' acl add '$T' '$I4' && '$KISSCTL' acl add '$T' '$I5'"
modprobe dm-delay
slow="0 $(blockdev --getsz /dev/ram1) delay /dev/ram1 0 0 /dev/ram1 0 3000"
check "dm-delay: writes to /dev/ram1 take 3 s" sh -c \
	"echo '$slow' | dmsetup create --noudevsync kiss-slow && dmsetup mknodes kiss-slow"
check "lun add 1 (dm-delay)" "$KISSCTL" lun add "$T" 1 /dev/mapper/kiss-slow
python3 "$VM_DIR/tests/pdu/fence.py" --target "$T" --initiator "$I3" \
	--initiator "$I4" --initiator "$I5" --addr "$P" --slow-lun 1 \
	--slow-secs 3 --slow-dm kiss-slow \
	> /tmp/fence.out 2>&1
rc=$?
sed 's/^/# fence: /' /tmp/fence.out
check "fenced mid-write and at the device (fence.py: exit $rc)" test "$rc" = 0

check "kissctl clear" "$KISSCTL" clear
check "dmsetup remove kiss-slow" dmsetup remove kiss-slow
check "rmmod kiss" rmmod kiss
finish
