#!/bin/sh
# run.sh [options] SCRIPT [ARGS...]
#
# Boot a Debian kernel under qemu (TCG) with the host's root file system
# (read-only 9p, tmpfs overlay) as the guest's root, run SCRIPT ARGS in the
# guest as root with cwd = the project directory, and exit with its status.
#
#   -k KVER     kernel release to boot (default: tests/vm/kernels.sh 6.1)
#   -t SECS     wall-clock limit for the whole VM (default 300; 900 on a
#               -kissdebug kernel); qemu is killed when it runs out
#   -m MEM      guest memory (default 2G)
#   -s CPUS     guest CPUs (default 2)
#   -o DIR      results directory (default: a new build/vm/runs/KVER.XXXXXX)
#   -C DIR      cwd for SCRIPT in the guest (default: the project directory)
#   -A REGEX    ignore kernel log lines matching REGEX when scanning for
#               bug reports (repeatable)
#   -L          no kmemleak scan at the end (it runs by default on kernels
#               with kmemleak, i.e. the debug kernel, and costs ~10 s)
#   -a ARGS     extra kernel command line arguments (repeatable)
#   -P          no slub_debug (benchmarks: it saves a stack trace on every
#               slab allocation and free, which is not how kiss is run)
#   -v          copy the guest console to stdout while it runs
#   -q          don't copy SCRIPT's output to stdout when the VM is done
#
# The results directory is shared read-write with the guest, where it is
# /run/vm-results ($VM_RESULTS): console.log (guest serial console),
# output.log (SCRIPT's stdout+stderr), dmesg.log, kmemleak.log (debug
# kernel), status (SCRIPT's exit code), qemu.log, and for a run that
# timed out vcpus.log (where each vCPU was, from qemu's monitor,
# symbolised with what the guest left in kallsyms/). Scripts
# may leave more files there.
#
# Exit status: SCRIPT's status; 1 if it passed but the kernel log has a bug
# report (BUG:, WARNING:, KASAN:, lockdep, hung task, kmemleak, ...: see
# log-patterns); 124 on timeout; 125 if the VM died without a status
# (e.g. oops -> panic) or could not be started. Parallel runs are safe.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${KISS_VM_BUILD:-$root/build/vm}

kver='' timeout='' mem=2G cpus=2 res='' gdir=$root kmemleak=auto extra='' verbose=0 quiet=0 slubdbg=1
allow=${KISS_VM_ALLOW:-}
while getopts k:t:m:s:o:C:A:La:Pvqh opt; do
	case $opt in
	k) kver=$OPTARG ;;
	t) timeout=$OPTARG ;;
	m) mem=$OPTARG ;;
	s) cpus=$OPTARG ;;
	o) res=$OPTARG ;;
	C) gdir=$OPTARG ;;
	A) allow=${allow:+$allow|}$OPTARG ;;
	L) kmemleak=0 ;;
	a) extra="$extra $OPTARG" ;;
	P) slubdbg=0 ;;
	v) verbose=1 ;;
	q) quiet=1 ;;
	h) sed -n '2,/^set -eu/{/^set/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) echo "usage: $0 [-k KVER] [-t SECS] [-m MEM] [-o DIR] [-A REGEX] [-v] SCRIPT [ARGS...] (-h for help)" >&2; exit 125 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "$0: no SCRIPT given (-h for help)" >&2; exit 125; }

die() { echo "vm: $*" >&2; exit 125; }

[ -n "$kver" ] || kver=$("$here/kernels.sh" 6.1)
[ -n "$kver" ] || die "no Debian 6.1 kernel installed (.ci/install-deps)"
kernel=/boot/vmlinuz-$kver
[ -r "$kernel" ] || die "$kernel missing"
case $kver in
*-kissdebug) debug=1 ;;
*) debug=0 ;;
esac
[ -n "$timeout" ] || if [ "$debug" = 1 ]; then timeout=900; else timeout=300; fi
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (.ci/install-deps)"

