#!/bin/bash
# cluster.sh KISS_KO   (in both guests: tests/vm/run2.sh tests/vm/cluster.sh KISS_KO)
#
# One LUN served by two kiss nodes over DRBD, steered by implicit ALUA, used
# by a dm-multipath initiator through an unplanned failover and a planned
# switch-back, with fio --verify=crc32c writing all along.
#
#   node a (kiss-a, 169.254.10.1): DRBD Primary, kiss target port group 1,
#          active/optimized.
#   node b (kiss-b, 169.254.10.2): DRBD Primary too (dual-primary: a DRBD
#          Secondary cannot be opened, and kiss keeps the LUN open while
#          standby so that the path stays in the initiator's map), kiss
#          target port group 2, standby; and the initiator: open-iscsi to
#          both portals, multipathd (group_by_prio, prio alua,
#          no_path_retry queue), fio through /dev/mapper/<wwid>.
#
# Each round: fio writes; b asks the runner to kill a's VM (the power cut),
# then, as a cluster manager would once the peer is fenced, drops the DRBD
# connection and sets its group active/optimized; multipath fails over; fio
# goes on and its verify pass reads everything back from b.  Then a boots
# again with an empty RAM disk, DRBD resyncs it from b, a's kiss comes up
# standby, its path comes back, and a planned switch-back (b standby, a
# active/optimized) happens under a second fio with verify.
#
#   KISS_TEST_CLUSTER_ROUNDS  rounds (default 1; make check-cluster runs 3,
#                             make check 0);
#                             0: the short form, one failover and no more
#                             (a stays dead)
#   KISS_TEST_CLUSTER_UPTO    stop after: link, drbd, kiss, multipath (for
#                             bringing the rig up step by step)
#   KISS_TEST_CLUSTER_SIZE    fio's size per run (default 8m)
#
# Figures ("# pause ..." lines): the longest fio write completion latency
# in each run, i.e. how long I/O stood still across the failover/switch.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=../cluster/lib.sh
. "$here/../cluster/lib.sh"

ko=${1:?usage: $0 KISS_KO}
rounds=${KISS_TEST_CLUSTER_ROUNDS:-1}
upto=${KISS_TEST_CLUSTER_UPTO:-all}
size=${KISS_TEST_CLUSTER_SIZE:-8m}

T=iqn.2026-11.org.kiss:cluster
I=iqn.2026-11.org.kiss:cluster-initiator
SERIAL=kiss-cluster-lun0
WWN=3000000000c1a5e1		# NAA 3 (locally assigned): the LUN on both nodes
ADDR_A=169.254.10.1
ADDR_B=169.254.10.2
C=/sys/kernel/config/kiss
TD=$C/targets/$T
R=$VM_RESULTS

say() { echo "# $(cl_ts) $*"; }

# A step the rest stands on: check it, and fail (status 1) if it failed,
# so that the node can stop there (cl_abort) instead of running on into
# the time limit.
need() {	# DESCRIPTION CMD...
	local before=$failures
	check "$@"
	[ "$failures" = "$before" ]
}

# What this node knows when a step failed, for the log.
node_diag() {
	say "diagnosis on $(hostname):"
	{
		echo "drbd: $(drbd_state)"
		dmesg | grep -E 'drbd|kiss|iscsi|alua|sd [0-9]|device-mapper|multipath' | tail -n 15
		if [ -d "$TD" ]; then
			echo "kiss: alua state $(cat "$TD/alua/state"), sessions:"
			"$KISSCTL" session list 2>&1
		fi
		if [ "$VM_NODE" = b ] && pidof iscsid >/dev/null; then
			iscsiadm -m session -P 1 2>&1 | grep -E 'Current Portal|State'
			mpath_show
		fi
	} 2>&1 | sed 's/^/#   /'
}

# ---- the link ---------------------------------------------------------

link_up() {
	cl_barrier "link.$VM_BOOT" 300 || return 1
	busybox ping -c 2 -W 5 "$VM_PEER_ADDR"
}

