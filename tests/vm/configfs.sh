#!/bin/sh
# configfs.sh KISS_KO   (in the guest: tests/vm/run.sh -k KVER tests/vm/configfs.sh KISS_KO)
#
# Walk the whole configfs tree of Documentation/configfs.md with mkdir,
# echo, ln -s and rmdir: portals, targets and their params, LUNs on brd
# RAM disks (exclusive open, size, read-only, derived serial/wwn), ACLs
# and CHAP (secrets never read back), discovery auth; every bad value
# must fail with the right errno; then take it all down in reverse,
# unload, and fail on any kernel bug report meanwhile.
set -u

ko=${1:?usage: $0 path/to/kiss.ko}
here=$(cd "$(dirname "$0")" && pwd)
cfs=/sys/kernel/config/kiss
T=iqn.2024-01.org.example.kiss:t1
T2=iqn.2024-01.org.example.kiss:t2
I=iqn.1993-08.org.debian:01:abcdef
EINVAL='Invalid argument'
EBUSY='Device or resource busy'

npass=0 nfail=0
pass() { npass=$((npass + 1)); }
fail() { nfail=$((nfail + 1)); echo "configfs: FAIL: $*"; }
die() { echo "configfs: FAIL: $*"; exit 1; }

# wr FILE VALUE: one write(2) of VALUE and a newline, as echo does; dd
# says why a write failed (strerror), which dash's echo does not.
wr() { printf '%s\n' "$2" | dd of="$1" bs=4096 status=none 2>&1; }

# expect MESSAGE CMD...: CMD must succeed, else fail with MESSAGE
expect() {
	msg=$1
	shift
	if "$@"; then pass; else fail "$msg"; fi
}

# ok CMD...: must succeed
ok() {
	if out=$("$@" 2>&1); then pass; else fail "$*: $out"; fi
}

# err ERROR CMD...: must fail with strerror ERROR
err() {
	want=$1
	shift
	if out=$("$@" 2>&1); then
		fail "$*: succeeded, expected '$want'"
	else
		case $out in
		*"$want"*) pass ;;
		*) fail "$*: '$out', expected '$want'" ;;
		esac
	fi
}

# is FILE VALUE: FILE reads back VALUE
is() {
	got=$(cat "$1" 2>&1)
	if [ "$got" = "$2" ]; then pass; else fail "$1 is '$got', expected '$2'"; fi
}

# --- setup -----------------------------------------------------------
[ -f "$ko" ] || die "$ko not found"
[ ! -e /sys/module/kiss ] || die "kiss is already loaded"
ip link set lo up 2>/dev/null || true
log=/tmp/configfs-dmesg.txt
before=$(dmesg | wc -l)

modprobe brd rd_nr=2 rd_size=65536 || die "modprobe brd"
{ [ -b /dev/ram0 ] && [ -b /dev/ram1 ]; } || die "no /dev/ram0 and /dev/ram1"
deps=$(modinfo -F depends "$ko" | tr ',' ' ')
# shellcheck disable=SC2086 # one word per module
[ -z "$deps" ] || modprobe -a $deps || die "modprobe $deps"
insmod "$ko" || die "insmod $ko"
[ -d $cfs ] || die "$cfs missing after insmod"
cd $cfs || die "cd $cfs"

for f in portals targets discovery discovery/enforce_auth discovery/auth/userid \
	 discovery/auth/password discovery/auth/userid_mutual discovery/auth/password_mutual; do
	expect "$cfs/$f missing" [ -e "$f" ]
done

# --- portals ---------------------------------------------------------
P=portals/p1
ok mkdir $P
is $P/addr 0.0.0.0
is $P/port 3260
is $P/enable 0
err "$EINVAL" wr $P/addr 1.2.3
err "$EINVAL" wr $P/addr 1.2.3.4:5
err "$EINVAL" wr $P/addr example.com
err "$EINVAL" wr $P/addr ''
err "$EINVAL" wr $P/port 0
err "$EINVAL" wr $P/port 65536
err "$EINVAL" wr $P/port 12ab
err "$EINVAL" wr $P/enable 2
ok wr $P/addr ::1
is $P/addr ::1
ok wr $P/addr '[fe80::1:2]'
is $P/addr fe80::1:2
ok wr $P/port 3261
is $P/port 3261
ok wr $P/addr 127.0.0.1
is $P/addr 127.0.0.1
is $P/port 3261
ok wr $P/enable 1
is $P/enable 1
err "$EBUSY" wr $P/addr 127.0.0.2
err "$EBUSY" wr $P/port 3262
ok wr $P/enable 1
is $P/addr 127.0.0.1
# connection limits: 1..65535, at any time, enabled or not
is $P/max_connections 1024
is $P/max_per_source 64
for a in max_connections max_per_source; do
	for v in 0 65536 -1 12ab '' 4294967297 ' 5'; do
		err "$EINVAL" wr $P/$a "$v"
	done
	ok wr $P/$a 1
	is $P/$a 1
	ok wr $P/$a 65535
	is $P/$a 65535
	ok wr $P/$a 0100
	is $P/$a 100