# SCRIPT: made absolute when it names a file relative to our cwd, so the
# guest (whose cwd is the project directory) finds it too.
script=$1
shift
what="$script${*:+ }$*"
case $script in
/*) ;;
*) if [ -f "$script" ]; then script=$(cd "$(dirname "$script")" && pwd)/$(basename "$script"); fi ;;
esac

for a in "$script" "$@"; do
	case $a in
	/tmp/*|/run/*|/dev/shm/*)
		[ ! -e "$a" ] || echo "vm: warning: $a is on the host's $(echo "$a" | cut -d/ -f2-2 | sed 's|^|/|'), which the guest cannot see (it has its own tmpfs there)" >&2 ;;
	esac
done

mkdir -p "$build/runs"
initrd=$build/initramfs-$kver.cpio
"$here/mkinitramfs.sh" "$kver" "$initrd" || die "mkinitramfs failed"

if [ -n "$res" ]; then
	mkdir -p "$res"
	res=$(cd "$res" && pwd)
	rm -f "$res/status" "$res/rc" "$res/console.log" "$res/output.log" \
		"$res/dmesg.log" "$res/kmemleak.log" "$res/uptime-start" "$res/uptime-end" \
		"$res/vcpus.log"
	rm -rf "$res/kallsyms"
else
	res=$(mktemp -d "$build/runs/$kver.XXXXXX")
	chmod 0755 "$res"
fi

# The guest's command, as sh source (guest-init.sh sources it).
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
	echo "VM_DIR=$(q "$gdir")"
	echo "VM_KMEMLEAK=$kmemleak"
	echo "KISS_VM_ALLOW=$(q "$allow"); export KISS_VM_ALLOW"
	# KISS_QUICK=1: tests do less (the debug kernel is slow).
	echo "KISS_QUICK=$(q "${KISS_QUICK:-0}"); export KISS_QUICK"
	# KISS_TEST_*: settings for the test script, passed through.
	for v in $(env | sed -n 's/^\(KISS_TEST_[A-Z0-9_]*\)=.*/\1/p'); do
		eval "val=\$$v"
		echo "$v=$(q "$val"); export $v"
	done
	# The guest's own watchdog fires before qemu is killed and dumps
	# the blocked tasks, so a hang shows where it hangs.
	echo "VM_WATCHDOG=$((timeout > 120 ? timeout - 60 : timeout / 2))"
	printf 'set --'
	printf ' %s' "$(q "$script")"
	for a in "$@"; do printf ' %s' "$(q "$a")"; done
	echo
} > "$res/cmd"

# oops=panic + panic=-1: an oops ends the VM (reboot, and -no-reboot makes
# qemu exit) instead of leaving a half-dead kernel running into the
# timeout. Warnings do not panic (panic_on_warn=0): the test goes on and
# the log scan below fails the run.
append="console=ttyS0,115200 printk.time=1 oops=panic panic=-1 panic_on_warn=0"
# acpi=noirq: probing ACPI PCI interrupt links costs seconds under TCG
# (~3.5 s of a 6.5 s boot on 6.1; the debug kernel has it built in).
append="$append mitigations=off random.trust_cpu=on"
[ "$debug" = 1 ] || append="$append acpi=noirq"
# slub_debug: KASAN does the slab checking on the debug kernel.
[ "$debug" = 1 ] || [ "$slubdbg" = 0 ] || append="$append slub_debug=FZPU"
append="$append$extra"

if [ "$verbose" = 1 ]; then
	con="stdio,id=con,signal=off,logfile=$res/console.log"
else
	con="file,id=con,path=$res/console.log"
fi

# la57=off: with 5-level paging (which -cpu max offers) the KASAN kernel
# intermittently reports a "wild-memory-access" in handle_edge_irq at
# boot (an interrupt during identify_cpu), which switches lockdep off for
# the rest of the run; 4-level paging is also what most servers run and
# cheaper to emulate. KISS_VM_CPU overrides the model.
cpu=${KISS_VM_CPU:-max,la57=off}

# A guest that has not started its command after this long hung while
# booting: seen with the debug kernel under TCG on a loaded host, stuck
# for good after "Running RCU-tasks wait API self tests", before any kiss
# code runs.  It is killed and booted again, at most twice.  A guest that
# died while booting is booted again the same way: seen once in CI on 6.12,
# "Oops: int3" on both vCPUs at 2.7 s, while the kernel patched its
# sched_clock static key (multi-threaded TCG running a stale int3 after
# text_poke_bp() had finished).  kiss is loaded by the command, never
# before it starts, so neither case involves kiss code.
if [ "$debug" = 1 ]; then boot_limit=420; else boot_limit=180; fi

# qemu's monitor socket: in a short directory of its own (a unix socket's
# path has at most 107 bytes; $res can be longer).
mondir=$(mktemp -d /tmp/kiss-vm-mon.XXXXXX)
qpid='' wpid=''

stop_watch() {
	[ -n "$wpid" ] || return 0
	kill "$wpid" 2>/dev/null || true
	wait "$wpid" 2>/dev/null || true
}

boot_vm() {
	stop_watch	# an earlier boot's
	rm -f "$mondir/sock"
	# -nodefaults: no NIC (the guest has only lo), no VGA; the monitor
	# only on a unix socket, for watch_vcpus.
	timeout -k 10 "$timeout" qemu-system-x86_64 \
		-name "kiss-vm-$kver" \
		-accel tcg,thread=multi -cpu "$cpu" -smp "$cpus" -m "$mem" \
		-nodefaults -no-user-config -display none -no-reboot \
		-chardev "$con" -serial chardev:con \
		-monitor "unix:$mondir/sock,server=on,wait=off" \
		-kernel "$kernel" -initrd "$initrd" -append "$append" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$res,mount_tag=results,security_model=none,multidevs=remap" \
		</dev/null 2>"$res/qemu.log" &
	qpid=$!
	watch_vcpus </dev/null >/dev/null 2>&1 &
	wpid=$!
}