# ---- DRBD -------------------------------------------------------------

drbd_conf() {
	# The guest's /etc is a tmpfs overlay: this replaces the host's
	# drbd.conf for this guest only.
	cat > /etc/drbd.conf <<EOF
global { usage-count no; }
resource kiss {
	net {
		protocol C;
		allow-two-primaries yes;
		# peer gone after 4 s without an answer; TCG guests are slow
		timeout 40;
		ping-int 5;
		ping-timeout 20;
		connect-int 5;
		after-sb-0pri discard-zero-changes;
		after-sb-1pri discard-secondary;
		after-sb-2pri disconnect;
	}
	disk {
		resync-rate 400M;
		c-plan-ahead 0;
	}
	device /dev/drbd0;
	disk /dev/ram0;
	meta-disk internal;
	on kiss-a { address $ADDR_A:7789; }
	on kiss-b { address $ADDR_B:7789; }
}
EOF
}

drbd_state() {	# the /proc/drbd line "cs:... ro:... ds:..."
	sed -n 's/^ *0: \(cs:[^ ]* ro:[^ ]* ds:[^ ]*\).*/\1/p' /proc/drbd
}

drbd_wait() {	# REGEX [SECS]: wait until drbd_state matches
	local i=0 n=$((${2:-120} * 5))
	while ! drbd_state | grep -Eq "$1"; do
		if [ -e "$CLUSTER_DIR/abort" ]; then
			echo "drbd: wanted $1, have $(drbd_state); $(cat "$CLUSTER_DIR/abort")"
			return 1
		fi
		i=$((i + 1))
		if [ $i -gt $n ]; then
			echo "drbd: wanted $1, have $(drbd_state)"
			return 1
		fi
		sleep 0.2
	done
}

drbd_start() {
	modprobe brd rd_nr=1 rd_size=65536 || return 1	# 64 MiB
	modprobe drbd || return 1
	drbd_conf
	drbdadm create-md --force kiss </dev/null || return 1
	drbdadm up kiss || return 1
}

# Both RAM disks start zeroed, so on the first boot nothing needs syncing:
# one side says so (new-current-uuid --clear-bitmap).  A node that comes
# back later has a new, empty disk and gets a full resync.
# Then b is promoted, and a once it sees b Primary: the two promotions
# never race (DRBD 8.4 may refuse a state change while the peer makes
# one).  The waits are long: a guest of a slow or busy host crawls.
drbd_first() {
	drbd_start || return 1
	drbd_wait 'cs:Connected' 180 || return 1
	if [ "$VM_NODE" = b ]; then
		drbdadm -- --clear-bitmap new-current-uuid kiss || return 1
	fi
	drbd_wait 'ds:UpToDate/UpToDate' 120 || return 1
	[ "$VM_NODE" = b ] || drbd_wait 'ro:Secondary/Primary' 180 || return 1
	drbd_promote || return 1
	drbd_wait 'ro:Primary/Primary' 180
}

drbd_promote() {	# a refused state change is tried again
	local i
	for i in 1 2 3 4 5; do
		drbdadm primary kiss && return 0
		echo "drbd: promotion $i refused in state $(drbd_state)"
		sleep 2
	done
	return 1
}

drbd_rejoin() {	# node a after a reboot
	drbd_start || return 1
	drbd_wait 'cs:(Connected|SyncTarget)' 180 || return 1
	drbd_wait 'cs:Connected .*ds:UpToDate/UpToDate' 300 || return 1
	drbd_promote || return 1
	drbd_wait 'ro:Primary/Primary' 180
}

# ---- kiss -------------------------------------------------------------