done
ok wr $P/max_connections 1024
ok wr $P/max_per_source 64
ok mkdir portals/p2
is portals/p2/max_connections 1024
is portals/p2/max_per_source 64
ok wr portals/p2/max_per_source 7
is portals/p2/max_per_source 7

# --- targets ---------------------------------------------------------
err "$EINVAL" mkdir targets/not-an-iqn
err "$EINVAL" mkdir targets/iqn.
err "$EINVAL" mkdir targets/eui.12345
ok mkdir targets/$T
ok mkdir targets/$T2
ok mkdir targets/naa.0123456789abcdef
ok rmdir targets/naa.0123456789abcdef
D=targets/$T
for f in enable alias tpgt allow_any_initiator sessions params auth luns acls portals \
	alua/group_id alua/rel_port_id alua/state alua/preferred; do
	expect "$D/$f missing" [ -e "$D/$f" ]
done
is $D/enable 0
is $D/tpgt 1
is $D/allow_any_initiator 0
is $D/alias ''
is $D/sessions ''
err 'Permission denied' wr $D/sessions x

# params: the defaults of configfs.md, then good and bad values
is $D/params/MaxRecvDataSegmentLength 262144
is $D/params/MaxBurstLength 1048576
is $D/params/FirstBurstLength 65536
is $D/params/MaxOutstandingR2T 1
is $D/params/ImmediateData Yes
is $D/params/InitialR2T No
is $D/params/HeaderDigest None,CRC32C
is $D/params/DataDigest None,CRC32C
is $D/params/QueueDepth 128
is $D/params/NopInInterval 15
is $D/params/NopInTimeout 30

err "$EINVAL" wr $D/params/MaxRecvDataSegmentLength 511
err "$EINVAL" wr $D/params/MaxRecvDataSegmentLength 16777216
err "$EINVAL" wr $D/params/MaxRecvDataSegmentLength abc
err "$EINVAL" wr $D/params/MaxRecvDataSegmentLength -1
ok wr $D/params/MaxRecvDataSegmentLength 8192
is $D/params/MaxRecvDataSegmentLength 8192
ok wr $D/params/MaxRecvDataSegmentLength 16777215
err "$EINVAL" wr $D/params/MaxBurstLength 16777216
ok wr $D/params/MaxBurstLength 262144
err "$EINVAL" wr $D/params/FirstBurstLength 524288	# > MaxBurstLength
ok wr $D/params/FirstBurstLength 262144
err "$EINVAL" wr $D/params/MaxBurstLength 131072	# < FirstBurstLength
err "$EINVAL" wr $D/params/FirstBurstLength 511
is $D/params/MaxBurstLength 262144
is $D/params/FirstBurstLength 262144
err "$EINVAL" wr $D/params/MaxOutstandingR2T 0
err "$EINVAL" wr $D/params/MaxOutstandingR2T 65536
ok wr $D/params/MaxOutstandingR2T 4
is $D/params/MaxOutstandingR2T 4
err "$EINVAL" wr $D/params/ImmediateData maybe
err "$EINVAL" wr $D/params/ImmediateData 1
ok wr $D/params/ImmediateData No
is $D/params/ImmediateData No
ok wr $D/params/InitialR2T yes
is $D/params/InitialR2T Yes
err "$EINVAL" wr $D/params/HeaderDigest MD5
err "$EINVAL" wr $D/params/HeaderDigest ''
err "$EINVAL" wr $D/params/HeaderDigest None,CRC32C,None
ok wr $D/params/HeaderDigest CRC32C
is $D/params/HeaderDigest CRC32C
ok wr $D/params/HeaderDigest CRC32C,None
is $D/params/HeaderDigest None,CRC32C
ok wr $D/params/DataDigest None
is $D/params/DataDigest None
err "$EINVAL" wr $D/params/QueueDepth 0
err "$EINVAL" wr $D/params/QueueDepth 513
ok wr $D/params/QueueDepth 512
ok wr $D/params/QueueDepth 64
is $D/params/QueueDepth 64
ok wr $D/params/NopInInterval 0
err "$EINVAL" wr $D/params/NopInInterval 3601
is $D/params/NopInInterval 0
err "$EINVAL" wr $D/params/NopInTimeout 0
ok wr $D/params/NopInTimeout 5
is $D/params/NopInTimeout 5

