#!/bin/sh
# run2.sh [options] SCRIPT [ARGS...]
#
# Two guests ("a" and "b") on one virtual link: boot the same Debian kernel
# twice under qemu (TCG), as run.sh does (host root over read-only 9p with a
# tmpfs overlay), joined by a point-to-point Ethernet link (virtio-net-pci on
# both, qemu -netdev socket: b listens on 127.0.0.1:PORT, a connects), and
# run SCRIPT ARGS in both through tests/cluster/node-init.sh, which gives
# each guest its hostname (kiss-a, kiss-b) and its link-local address on
# eth0 (169.254.10.1/16 and 169.254.10.2/16), then runs SCRIPT with:
#
#   VM_NODE      a or b
#   VM_BOOT      1 for a guest's first boot, 2, 3, ... for a's reboots
#   VM_ADDR      this guest's address, VM_PEER_ADDR the other's
#   CLUSTER_DIR  a directory both guests and this runner share (9p,
#                read-write, no caching): the guests' barriers and the
#                requests to the runner below
#
# Requests to the runner, made by either guest by creating a file in
# CLUSTER_DIR (the runner removes it when done):
#
#   kill-a       kill a's qemu at once (SIGKILL: a power cut; no status is
#                expected from that boot); the runner then creates
#                a-killed holding the host's time (date +%s.%N)
#   boot-a       boot a again (once its qemu is gone), VM_BOOT one higher
#
#   -k KVER     kernel release (default: tests/vm/kernels.sh 6.1)
#   -t SECS     wall-clock limit for the whole run (default 900)
#   -m MEM      memory per guest (default 1G)
#   -s CPUS     CPUs per guest (default 1: two TCG guests share the host)
#   -o DIR      results directory (default: a new build/vm/runs/cluster-KVER.XXXXXX)
#   -a ARGS     extra kernel command line arguments for both guests
#   -A REGEX    ignore kernel log lines matching REGEX (repeatable)
#   -v          copy b's console to stdout while it runs
#
# Results: DIR/b/ (b's run.sh-style results: console.log, output.log,
# dmesg.log, status, ...), DIR/a1/, DIR/a2/, ... (one per boot of a),
# DIR/shared/ (CLUSTER_DIR), DIR/runner.log (what the runner did, with
# host times).
#
# A guest that died while booting, before its command started (a panic,
# Oops or BUG on its console: multi-threaded TCG once ran a stale int3
# while a 6.12 kernel patched a static key at 2.7 s, see run.sh), makes
# the whole run start again, both guests, at most three runs in all; its
# results directory is kept as DIR.boot-crash-N.
#
# Exit status: b's script's status; 1 if it passed but a boot of a that
# was not killed ended without status 0, or a kernel log of either guest
# has a bug report; 124 on timeout; 125 if b died without a status or a
# guest could not be started.
set -eu

# The outer run: start the inner one again while it says (exit 75) that a
# guest died booting.
if [ -z "${KISS_VM2_TRY:-}" ]; then
	try=1
	while :; do
		rc=0
		KISS_VM2_TRY=$try "$0" "$@" || rc=$?
		[ "$rc" = 75 ] || exit "$rc"
		try=$((try + 1))
	done
fi

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${KISS_VM_BUILD:-$root/build/vm}

kver='' timeout=900 mem=1G cpus=1 res='' verbose=0 extra=''
allow=${KISS_VM_ALLOW:-}
while getopts k:t:m:s:o:a:A:vh opt; do
	case $opt in
	k) kver=$OPTARG ;;
	t) timeout=$OPTARG ;;
	m) mem=$OPTARG ;;
	s) cpus=$OPTARG ;;
	o) res=$OPTARG ;;
	a) extra="$extra $OPTARG" ;;
	A) allow=${allow:+$allow|}$OPTARG ;;
	v) verbose=1 ;;
	h) sed -n '2,/^set -eu/{/^set/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) echo "usage: $0 [-k KVER] [-t SECS] [-m MEM] [-s CPUS] [-o DIR] [-a ARGS] [-A REGEX] [-v] SCRIPT [ARGS...] (-h for help)" >&2; exit 125 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "$0: no SCRIPT given (-h for help)" >&2; exit 125; }