# What an administrator types (Documentation/admin-guide.md, "Two nodes:
# DRBD"): the target and its ALUA port before enabling it, the LUN with
# the shared identity before enabling it.
kiss_setup() {	# TPGT GROUP RTPI STATE
	kiss_load "$ko" || return 1
	"$KISSCTL" portal add link "$VM_ADDR:3260" || return 1
	mkdir "$TD" || return 1
	echo "$1" > "$TD/tpgt" || return 1
	echo "$2" > "$TD/alua/group_id" || return 1
	echo "$3" > "$TD/alua/rel_port_id" || return 1
	echo "$4" > "$TD/alua/state" || return 1
	mkdir "$TD/luns/0" || return 1
	echo /dev/drbd0 > "$TD/luns/0/path" || return 1
	echo "$SERIAL" > "$TD/luns/0/serial" || return 1
	echo "$WWN" > "$TD/luns/0/wwn" || return 1
	echo 1 > "$TD/luns/0/shared" || return 1
	echo 1 > "$TD/luns/0/enable" || return 1
	ln -s "$C/portals/link" "$TD/portals/link" || return 1
	"$KISSCTL" acl add "$T" "$I" || return 1
	echo 1 > "$TD/enable"
}

# The same with kissctl (node b does it this way, node a with echo).
kiss_setup_kissctl() {	# TPGT GROUP RTPI STATE
	kiss_load "$ko" || return 1
	"$KISSCTL" target add "$T" --portal "$VM_ADDR:3260" || return 1
	"$KISSCTL" target set "$T" enable=0 tpgt="$1" alua_group_id="$2" \
		alua_rel_port_id="$3" alua_state="$4" || return 1
	"$KISSCTL" lun add "$T" 0 /dev/drbd0 --shared --serial "$SERIAL" \
		--wwn "$WWN" || return 1
	"$KISSCTL" acl add "$T" "$I" || return 1
	"$KISSCTL" target set "$T" enable=1 || return 1
	test "$(cat "$TD/alua/group_id") $(cat "$TD/alua/rel_port_id") $(cat "$TD/alua/state") $(cat "$TD/luns/0/shared")" = "$2 $3 $4 1"
}

alua_set() {	# STATE
	local t0
	t0=$(cl_ts)
	echo "$1" > "$TD/alua/state" &&
		say "$(hostname): alua state $(cat "$TD/alua/state") (the write took $(awk -v a="$(cl_ts)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }') s)"
}

# ---- the initiator (node b) -------------------------------------------

mpath_conf() {
	mkdir -p /etc/multipath
	cat > /etc/multipath.conf <<'EOF'
defaults {
	user_friendly_names no
	find_multipaths off
	polling_interval 1
}
blacklist {
	devnode "^(ram|loop|drbd|nbd|fd|sr)[0-9]*"
}
devices {
	device {
		vendor "KISS"
		product ".*"
		path_grouping_policy group_by_prio
		path_selector "round-robin 0"
		prio alua
		hardware_handler "1 alua"
		path_checker tur
		failback immediate
		no_path_retry queue
	}
}
EOF
}

initiator_start() {
	modprobe -a dm_multipath dm_round_robin scsi_dh_alua || return 1
	# udev: multipathd reads the paths' identities (ID_SERIAL) from
	# its database.
	/lib/systemd/systemd-udevd --daemon >/tmp/udevd.log 2>&1 || return 1
	udevadm trigger
	udevadm settle -t 30
	mpath_conf
	timeout 30 multipathd >/tmp/multipathd.log 2>&1 || return 1
	iscsid_start "$I"
}

node_login() {	# ADDR
	local p=$1:3260 o
	iscsiadm -m discovery -t st -p "$p" >/dev/null || return 1
	# A dead node must fail its path soon (noop-out), and its session
	# stays in recovery (iscsid relogs in when the node is back).
	for o in "node.session.timeo.replacement_timeout 5" \
	         "node.conn[0].timeo.noop_out_interval 2" \
	         "node.conn[0].timeo.noop_out_timeout 3"; do
		# shellcheck disable=SC2086 # name and value
		set -- $o
		iscsiadm -m node -T "$T" -p "$p" -o update -n "$1" -v "$2" || return 1
	done
	iscsiadm -m node -T "$T" -p "$p" --login
}

mpath_dev() {	# the multipath map's /dev/mapper path
	local m
	m=$(timeout 10 dmsetup ls --target multipath 2>/dev/null | awk 'NR == 1 { print $1 }')
	[ -n "$m" ] && [ -b "/dev/mapper/$m" ] && echo "/dev/mapper/$m"
}