# alua/: identity fixed while enabled (below), the state any time
is $D/alua/group_id 1
is $D/alua/rel_port_id 1
is $D/alua/state active/optimized
is $D/alua/preferred 0
err "$EINVAL" wr $D/alua/group_id 0
err "$EINVAL" wr $D/alua/rel_port_id 65536
err "$EINVAL" wr $D/alua/state active
err "$EINVAL" wr $D/alua/preferred 2
ok wr $D/alua/state standby
is $D/alua/state standby
ok wr $D/alua/state active/optimized
err "$EINVAL" wr $D/tpgt 0
err "$EINVAL" wr $D/tpgt 65536
ok wr $D/tpgt 2
is $D/tpgt 2
err "$EINVAL" wr $D/allow_any_initiator 2
err "$EINVAL" wr $D/allow_any_initiator yes
ok wr $D/alias 'kiss test target'
is $D/alias 'kiss test target'
err "$EINVAL" wr $D/alias "$(printf 'tab\there')"
err "$EINVAL" wr $D/alias "$(head -c 256 /dev/zero | tr '\0' a)"
ok wr $D/alias "$(head -c 255 /dev/zero | tr '\0' a)"
ok wr $D/alias ''
is $D/alias ''

# portal links and enable
err "$EINVAL" wr $D/enable 1			# no portal linked yet
is $D/enable 0
ok ln -s $cfs/portals/p1 $D/portals/p1
err "File exists" ln -s $cfs/portals/p1 $D/portals/again
err "$EINVAL" ln -s $cfs/targets/$T2 $D/portals/t2
ok ln -s $cfs/portals/p2 $D/portals/p2
ok ln -s $cfs/portals/p1 targets/$T2/portals/p1
err "$EBUSY" rmdir portals/p1			# linked
ok rm targets/$T2/portals/p1
ok rm $D/portals/p2
ok rmdir portals/p2
ok wr $D/enable 1
is $D/enable 1
err "$EBUSY" wr $D/tpgt 3
is $D/tpgt 2
err "$EBUSY" wr $D/alua/group_id 2
err "$EBUSY" wr $D/alua/rel_port_id 2
ok wr $D/alua/state transitioning
is $D/alua/state transitioning
ok wr $D/alua/state active/non-optimized
ok wr $D/alua/state active/optimized
is $D/alua/group_id 1
ok wr $D/params/QueueDepth 32			# applies to the next login
ok wr $D/enable 1
ok wr $D/enable 0
is $D/enable 0
ok wr $D/tpgt 1
ok wr $D/enable 1

# --- LUNs --------------------------------------------------------------
err "$EINVAL" mkdir $D/luns/256
err "$EINVAL" mkdir $D/luns/007
err "$EINVAL" mkdir $D/luns/+7
err "$EINVAL" mkdir $D/luns/abc
err "$EINVAL" mkdir $D/luns/-1
ok mkdir $D/luns/0
L=$D/luns/0
for f in path readonly shared serial wwn enable size block_size; do
	expect "$L/$f missing" [ -e "$L/$f" ]
done
is $L/enable 0
is $L/size 0
is $L/block_size 0
is $L/path ''
is $L/readonly 0
is $L/shared 0
err "$EINVAL" wr $L/shared 2
err "$EINVAL" wr $L/enable 1			# no path
is $L/enable 0
ok wr $L/path /dev/ram0
is $L/path /dev/ram0
err "$EINVAL" wr $L/serial 'has space'
err "$EINVAL" wr $L/serial "$(head -c 64 /dev/zero | tr '\0' 7)"
ok wr $L/serial "$(head -c 63 /dev/zero | tr '\0' 7)"
ok wr $L/serial SN-0001
is $L/serial SN-0001
err "$EINVAL" wr $L/wwn 1234
err "$EINVAL" wr $L/wwn 6001405abcdef012			# 16 digits: NAA 2, 3 or 5
err "$EINVAL" wr $L/wwn 3001405abcdef01g
err "$EINVAL" wr $L/wwn 5001405abcdef0123456789abcdef012	# 32 digits: NAA 6
ok wr $L/wwn naa.6001405ABCDEF0123456789ABCDEF012
is $L/wwn 6001405abcdef0123456789abcdef012
ok wr $L/wwn 0x5001405abcdef012
is $L/wwn 5001405abcdef012
ok wr $L/wwn ''
ok wr $L/serial ''
is $L/wwn ''
is $L/serial ''
err "$EINVAL" wr $L/readonly 2
ok wr $L/enable 1
is $L/enable 1
is $L/size 67108864
is $L/block_size 512
serial0=$(cat $L/serial)
wwn0=$(cat $L/wwn)
case $serial0 in
*[!0-9a-f]*) fail "derived serial '$serial0' is not hex" ;;
????????????????) pass ;;
*) fail "derived serial '$serial0' is not 16 hex digits" ;;
esac
case $wwn0 in
*[!0-9a-f]*) fail "derived wwn '$wwn0' is not hex" ;;
3???????????????) pass ;;
*) fail "derived wwn '$wwn0' is not NAA 3 in 16 hex digits" ;;
esac
err "$EBUSY" wr $L/path /dev/ram1
err "$EBUSY" wr $L/readonly 1
err "$EBUSY" wr $L/shared 1
err "$EBUSY" wr $L/serial X
err "$EBUSY" wr $L/wwn 3000000000000001
ok wr $L/enable 1
ok wr $L/enable 0
is $L/size 0
is $L/block_size 0
ok wr $L/enable 1
is $L/serial "$serial0"
is $L/wwn "$wwn0"