die() { echo "vm2: $*" >&2; exit 125; }

[ -n "$kver" ] || kver=$("$here/kernels.sh" 6.1)
[ -n "$kver" ] || die "no Debian 6.1 kernel installed (.ci/install-deps)"
kernel=/boot/vmlinuz-$kver
[ -r "$kernel" ] || die "$kernel missing"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (.ci/install-deps)"

script=$1
shift
what="$script${*:+ }$*"
case $script in
/*) ;;
*) if [ -f "$script" ]; then script=$(cd "$(dirname "$script")" && pwd)/$(basename "$script"); fi ;;
esac

mkdir -p "$build/runs"
initrd=$build/initramfs-$kver.cpio
"$here/mkinitramfs.sh" "$kver" "$initrd" || die "mkinitramfs failed"

if [ -n "$res" ]; then
	mkdir -p "$res"
	res=$(cd "$res" && pwd)
	rm -rf "$res/a"[0-9]* "$res/b" "$res/shared" "$res/runner.log"
else
	res=$(mktemp -d "$build/runs/cluster-$kver.XXXXXX")
	chmod 0755 "$res"
fi
shared=$res/shared
mkdir -p "$shared"
log() { echo "$(date +%s.%N | cut -c1-14) $*" >> "$res/runner.log"; }

q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
write_cmd() {	# DIR NODE BOOT ADDR PEER_ADDR ARGS...: the guest's command (guest-init.sh sources it)
	dir=$1 node=$2 nboot=$3 addr=$4 peer=$5
	shift 5
	{
		echo "VM_DIR=$(q "$root")"
		echo "VM_KMEMLEAK=0"
		echo "KISS_VM_ALLOW=$(q "$allow"); export KISS_VM_ALLOW"
		echo "KISS_QUICK=$(q "${KISS_QUICK:-0}"); export KISS_QUICK"
		for v in $(env | sed -n 's/^\(KISS_TEST_[A-Z0-9_]*\)=.*/\1/p'); do
			eval "val=\$$v"
			echo "$v=$(q "$val"); export $v"
		done
		echo "VM_NODE=$node VM_BOOT=$nboot VM_ADDR=$addr VM_PEER_ADDR=$peer"
		echo "export VM_NODE VM_BOOT VM_ADDR VM_PEER_ADDR"
		echo "VM_WATCHDOG=$((timeout > 120 ? timeout - 60 : timeout / 2))"
		printf 'set -- %s' "$(q "$root/tests/cluster/node-init.sh")"
		printf ' %s' "$(q "$script")"
		for a in "$@"; do printf ' %s' "$(q "$a")"; done
		echo
	} > "$dir/cmd"
}

append="console=ttyS0,115200 printk.time=1 oops=panic panic=-1 panic_on_warn=0"
append="$append mitigations=off random.trust_cpu=on acpi=noirq slub_debug=FZPU"
# no_timer_check: on a loaded host the boot-time IO-APIC timer check
# fails under TCG ("IO-APIC + timer doesn't work!" panic; seen here with
# two guests booting side by side).
append="$append no_timer_check$extra"
cpu=${KISS_VM_CPU:-max,la57=off}
start=$(date +%s)