mpath_show() {
	timeout 10 multipathd show paths format "%d %t %T %o %p %s" 2>&1 | sed 's/^/#   /'
}

# PATTERN [SECS]: wait until "multipathd show paths" (dev, dm state,
# checker state, device state, prio, ...) says PATTERN for some path.
mpath_wait() {
	local i=0 n=$((${2:-120} * 2))
	while ! timeout 10 multipathd show paths format "%d %t %T %o %p" 2>/dev/null | grep -Eq "$1"; do
		i=$((i + 1))
		if [ $i -gt $n ]; then
			echo "multipath: no path matches '$1':"
			mpath_show
			return 1
		fi
		sleep 0.5
	done
}

# The sdX of the session to ADDR.
path_dev() {	# ADDR
	iscsiadm -m session -P 3 2>/dev/null | awk -v a="$1:3260," '
		/Current Portal:/ { ok = (index($3, a) == 1) }
		ok && /Attached scsi disk/ { print $4; exit }'
}

# ---- fio --------------------------------------------------------------

FIO_PID=''
fio_start() {	# NAME SEED
	rm -f "/tmp/$1".*
	fio --name="$1" --filename="$MPDEV" --direct=1 --ioengine=libaio \
		--rw=randwrite --bs=4k --iodepth=4 --size="$size" \
		--randseed="$2" --verify=crc32c --do_verify=1 --verify_fatal=0 \
		--write_lat_log="/tmp/$1" --log_offset=0 \
		--output-format=json --output="/tmp/$1.json" \
		>"/tmp/$1.err" 2>&1 &
	FIO_PID=$!
}

# N: wait until N more writes went through the multipath map (fio has
# started and a's disk holds data when a is killed).
wait_writes() {
	local dm base i=0
	dm=$(basename "$(readlink -f "$MPDEV")")
	base=$(awk '{ print $5 }' "/sys/block/$dm/stat")
	while [ $(($(awk '{ print $5 }' "/sys/block/$dm/stat") - base)) -lt "$1" ]; do
		i=$((i + 1))
		[ $i -lt 600 ] || { say "fewer than $1 writes in 120 s"; return 1; }
		sleep 0.2
	done
}

# No path came back: fail the writes multipath queues (no_path_retry
# queue would hold them, and fio, forever), so that fio ends and the
# test with it.
fio_unqueue() {
	node_diag
	say "failing the queued I/O of $MPDEV"
	timeout 10 dmsetup message "$(basename "$MPDEV")" 0 fail_if_no_path
}

# NAME: wait for fio, report; fails on a fio error or any verify error.
fio_end() {
	local rc=0 errs pause
	wait "$FIO_PID" || rc=$?
	cp "/tmp/$1.json" "/tmp/$1.err" "$R/" 2>/dev/null
	cp "/tmp/$1"_clat.1.log "$R/" 2>/dev/null
	errs=$(grep -Eic 'verify|bad magic|crc32c' "/tmp/$1.err")
	pause=$(python3 - "/tmp/$1.json" "/tmp/$1_clat.1.log" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
w, r = j["write"], j["read"]
ts = []
try:
    for line in open(sys.argv[2]):
        f = line.split(",")
        if int(f[2]) == 1:
            ts.append((int(f[0]), int(f[1])))
except OSError:
    pass
worst = max(ts, key=lambda t: t[1]) if ts else (0, 0)
gap = max((b[0] - a[0] for a, b in zip(ts, ts[1:])), default=0)
print("longest write %.1f s (done at +%.1f s), longest gap between "
      "writes %.1f s, %d writes in %.1f s, %d verify reads, fio error %d" % (
      w["clat_ns"]["max"] / 1e9, worst[0] / 1e3, gap / 1e3, w["total_ios"],
      w["runtime"] / 1e3, r["total_ios"], j["error"]))
EOF
)
	echo "fio $1: exit $rc; $pause; verify error lines: $errs" > "/tmp/$1.summary"
	echo "$1: $pause; verify error lines: $errs" >> "$R/pauses"
	[ "$errs" = 0 ] || sed 's/^/#   /' "/tmp/$1.err" | head -n 20
	[ "$rc" = 0 ] && [ "$errs" = 0 ]
}