# the same device twice: the exclusive open refuses
ok mkdir $D/luns/1
ok wr $D/luns/1/path /dev/ram0
err "$EBUSY" wr $D/luns/1/enable 1
is $D/luns/1/enable 0
ok wr $D/luns/1/path /dev/ram1
ok wr $D/luns/1/readonly 1
ok wr $D/luns/1/enable 1
is $D/luns/1/size 67108864
expect "LUNs 0 and 1 have the same serial" [ "$(cat $D/luns/1/serial)" != "$serial0" ]
expect "LUNs 0 and 1 have the same wwn" [ "$(cat $D/luns/1/wwn)" != "$wwn0" ]
# another target's LUN on a device in use
ok mkdir targets/$T2/luns/0
ok wr targets/$T2/luns/0/path /dev/ram1
err "$EBUSY" wr targets/$T2/luns/0/enable 1
ok wr targets/$T2/luns/0/path /dev/does-not-exist
err "No such file or directory" wr targets/$T2/luns/0/enable 1
ok rmdir targets/$T2/luns/0
# the claim is real: an O_EXCL open (what mkfs and mount do) fails too
if command -v python3 >/dev/null; then
	err "$EBUSY" python3 -c 'import os; os.open("/dev/ram0", os.O_RDONLY | os.O_EXCL)'
fi

# --- ACLs and CHAP -------------------------------------------------------
err "$EINVAL" mkdir $D/acls/bad-initiator
ok mkdir $D/acls/$I
A=$D/acls/$I
is $A/readonly 0
err "$EINVAL" wr $A/readonly 2
ok wr $A/readonly 1
is $A/readonly 1
for f in userid password userid_mutual password_mutual; do
	is $A/auth/$f ''
done
ok wr $A/auth/userid user1
is $A/auth/userid user1
err "$EINVAL" wr $A/auth/userid "$(head -c 256 /dev/zero | tr '\0' u)"
err "$EINVAL" wr $A/auth/password short
err "$EINVAL" wr $A/auth/password 12345678901		# 11 bytes
err "$EINVAL" wr $A/auth/password "$(head -c 256 /dev/zero | tr '\0' s)"
is $A/auth/password ''
ok wr $A/auth/password 123456789012
is $A/auth/password '<set>'
ok wr $A/auth/password "$(head -c 255 /dev/zero | tr '\0' s)"
is $A/auth/password '<set>'
ok wr $A/auth/password initiator-secret
ok wr $A/auth/userid_mutual tgt1
err "$EINVAL" wr $A/auth/password_mutual initiator-secret	# same both ways
ok wr $A/auth/password_mutual target-secret-1
is $A/auth/password_mutual '<set>'
err "$EINVAL" wr $A/auth/password target-secret-1
if grep -rq initiator-secret $D/; then fail "a secret can be read back"; else pass; fi
ok wr $A/auth/password_mutual ''
is $A/auth/password_mutual ''
ok wr $A/auth/userid_mutual ''
# the target-wide credentials (allow_any_initiator=1)
ok wr $D/allow_any_initiator 1
is $D/allow_any_initiator 1
ok wr $D/auth/userid anyone
ok wr $D/auth/password any-initiator-secret
is $D/auth/password '<set>'
is $D/auth/userid anyone
ok mkdir $D/acls/iqn.2005-03.org.open-iscsi:second
ok mkdir $D/acls/eui.0123456789ABCDEF