qemu_guest() {	# NODE DIR NETDEV MAC SECS: start one guest in the background
	timeout -k 10 "$5" qemu-system-x86_64 \
		-name "kiss-vm2-$1-$kver" \
		-accel tcg,thread=multi -cpu "$cpu" -smp "$cpus" -m "$mem" \
		-nodefaults -no-user-config -display none -no-reboot \
		-chardev "file,id=con,path=$2/console.log" -serial chardev:con \
		-kernel "$kernel" -initrd "$initrd" -append "$append" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$2,mount_tag=results,security_model=none,multidevs=remap" \
		-virtfs "local,path=$shared,mount_tag=cluster,security_model=none,multidevs=remap" \
		-netdev "socket,id=link,$3" -device "virtio-net-pci,netdev=link,mac=$4" \
		</dev/null 2>"$2/qemu.log" &
}

left() { echo $((timeout - ($(date +%s) - start))); }

listening() {	# PORT: something listens on 127.0.0.1:PORT
	ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# b first: it listens, and keeps listening for the next a after a dies
# (qemu's socket netdev accepts again when its peer goes away).
tries=0
while :; do
	tries=$((tries + 1))
	port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 ))
	listening "$port" && continue
	mkdir -p "$res/b"
	write_cmd "$res/b" b 1 169.254.10.2 169.254.10.1 "$@"
	qemu_guest b "$res/b" "listen=127.0.0.1:$port" 52:54:00:4b:00:0b "$timeout"
	bpid=$!
	i=0
	while [ $i -lt 50 ] && kill -0 $bpid 2>/dev/null && ! listening "$port"; do
		sleep 0.1
		i=$((i + 1))
	done
	listening "$port" && break
	kill -TERM $bpid 2>/dev/null || true
	wait $bpid 2>/dev/null || true
	[ $tries -lt 5 ] || die "b's qemu does not listen on 127.0.0.1:$port: $(tail -n 3 "$res/b/qemu.log")"
done
log "b started (qemu pid $bpid), link on 127.0.0.1:$port"

boot=0 apid='' killed_boots=''
boot_a() {
	boot=$((boot + 1))
	mkdir -p "$res/a$boot"
	write_cmd "$res/a$boot" a "$boot" 169.254.10.1 169.254.10.2 "$@"
	qemu_guest a "$res/a$boot" "connect=127.0.0.1:$port" 52:54:00:4b:00:0a "$(left)"
	apid=$!
	log "a boot $boot started (qemu pid $apid)"
}

cleanup() {
	[ -z "$apid" ] || kill -TERM "$apid" 2>/dev/null || true
	kill -TERM "$bpid" 2>/dev/null || true
	wait 2>/dev/null || true
}
trap 'cleanup; echo "vm2: interrupted; logs in $res" >&2; exit 130' INT TERM HUP

boot_a "$@"
[ "$verbose" = 0 ] || tail -F "$res/b/console.log" 2>/dev/null &
tailpid=$!

# Serve the guests' requests until b is done.
while kill -0 $bpid 2>/dev/null; do
	if [ -e "$shared/kill-a" ]; then
		log "kill-a requested"
		if [ -n "$apid" ] && kill -0 "$apid" 2>/dev/null; then
			# timeout(1) runs qemu as its child: kill qemu itself.
			pkill -KILL -P "$apid" 2>/dev/null || kill -KILL "$apid"
			wait "$apid" 2>/dev/null || true
			killed_boots="$killed_boots $boot"
			log "a boot $boot killed"
		else
			log "kill-a: a is not running"
		fi
		apid=''
		rm -f "$shared/kill-a"
		date +%s.%N > "$shared/a-killed.tmp"
		mv "$shared/a-killed.tmp" "$shared/a-killed"
	fi
	if [ -e "$shared/boot-a" ]; then
		if [ -n "$apid" ] && kill -0 "$apid" 2>/dev/null; then
			:	# wait for it to end
		else
			log "boot-a requested"
			rm -f "$shared/boot-a" "$shared/a-killed"
			[ -z "$apid" ] || wait "$apid" 2>/dev/null || true
			boot_a "$@"
		fi
	fi
	sleep 0.2
