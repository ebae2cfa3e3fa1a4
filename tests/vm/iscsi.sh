#!/bin/bash
# iscsi.sh KISS_KO   (in the guest: tests/vm/run.sh tests/vm/iscsi.sh KISS_KO)
#
# kiss end to end with open-iscsi over loopback: discovery, login with no
# auth, CHAP and mutual CHAP (and refusals), an initiator not in the ACL,
# ext4 on the LUN with fsck, fio with crc32c verification (also with
# header and data digests), discovery sessions that require CHAP, logout,
# kissctl clear and rmmod.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

ko=${1:?usage: $0 KISS_KO}
T=iqn.2026-11.org.kiss:test
I=iqn.1993-08.org.debian:01:kisstest
P=127.0.0.1:3260

# KISS_QUICK=1 (debug kernel): smaller fio runs.
if [ "${KISS_QUICK:-0}" = 1 ]; then sz1=4m sz2=8m; else sz1=32m sz2=64m; fi

kiss_load "$ko" || exit 1
modprobe brd rd_nr=1 rd_size=262144 || exit 1	# 256 MiB
iscsid_start "$I"

# kiss's tracepoints are switched on here and off at the end, while no
# kiss thread runs: that patches kernel text (static keys and calls),
# which qemu's multi-threaded TCG gets wrong now and then when another
# vCPU runs the code being patched: seen here as both vCPUs stuck on the
# int3 in __schedule() that disabling an event put there, for its
# sched_switch probe.  No command-name recording (that probe) at all, and
# the traced window is opened and closed with tracing_on, which patches
# nothing.
tr=/sys/kernel/tracing
mountpoint -q $tr || mount -t tracefs nodev $tr
echo 0 > $tr/options/record-cmd
echo 0 > $tr/tracing_on
echo 1 > $tr/events/kiss/enable

login() {	# [iscsiadm node options...]
	iscsiadm -m discovery -t st -p "$P" >/tmp/disc.out 2>&1 || return 1
	grep -q "$T" /tmp/disc.out || return 1
	local o
	for o in "$@"; do
		iscsiadm -m node -T "$T" -p "$P" -o update $o || return 1
	done
	iscsiadm -m node -T "$T" -p "$P" --login
}
logout() {
	iscsiadm -m node -T "$T" -p "$P" --logout >/dev/null 2>&1
	iscsiadm -m node -o delete >/dev/null 2>&1
	true
}

check "target add" "$KISSCTL" target add "$T" --portal "$P"
check "lun add" "$KISSCTL" lun add "$T" 0 /dev/ram0
check_fails "login refused without ACL" login
logout
check "acl add" "$KISSCTL" acl add "$T" "$I"
check "discovery shows the target" login
dev=$(wait_for_disk "$T")
check "disk appears" test -n "$dev"
check "session listed" sh -c "'$KISSCTL' session list | grep -q '$I'"
# The session's two threads on one CPU (of the guest's two), both the same.
one_cpu() {
	local rx tx a b
	rx=$(pgrep -x kiss_rx) tx=$(pgrep '^kiss_tx/')
	[ "$(echo $rx $tx | wc -w)" = 2 ] || { echo "threads: rx '$rx' tx '$tx'"; return 1; }
	a=$(awk '/^Cpus_allowed_list/ {print $2}' "/proc/$rx/status")
	b=$(awk '/^Cpus_allowed_list/ {print $2}' "/proc/$tx/status")
	echo "rx on $a, tx on $b of $(nproc) CPUs"
	[ "$(nproc)" -gt 1 ] && [ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "${a%%[,-]*}" ]
}
check "the session's threads share one CPU" one_cpu
if [ -n "$dev" ]; then
	echo 1 > $tr/tracing_on
	check "dd write+read back" sh -c "head -c 4194304 /dev/urandom > /tmp/pat && dd if=/tmp/pat of=$dev bs=1M oflag=direct status=none && cmp -n 4194304 /tmp/pat $dev"
	echo 0 > $tr/tracing_on
	L=/sys/kernel/config/kiss/targets/$T/luns/0
	check "LUN counts the bytes written" test "$(cat $L/stat_write_bytes)" -ge 4194304
	check "LUN counts the bytes read" test "$(cat $L/stat_read_bytes)" -ge 4194304
	lat_sum() { awk '{ for (i = 1; i <= NF; i++) n += $i } END { print n }' "$L/stat_latency"; }
	check "latency histogram: 8 buckets" test "$(wc -w < "$L/stat_latency")" = 8
	check "latency histogram counts every command" test "$(lat_sum)" = "$(cat "$L/stat_cmds")"
	check "session counters listed" sh -c "'$KISSCTL' session list | grep -q 'CMDS.*ERRORS.*TMFS'"
	# WRITE(10) in, its Data-Out and response out: the tracepoints see it
	check "tracepoints follow a write" sh -c "grep -q 'kiss_cmd_start: .*cdb=0x2a' $tr/trace && grep -q 'kiss_cmd_done: .*status=0x00' $tr/trace && grep -q 'kiss_pdu_rx: .*opcode=0x05' $tr/trace && grep -q 'kiss_pdu_tx: .*opcode=0x21' $tr/trace"
	check "mkfs.ext4" mkfs.ext4 -q -F "$dev"
	mkdir -p /mnt/kiss
	check "mount" mount "$dev" /mnt/kiss
	check "write files" sh -c "for i in \$(seq 1 20); do head -c 300000 /dev/urandom > /mnt/kiss/f\$i; done; sync"
	check "umount" umount /mnt/kiss
	check "fsck clean" fsck.ext4 -n -f "$dev"
	check "fio 4k randwrite QD32 verify" fio --name=rw --filename="$dev" --direct=1 --ioengine=libaio --rw=randwrite --bs=4k --iodepth=32 --size=$sz1 --verify=crc32c --do_verify=1 --output=/tmp/fio1.out
	check "fio 128k seq write verify" fio --name=sw --filename="$dev" --direct=1 --ioengine=libaio --rw=write --bs=128k --iodepth=8 --size=$sz2 --verify=crc32c --do_verify=1 --output=/tmp/fio2.out
	grep -h 'IOPS=' /tmp/fio1.out /tmp/fio2.out 2>/dev/null | sed 's/^/# /'
