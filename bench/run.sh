#!/bin/sh
# bench/run.sh: kiss against LIO and the raw null_blk device, in one VM
# (`make bench`).  See bench/README.md.
#
# Environment:
#   BENCH_KVER      kernel to boot: 6.1 (default), 6.12 or a full release
#   BENCH_RUNTIME   seconds per fio run (default 10)
#   BENCH_ROUNDS    rounds, targets alternating per job (default 3; 0: only
#                   the profile)
#   BENCH_JOBS      subset of: rr4k-qd1 rr4k-qd32 rw4k-qd1 rw4k-qd32
#                   sr128k-qd8 sw128k-qd8 scale lib-rr4k-qd32 (default:
#                   all; lib-*: libiscsi's iscsi-perf as the initiator)
#   BENCH_SESSIONS  sessions per target for "scale" (default 16)
#   BENCH_PERF      1 (default) / 0: perf profile (128k seq read/write at
#                   QD8, 4k random read/write at QD1, iscsi-perf's 4k random
#                   read at QD32)
#   BENCH_PERF_JOBS the profiled jobs as NAME:RW:BS:QD (fio's rw, bs and
#                   iodepth), e.g. "rw4kqd32:randwrite:4k:32"; RW "lib":
#                   libiscsi's iscsi-perf, random READ(16)
#   BENCH_PERF_KEEP 1: keep the guest's perf.data and kallsyms in the
#                   results directory, for other perf reports on the host
#   BENCH_SRC       source tree to build kiss and kissctl from: a directory
#                   (default: this project's work tree) or HEAD (the last
#                   commit, exported with git archive)
#   BENCH_TIMEOUT   VM wall-clock limit in seconds (default: from the above)
#
# Output: the table on stdout and in bench/results/TIMESTAMP-KVER.txt; the
# VM's results directory (fio JSON, /proc snapshots, negotiated
# parameters, perf reports, logs) in bench/results/TIMESTAMP-KVER/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

kv=${BENCH_KVER:-6.1}
case $kv in
6.1|6.12|debug) kver=$(tests/vm/kernels.sh "$kv") ;;
*) kver=$kv ;;
esac
[ -n "$kver" ] || { echo "bench: no $kv kernel installed (.ci/install-deps)" >&2; exit 1; }
for c in targetcli fio iscsiadm qemu-system-x86_64 dbus-daemon python3; do
	command -v $c >/dev/null || { echo "bench: $c missing (.ci/install-deps)" >&2; exit 1; }
done

rt=${BENCH_RUNTIME:-10}
rounds=${BENCH_ROUNDS:-3}
jobs=${BENCH_JOBS:-rr4k-qd1 rr4k-qd32 rw4k-qd1 rw4k-qd32 sr128k-qd8 sw128k-qd8 scale lib-rr4k-qd32}
nsess=${BENCH_SESSIONS:-16}
perf=${BENCH_PERF:-1}
njobs=$(echo "$jobs" | wc -w)
# A run costs its runtime plus 8 s (idle host) to 20 s (host CPUs busy
# with other VMs) of fio start-up (the dynamic linking of fio's ~60
# libraries under TCG) and snapshots; setup (targetcli, 2 x nsess logins)
# takes 3 to 9 min, perf minutes to start.  The limit allows for a busy host.
timeout=${BENCH_TIMEOUT:-$(( rounds * njobs * 3 * (rt + 25) + 4 * (rt + 60) + 20 * nsess + 900 ))}

# What to build from.
src=${BENCH_SRC:-$root}
if [ "$src" = HEAD ]; then
	src=$root/build/bench/src
	rm -rf "$src"
	mkdir -p "$src"
	# -m: the files get the time of this extraction, newer than any
	# object built from an earlier one (kbuild goes by mtimes)
	git -C "$root" archive HEAD | tar -xm -C "$src"
	echo "bench: building kiss and kissctl from HEAD ($(git -C "$root" rev-parse --short HEAD))" >&2
fi
src=$(cd "$src" && pwd)
KISS_SRC=$src tests/vm/build-module.sh "$kver" "build/bench/kmod-$kver"
make -s -C "$src/userspace" >&2
mkdir -p build/bench
cp "$src/userspace/kissctl" build/bench/kissctl

ts=$(date +%Y%m%d-%H%M%S)
res=bench/results/$ts-$kver
mkdir -p "$res"
{
	echo "date=$(date -Is)"
	echo "host=$(uname -n) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
	if [ "$src" = "$root" ]; then
		echo "commit=$(git rev-parse HEAD)$(git diff --quiet HEAD -- kernel userspace 2>/dev/null || echo ' + uncommitted changes in kernel/ or userspace/')"
	else
		echo "commit=$(git -C "$src" rev-parse HEAD 2>/dev/null || echo "none, $src is not a git tree") (kiss built from $src)"
	fi
	echo "src=$src"
} > "$res/host-meta"
cat "$res/host-meta" >&2
echo "bench: $kver, ${rt}s x $njobs jobs x 3 targets x $rounds rounds, VM limit ${timeout}s; results in $res" >&2

rc=0
# tsc=reliable: under TCG about half the boots find the vCPUs' TSCs
# "unsynchronized" and fall back to the HPET, whose every read (TCP reads
# the clock per segment) is an emulated MMIO access: runs would differ by
# which clock they drew.  A server reads the TSC; so does the bench.
tests/vm/run.sh -q -P -a tsc=reliable -k "$kver" -t "$timeout" -m 2G -s 2 -o "$res" \
	"$here/guest.sh" "build/bench/kmod-$kver/kiss.ko" build/bench/kissctl \
	BENCH_RUNTIME="$rt" BENCH_ROUNDS="$rounds" BENCH_JOBS="$jobs" \
	BENCH_SESSIONS="$nsess" BENCH_PERF="$perf" \
	${BENCH_PERF_JOBS:+BENCH_PERF_JOBS="$BENCH_PERF_JOBS"} \
	${BENCH_PERF_KEEP:+BENCH_PERF_KEEP="$BENCH_PERF_KEEP"} || rc=$?

# The guest's log (setup, negotiated parameters, profiles), then the table.
if [ -f "$res/output.log" ]; then
	cp "$res/output.log" "$res.log"
	cat "$res/output.log"
fi
if ls "$res"/bench/raw/*.json >/dev/null 2>&1 || ls "$res"/bench/perf-*.txt >/dev/null 2>&1; then
	{
		echo
		sed 's/^/# /' "$res/host-meta"
		python3 "$here/report.py" "$res"
	} > "$res.txt"
	echo
	cat "$res.txt"
	echo "bench: table in $res.txt, raw data in $res/" >&2
fi
[ "$rc" = 0 ] || echo "bench: the VM run failed (exit $rc): see $res/console.log" >&2
exit "$rc"