done
brc=0
wait $bpid || brc=$?
log "b ended (qemu exit $brc)"
# a ends by itself once b's script has said so; give it a little time.
if [ -n "$apid" ]; then
	i=0
	while kill -0 "$apid" 2>/dev/null && [ $i -lt 150 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	if kill -0 "$apid" 2>/dev/null; then
		pkill -KILL -P "$apid" 2>/dev/null || kill -KILL "$apid" 2>/dev/null || true
		killed_boots="$killed_boots $boot"
		log "a boot $boot still running after b ended: killed"
	fi
	wait "$apid" 2>/dev/null || true
fi
[ "$verbose" = 0 ] || kill "$tailpid" 2>/dev/null || true
trap - INT TERM HUP
secs=$(( $(date +%s) - start ))

if [ "$brc" = 124 ] || [ "$brc" = 137 ]; then
	rc=124
	why="timed out after ${timeout}s"
elif [ -f "$res/b/status" ]; then
	rc=$(cat "$res/b/status")
	why="b: exit $rc"
else
	rc=125
	why="b: no exit status (qemu exit $brc; kernel panic/oops?)"
fi

# A guest that died before its command started: run again (the outer
# run does), keeping these results.
crashed=''
for d in "$res/b" "$res/a1"; do
	[ ! -f "$d/uptime-start" ] || continue
	line=$(grep -m1 -E 'Kernel panic|Oops:|BUG:' "$d/console.log" 2>/dev/null) ||
		continue
	crashed="$crashed ${d##*/}: $line"
done
if [ -n "$crashed" ] && [ "$KISS_VM2_TRY" -lt 3 ]; then
	rm -rf "$res.boot-crash-$KISS_VM2_TRY"
	mv "$res" "$res.boot-crash-$KISS_VM2_TRY"
	echo "vm2: $kver: a guest died while booting (${crashed# }); results kept in $res.boot-crash-$KISS_VM2_TRY; running again" >&2
	exit 75
fi

n=1
while [ $n -le $boot ]; do
	d=$res/a$n
	case " $killed_boots " in
	*" $n "*) ;;
	*)
		if [ "$(cat "$d/status" 2>/dev/null)" != 0 ]; then
			[ "$rc" != 0 ] || rc=1
			why="$why, a boot $n: exit $(cat "$d/status" 2>/dev/null || echo none)"
		fi ;;
	esac
	if ! KISS_VM_ALLOW=$allow "$here/check-log.sh" "$d/console.log" "$d/dmesg.log" >&2; then
		[ "$rc" != 0 ] || rc=1
		why="$why, a boot $n: kernel log has bug reports"
	fi
	n=$((n + 1))
done
if ! KISS_VM_ALLOW=$allow "$here/check-log.sh" "$res/b/console.log" "$res/b/dmesg.log" >&2; then
	[ "$rc" != 0 ] || rc=1
	why="$why, b: kernel log has bug reports"
fi

if [ "$verbose" = 0 ] && [ -f "$res/b/output.log" ]; then
	cat "$res/b/output.log"
fi
if [ "$rc" = 0 ]; then
	echo "vm2: $kver: PASS $what (${secs}s wall, a booted $boot times) results: $res" >&2
else
	for d in "$res/b" "$res/a$boot"; do
		echo "vm2: --- last lines of $d/console.log:" >&2
		tail -n 40 "$d/console.log" >&2 2>/dev/null || true
	done
	# Last, what failed where, with the lines that say why (a log
	# reader that keeps only the end sees this).
	for d in "$res/a"[0-9]* "$res/b"; do
		[ -f "$d/output.log" ] || continue
		grep -q '^not ok' "$d/output.log" || continue
		echo "vm2: --- failed in ${d##*/}:" >&2
		awk '/^not ok/ { n = 45 } n > 0 && (/^not ok/ || /^#/) { print; n-- }' "$d/output.log" >&2
	done
	echo "vm2: $kver: FAIL $what ($why; ${secs}s wall) results: $res" >&2
fi
exit "$rc"