fi
check "logout" iscsiadm -m node -T "$T" -p "$P" --logout
logout

# Header and data digests.
check "login with digests" login "-n node.conn[0].iscsi.HeaderDigest -v CRC32C" "-n node.conn[0].iscsi.DataDigest -v CRC32C"
dev=$(wait_for_disk "$T")
check "digests negotiated" sh -c "'$KISSCTL' session list | grep -q CRC32C"
[ -n "$dev" ] && check "fio verify with digests" fio --name=dg --filename="$dev" --direct=1 --ioengine=libaio --rw=randwrite --bs=16k --iodepth=16 --size=$sz1 --verify=crc32c --do_verify=1 --output=/tmp/fio3.out
logout

# CHAP, one way and mutual.
check "acl with CHAP" sh -c "'$KISSCTL' acl del '$T' '$I' && '$KISSCTL' acl add '$T' '$I' --chap user1:secret123456 --mutual tgt1:tsecret12345678"
chap="-n node.session.auth.authmethod -v CHAP"
check_fails "login without CHAP refused" login
logout
check_fails "wrong CHAP secret refused" login "$chap" "-n node.session.auth.username -v user1" "-n node.session.auth.password -v wrongsecret99"
logout
check "one-way CHAP login" login "$chap" "-n node.session.auth.username -v user1" "-n node.session.auth.password -v secret123456"
logout
check "mutual CHAP login" login "$chap" "-n node.session.auth.username -v user1" "-n node.session.auth.password -v secret123456" "-n node.session.auth.username_in -v tgt1" "-n node.session.auth.password_in -v tsecret12345678"
check_fails "mutual CHAP with wrong target secret refused" sh -c "iscsiadm -m node -T '$T' -p '$P' --logout; iscsiadm -m node -T '$T' -p '$P' -o update -n node.session.auth.password_in -v notthesecret1 && iscsiadm -m node -T '$T' -p '$P' --login"
logout

# Discovery sessions that require CHAP (discovery/enforce_auth): without
# CHAP or with a wrong secret open-iscsi gets no target list; with the
# right one, one-way and mutual, it gets the target.
disc_chap() {	# USER PASSWORD [USER_IN PASSWORD_IN]
	iscsiadm -m discoverydb -t st -p "$P" -o delete >/dev/null 2>&1
	iscsiadm -m discoverydb -t st -p "$P" -o new >/dev/null &&
	iscsiadm -m discoverydb -t st -p "$P" -o update \
		-n discovery.sendtargets.auth.authmethod -v CHAP &&
	iscsiadm -m discoverydb -t st -p "$P" -o update \
		-n discovery.sendtargets.auth.username -v "$1" &&
	iscsiadm -m discoverydb -t st -p "$P" -o update \
		-n discovery.sendtargets.auth.password -v "$2" || return 1
	if [ $# -ge 4 ]; then
		iscsiadm -m discoverydb -t st -p "$P" -o update \
			-n discovery.sendtargets.auth.username_in -v "$3" &&
		iscsiadm -m discoverydb -t st -p "$P" -o update \
			-n discovery.sendtargets.auth.password_in -v "$4" || return 1
	fi
	iscsiadm -m discoverydb -t st -p "$P" --discover -o nonpersistent \
		> /tmp/disc-chap.out 2>&1 && grep -q "$T" /tmp/disc-chap.out
}
disc_none() {
	iscsiadm -m discoverydb -t st -p "$P" -o delete >/dev/null 2>&1
	iscsiadm -m discovery -t st -p "$P" -o nonpersistent > /tmp/disc-none.out 2>&1 &&
		grep -q "$T" /tmp/disc-none.out
}
check "discovery without CHAP while not required" disc_none
check "discovery CHAP required" "$KISSCTL" discovery auth --chap duser1:dsecret123456 --mutual dtgt1:dtsecret1234567
check "enforce_auth set" test "$(cat /sys/kernel/config/kiss/discovery/enforce_auth)" = 1
check_fails "discovery without CHAP refused" disc_none
check_fails "discovery with a wrong secret refused" disc_chap duser1 wrongsecret999
check_fails "discovery as another user refused" disc_chap duser2 dsecret123456
check "discovery with one-way CHAP" disc_chap duser1 dsecret123456
check "discovery with mutual CHAP" disc_chap duser1 dsecret123456 dtgt1 dtsecret1234567
check_fails "mutual CHAP with a wrong target secret refused" disc_chap duser1 dsecret123456 dtgt1 notthesecret12
check "discovery CHAP no longer required" "$KISSCTL" discovery auth --none
check "discovery without CHAP again" disc_none
iscsiadm -m discoverydb -t st -p "$P" -o delete >/dev/null 2>&1

# Teardown with a session logged in.
check "login again" login "$chap" "-n node.session.auth.username -v user1" "-n node.session.auth.password -v secret123456"
wait_for_disk "$T" >/dev/null
check "kissctl clear with a session" "$KISSCTL" clear
logout
iscsid_stop
echo 0 > $tr/events/kiss/enable
echo 1 > $tr/tracing_on
check "rmmod kiss" rmmod kiss
finish