# ---- node a -----------------------------------------------------------

a_stop() {	# STEP: a step failed; b is told
	node_diag
	cl_abort "$1 failed on a"
}

node_a() {
	if [ "$VM_BOOT" = 1 ]; then
		check "link to b" link_up || return 1
	else
		check "link to b" busybox ping -c 2 -W 5 "$VM_PEER_ADDR"
	fi
	[ "$upto" = link ] && { cl_wait finished 120; return 0; }
	if [ "$VM_BOOT" = 1 ]; then
		need "drbd: connected, Primary/Primary" drbd_first || { a_stop drbd; return 1; }
	else
		need "drbd: resynced from b, Primary" drbd_rejoin || { a_stop drbd; return 1; }
	fi
	say "drbd: $(drbd_state)"
	if [ "$VM_BOOT" = 1 ]; then
		# 1 MiB written here, read on b (at 60 MiB: kiss's tests use the start)
		head -c 1048576 /dev/urandom > /tmp/blk
		dd if=/tmp/blk of=/dev/drbd0 bs=1M seek=60 oflag=direct status=none
		cl_say blk-sum "$(md5sum < /tmp/blk)"
	fi
	[ "$VM_BOOT" = 1 ] && { cl_barrier drbd.1 300 || return 1; }
	[ "$upto" = drbd ] && { cl_wait finished 120; return 0; }

	# First boot: active/optimized.  Back after a failover: standby
	# until the planned switch-back.
	local st=active/optimized
	[ "$VM_BOOT" = 1 ] || st=standby
	need "kiss: target port group 1, $st" kiss_setup 1 1 1 "$st" || { a_stop kiss; return 1; }
	cl_say "a-ready.$VM_BOOT"

	# Serve b's requests until the end (or until b has us killed).
	while ! [ -e "$CLUSTER_DIR/finished" ] && ! [ -e "$CLUSTER_DIR/abort" ]; do
		if [ -e "$CLUSTER_DIR/a-activate.$VM_BOOT" ] && ! [ -e "$CLUSTER_DIR/a-active.$VM_BOOT" ]; then
			alua_set active/optimized
			cl_say "a-active.$VM_BOOT"
		fi
		sleep 0.2
	done
	cl_wait b-logged-out 120
	check "kissctl clear" "$KISSCTL" clear
	check "rmmod kiss" rmmod kiss
	check "drbd down" drbdadm down kiss
}

# ---- node b -----------------------------------------------------------

b_stop() {	# STEP: a step failed; a is told
	node_diag
	cl_abort "$1 failed on b"
	cl_say finished
}

# The unplanned failover: a is powered off under fio; b takes over.
failover() {	# ROUND
	local t0
	fio_start "failover$1" "$1"
	wait_writes 256 || return 1
	say "round $1: killing a"
	t0=$(cl_ts)
	cl_say kill-a
	# The fencing confirmation: the runner says a is gone.
	cl_wait a-killed 60 || return 1
	say "round $1: a is dead; b takes over"
	# A cluster manager would now promote DRBD (dual-primary: b is
	# Primary already) and make sure DRBD no longer waits for the dead
	# peer's acks, then switch ALUA.  DRBD notices by itself within
	# ping-int + ping-timeout (7 s); "disconnect" would wait as long.
	say "round $1: drbd $(drbd_state)"
	drbd_wait 'cs:(WFConnection|StandAlone|Unconnected|NetworkFailure|BrokenPipe|Timeout)' 15 ||
		drbdadm -- --force disconnect kiss
	say "round $1: drbd $(drbd_state)"
	alua_set active/optimized
	say "round $1: b active/optimized $(awk -v a="$(cl_ts)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }') s after the kill"
	need "round $1: failover: b's path active" mpath_wait "^$BPATH .*active ready" 120 ||
		fio_unqueue
	mpath_show
	check "round $1: failover: fio verify, no errors" fio_end "failover$1"
	say "$(cat "/tmp/failover$1.summary")"
}