# --- discovery -----------------------------------------------------------
is discovery/enforce_auth 0
err "$EINVAL" wr discovery/enforce_auth 1		# no credentials
err "$EINVAL" wr discovery/enforce_auth 2
ok wr discovery/auth/userid disc
err "$EINVAL" wr discovery/enforce_auth 1		# no password yet
err "$EINVAL" wr discovery/auth/password 'too short'
ok wr discovery/auth/password discovery-secret
is discovery/auth/password '<set>'
ok wr discovery/enforce_auth 1
is discovery/enforce_auth 1
ok wr discovery/enforce_auth 0
ok wr discovery/auth/password ''
ok wr discovery/auth/userid ''
is discovery/auth/password ''

# --- teardown, in reverse --------------------------------------------------
err "Directory not empty" rmdir $D
err "Operation not permitted" rmdir $D/params
ok rmdir $D/acls/eui.0123456789ABCDEF
ok rmdir $D/acls/iqn.2005-03.org.open-iscsi:second
ok rmdir $A
ok rmdir $D/luns/1				# enabled: disabled first
ok rmdir $L
err "Directory not empty" rmdir $D		# still a portal link
ok rm $D/portals/p1
ok rmdir $D					# enabled: sessions closed
ok rmdir targets/$T2
# A connection pins its portal past the rmdir (its count goes with it):
# one is closed by its peer after the rmdir, the other is left to rmmod.
# A byte every 2 s keeps each in login up to kiss's 30 s login deadline
# (each receive alone times out after 15 s), for slow guests.
rm -f /tmp/cfs-conn-open /tmp/cfs-conn-close
python3 -c '
import os, socket, time
s = [socket.create_connection(("127.0.0.1", 3261)) for _ in range(2)]
open("/tmp/cfs-conn-open", "w").close()
t = 0
while s:
    if time.monotonic() > t:
        t = time.monotonic() + 2
        try:
            for c in s:
                c.send(b"\0")
        except OSError:
            break
    if len(s) == 2 and os.path.exists("/tmp/cfs-conn-close"):
        s.pop(0).close()
    time.sleep(0.05)
' &
conns=$!
i=0
while [ ! -e /tmp/cfs-conn-open ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
n=0 i=0
while [ "$n" != 2 ] && [ $i -lt 100 ]; do
	n=$(pgrep -xc kiss_rx)
	[ "$n" = 2 ] || sleep 0.1
	i=$((i + 1))
done
expect "two connections accepted on portal p1 ($n kiss_rx)" [ "$n" = 2 ]
ok rmdir portals/p1				# enabled: stops listening
touch /tmp/cfs-conn-close
i=0
while [ "$n" -gt 1 ] && [ $i -lt 300 ]; do
	n=$(pgrep -xc kiss_rx)
	[ "$n" -le 1 ] || sleep 0.1
	i=$((i + 1))
done
expect "the connection closed by its peer is gone ($n kiss_rx left)" [ "$n" -le 1 ]
expect "portals/ or targets/ not empty" [ -z "$(ls -A portals)$(ls -A targets)" ]

# --- derived identifiers are stable: same name and id, same serial/wwn ---
ok mkdir targets/$T
ok mkdir targets/$T/luns/0
ok wr targets/$T/luns/0/path /dev/ram0
ok wr targets/$T/luns/0/enable 1
is targets/$T/luns/0/serial "$serial0"
is targets/$T/luns/0/wwn "$wwn0"
ok mkdir targets/$T2
ok mkdir targets/$T2/luns/0
ok wr targets/$T2/luns/0/path /dev/ram1
ok wr targets/$T2/luns/0/enable 1
expect "targets 1 and 2 share LUN 0's serial" [ "$(cat targets/$T2/luns/0/serial)" != "$serial0" ]
# rmdir of enabled LUNs and of a never-enabled target
ok rmdir targets/$T2/luns/0
ok rmdir targets/$T/luns/0
ok rmdir targets/$T2
ok rmdir targets/$T

cd /
rmmod kiss || fail "rmmod kiss"
wait $conns || fail "the connection to the removed portal"
expect "/sys/module/kiss still there after rmmod" [ ! -e /sys/module/kiss ]
expect "$cfs still there after rmmod" [ ! -e $cfs ]
rmmod brd || fail "rmmod brd (a device still held?)"

dmesg | tail -n "+$((before + 1))" > "$log"
if "$here/check-log.sh" "$log"; then pass; else fail "kernel bug reports"; fi
echo "configfs: $npass passed, $nfail failed ($(uname -r))"
[ "$nfail" = 0 ] || exit 1
echo "configfs: PASS"