# Just before the limit: where the vCPUs are, through qemu's monitor, for
# a guest too stuck to dump its own tasks (its watchdog prints nothing
# when both vCPUs spin with interrupts off).  vcpus.py pauses the guest
# for the dump and lets it run on after.
watch_vcpus() {
	lead=15
	[ "$timeout" -gt 60 ] || lead=$((timeout / 4))
	[ "$lead" -gt 0 ] || exit 0
	trap 'kill ${sp:-} 2>/dev/null; exit 0' TERM
	sleep $((timeout - lead)) &
	sp=$!
	wait "$sp"
	kill -0 $qpid 2>/dev/null || exit 0
	python3 "$here/vcpus.py" "$mondir/sock" "/boot/System.map-$kver" \
		"$res/kallsyms" > "$res/vcpus.log" 2>&1
}

start=$(date +%s)
trap 'kill $wpid 2>/dev/null; kill -TERM $qpid 2>/dev/null; wait $qpid 2>/dev/null; rm -rf "$mondir"; echo "vm: interrupted; logs in $res" >&2; exit 130' INT TERM HUP
tries=0
qrc=
while :; do
	tries=$((tries + 1))
	boot_vm
	waited=0
	while [ ! -f "$res/uptime-start" ] && [ $waited -lt $boot_limit ] &&
	      kill -0 $qpid 2>/dev/null; do
		sleep 2
		waited=$((waited + 2))
	done
	if [ -f "$res/uptime-start" ] || [ $tries -ge 3 ]; then
		break
	fi
	if kill -0 $qpid 2>/dev/null; then
		echo "vm: $kver: guest not up after ${boot_limit}s, last console line: $(tail -n 1 "$res/console.log" 2>/dev/null); booting again" >&2
		kill -TERM $qpid 2>/dev/null
		wait $qpid 2>/dev/null
		mv "$res/console.log" "$res/console.boot-hang-$tries.log" 2>/dev/null
		continue
	fi
	qrc=0
	wait "$qpid" || qrc=$?
	# qemu exited: a guest that never started its command died booting,
	# unless it wrote its results (then it ran, however briefly).
	if [ -f "$res/status" ] || [ -f "$res/uptime-start" ] ||
	   ! grep -qE 'Kernel panic|Oops:|BUG:' "$res/console.log" 2>/dev/null; then
		break
	fi
	echo "vm: $kver: guest died while booting ($(grep -m1 -E 'Oops:|BUG:|Kernel panic' "$res/console.log")); console kept as console.boot-crash-$tries.log; booting again" >&2
	mv "$res/console.log" "$res/console.boot-crash-$tries.log" 2>/dev/null
	qrc=
done
if [ -z "$qrc" ]; then
	qrc=0
	wait "$qpid" || qrc=$?
fi
stop_watch
rm -rf "$mondir"
trap - INT TERM HUP
secs=$(( $(date +%s) - start ))

boot=$(cat "$res/uptime-start" 2>/dev/null || echo '?')
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	rc=124
	why="timed out after ${timeout}s"
elif [ -f "$res/status" ]; then
	rc=$(cat "$res/status")
	why="exit $rc"
else
	rc=125
	why="no exit status from the guest (qemu exit $qrc; kernel panic/oops?)"
fi

if ! KISS_VM_ALLOW=$allow "$here/check-log.sh" "$res/console.log" "$res/dmesg.log" >&2; then
	[ "$rc" != 0 ] || rc=1
	why="$why, kernel log has bug reports"
fi
if [ -s "$res/kmemleak.log" ]; then
	echo "vm: kmemleak reports leaks (first lines):" >&2
	head -n 20 "$res/kmemleak.log" | sed 's/^/  /' >&2
	[ "$rc" != 0 ] || rc=1
	why="$why, kmemleak found leaks"
fi

if [ "$quiet" = 0 ] && [ "$verbose" = 0 ] && [ -f "$res/output.log" ]; then
	cat "$res/output.log"
fi
if [ "$rc" = 0 ]; then
	echo "vm: $kver: PASS $what (${secs}s wall, guest up at ${boot}s) results: $res" >&2
else
	if [ -s "$res/qemu.log" ]; then
		echo "vm: --- qemu stderr:" >&2
		grep -v 'TCG doesn.t support requested feature' "$res/qemu.log" | tail -n 10 >&2 || true
	fi
	if [ "$rc" = 124 ] || [ "$rc" = 125 ]; then
		echo "vm: --- last lines of the guest console:" >&2
		tail -n 60 "$res/console.log" >&2 || true
		if [ -s "$res/vcpus.log" ]; then
			echo "vm: --- the vCPUs just before the limit (tests/vm/vcpus.py):" >&2
			head -n 80 "$res/vcpus.log" >&2
		fi
	fi
	echo "vm: $kver: FAIL $what ($why; ${secs}s wall) console: $res/console.log" >&2
fi
exit "$rc"