# a boots again, resyncs, comes up standby; its path comes back.
rejoin() {	# ROUND
	local boot=$(($1 + 1))
	cl_say boot-a
	check "round $1: a rebooted and resynced" cl_wait "a-ready.$boot" 600 || return 1
	check "round $1: a's path back, standby" mpath_wait "^$APATH .*ghost" 180
	mpath_show
}

# The planned switch-back under fio: b standby first (nothing is written
# anywhere for a moment: multipath queues), then a active/optimized.
switchback() {	# ROUND
	local boot=$(($1 + 1))
	fio_start "switchback$1" $((100 + $1))
	wait_writes 256 || return 1
	say "round $1: switch-back to a"
	alua_set standby
	cl_say "a-activate.$boot"
	cl_wait "a-active.$boot" 60 || return 1
	check "round $1: switch-back: a's path active" mpath_wait "^$APATH .*active ready" 120
	mpath_show
	check "round $1: switch-back: fio verify, no errors" fio_end "switchback$1"
	say "$(cat "/tmp/switchback$1.summary")"
}

node_b() {
	check "link to a" link_up || return 1
	[ "$upto" = link ] && { cl_say finished; return 0; }
	need "drbd: connected, Primary/Primary" drbd_first || { b_stop drbd; return 1; }
	say "drbd: $(drbd_state)"
	cl_barrier drbd.1 300 || { b_stop "drbd.1 barrier"; return 1; }
	check "drbd: 1 MiB written on a is read on b" test \
		"$(dd if=/dev/drbd0 bs=1M skip=60 count=1 iflag=direct status=none | md5sum)" = \
		"$(cat "$CLUSTER_DIR/blk-sum")"
	if [ "$upto" = drbd ]; then
		cl_say finished
		return 0
	fi
	need "kiss (kissctl): target port group 2, standby" kiss_setup_kissctl 2 2 2 standby ||
		{ b_stop kiss; return 1; }
	cl_wait a-ready.1 300 || { b_stop "waiting for a's kiss"; return 1; }

	need "initiator: udevd, multipathd, iscsid" initiator_start || { b_stop initiator; return 1; }
	need "login to a" node_login "$ADDR_A" || { b_stop login; return 1; }
	need "login to b" node_login "$ADDR_B" || { b_stop login; return 1; }
	udevadm settle -t 30
	APATH=$(path_dev "$ADDR_A")
	BPATH=$(path_dev "$ADDR_B")
	say "paths: a $APATH, b $BPATH"
	check "multipath: a active" mpath_wait "^$APATH .*active ready" 60
	check "multipath: b standby (ghost)" mpath_wait "^$BPATH .*ghost" 60
	MPDEV=$(mpath_dev)
	need "multipath map" test -n "$MPDEV" || { b_stop multipath; return 1; }
	timeout 10 multipath -ll 2>&1 | sed 's/^/#   /'
	if [ "$upto" = kiss ] || [ "$upto" = multipath ]; then
		cl_say finished
		return 0
	fi

	local r=1
	[ "$rounds" = 0 ] && failover 1
	while [ $r -le "$rounds" ]; do
		failover $r || break
		rejoin $r || break
		switchback $r || break
		r=$((r + 1))
	done
	cl_say finished

	check "logout" iscsiadm -m node --logoutall=all
	timeout 30 multipath -F >/dev/null 2>&1
	cl_say b-logged-out
	iscsid_stop
	check "kissctl clear" "$KISSCTL" clear
	check "rmmod kiss" rmmod kiss
	check "drbd down" drbdadm down kiss
	[ -f "$R/pauses" ] && sed 's/^/# pause: /' "$R/pauses"
}

case $VM_NODE in
a) node_a ;;
b) node_b ;;
esac
finish
