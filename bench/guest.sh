#!/bin/bash
# guest.sh KISS_KO KISSCTL [BENCH_VAR=VALUE...]
#   (in the guest, started by bench/run.sh through tests/vm/run.sh)
#
# kiss against LIO on the same kind of null_blk device, over loopback with
# the open-iscsi kernel initiator, plus the raw device as the ceiling.
# Leaves everything in $VM_RESULTS/bench/: fio JSON and /proc snapshots of
# every run, negotiated parameters, the perf profiles; bench/report.py
# (run on the host by bench/run.sh) turns them into the table.
#
# Settings (bench/run.sh passes them as arguments):
#   BENCH_RUNTIME   seconds per fio run (default 10)
#   BENCH_ROUNDS    rounds (default 3)
#   BENCH_JOBS      jobs to run (default: all, see JOBS below; lib-* jobs
#                   use libiscsi's iscsi-perf as the initiator, no raw run)
#   BENCH_SESSIONS  sessions per target for the "scale" job (default 16)
#   BENCH_PERF      1 (default): perf profile of the jobs below
#   BENCH_PERF_JOBS the profiled jobs, NAME:RW:BS:QD ... (default: 128k seq
#                   read and write at QD8, 4k random read and write at QD1,
#                   iscsi-perf's 4k at QD32; RW "lib": iscsi-perf's random
#                   READ(16) instead of fio)
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=../tests/vm/lib.sh
. "$root/tests/vm/lib.sh"

ko=${1:?usage: $0 KISS_KO KISSCTL [BENCH_VAR=VALUE...]}
KISSCTL=${2:?usage: $0 KISS_KO KISSCTL [BENCH_VAR=VALUE...]}
shift 2
for a in "$@"; do
	case $a in
	BENCH_*=*) export "${a%%=*}=${a#*=}" ;;
	*) echo "bench: ignoring argument $a" >&2 ;;
	esac
done
RT=${BENCH_RUNTIME:-10}
ROUNDS=${BENCH_ROUNDS:-3}
NSESS=${BENCH_SESSIONS:-16}
PERF=${BENCH_PERF:-1}
JOBS=${BENCH_JOBS:-rr4k-qd1 rr4k-qd32 rw4k-qd1 rw4k-qd32 sr128k-qd8 sw128k-qd8 scale lib-rr4k-qd32}
OUT=${VM_RESULTS:-/tmp}/bench
RAW=$OUT/raw
mkdir -p "$RAW"

TK=iqn.2026-11.org.kiss:bench       # kiss, 127.0.0.1:3260
TL=iqn.2003-01.org.linux-iscsi:bench # LIO, 127.0.0.1:3261
I=iqn.1993-08.org.debian:01:bench
# libiscsi's iscsi-perf (lib-* jobs).  targetcli refuses an iqn whose
# naming authority is a single label ("WWN not valid"), hence the "org.".
ILIB=iqn.2010-11.org.libiscsi:bench
PK=127.0.0.1:3260
PL=127.0.0.1:3261

say() { printf '\n### [%4.0fs] %s\n' "$(cut -d' ' -f1 /proc/uptime)" "$*"; }
run() { echo "# $*"; "$@"; }
die() { echo "bench: $*" >&2; exit 1; }
now() { cut -d' ' -f1 /proc/uptime; }
t0=$(now)

echo "kernel=$(uname -r)" > "$OUT/meta"
{
	echo "runtime=$RT"
	echo "rounds=$ROUNDS"
	echo "sessions=$NSESS"
	echo "jobs=$JOBS"
	echo "cpus=$(nproc)"
	echo "fio=$(fio --version)"
	echo "iscsiadm=$(iscsiadm --version 2>&1 | head -n 1)"
	echo "targetcli=$(dpkg-query -W -f '${Version}' targetcli-fb 2>/dev/null)"
} >> "$OUT/meta"

# perf: started now with its events disabled (it takes minutes to start
# under TCG), enabled through its control FIFO around the profiled runs at
# the end.  Sample times are CLOCK_MONOTONIC, which /proc/uptime matches.
perf_pid=
if [ "$PERF" = 1 ]; then
	if perf version >/dev/null 2>&1; then
		echo -1 > /proc/sys/kernel/perf_event_paranoid
		echo 0 > /proc/sys/kernel/kptr_restrict
		rm -f /tmp/perf.ctl /tmp/perf.ack
		mkfifo /tmp/perf.ctl /tmp/perf.ack
		# -g: the call chains say whose copy a memcpy in a target
		# thread is (loopback runs the initiator's receive there).
		perf record -B -N --no-bpf-event -e cpu-clock -F 999 -a -g -k mono -D -1 \
			--control fifo:/tmp/perf.ctl,/tmp/perf.ack -o /tmp/perf.data \
			> /tmp/perf.log 2>&1 &
		perf_pid=$!
		exec 8<>/tmp/perf.ctl 7<>/tmp/perf.ack
		echo "perf=$(perf version)" >> "$OUT/meta"
	else
		echo "bench: no usable perf for $(uname -r): profile skipped" | tee "$OUT/perf.skipped"
	fi
fi

say "null_blk"
# Not memory backed (no data is kept: reads return whatever, writes are
# dropped), completions in softirq (irqmode=1, the default), one hardware
# queue per CPU.  Two identical devices: nullb0 for kiss and the raw runs,
# nullb1 for LIO, unless LIO can share nullb0 with kiss (checked below).
# max_sectors=2048: 1 MiB requests (the default, 255 sectors, makes LIO
# advertise 124 KiB transfers and split every 128k I/O in two).
run modprobe null_blk nr_devices=2 gb=1 bs=512 queue_mode=2 irqmode=1 \
	submit_queues="$(nproc)" hw_queue_depth=256 memory_backed=0 max_sectors=2048 ||
	die "modprobe null_blk failed"
for d in nullb0 nullb1; do
	[ -b /dev/$d ] || die "/dev/$d missing"
	echo none > /sys/block/$d/queue/scheduler 2>/dev/null
	echo "$d: $(cat /sys/block/$d/size) sectors of $(cat /sys/block/$d/queue/logical_block_size) B, scheduler $(cat /sys/block/$d/queue/scheduler), nr_hw_queues $(find /sys/block/$d/mq -mindepth 1 -maxdepth 1 | wc -l), max_sectors_kb $(cat /sys/block/$d/queue/max_sectors_kb)"
done
grep -H . /sys/module/null_blk/parameters/{irqmode,queue_mode,submit_queues,hw_queue_depth,memory_backed,bs,gb,max_sectors} 2>/dev/null |
	sed 's|/sys/module/null_blk/parameters/|null_blk.|'

say "kiss on $PK"
kiss_load "$ko" || die "cannot load $ko"
run "$KISSCTL" target add "$TK" --portal "$PK" || die "kissctl target add"
run "$KISSCTL" target set "$TK" ImmediateData=Yes InitialR2T=No \
	FirstBurstLength=65536 MaxBurstLength=1048576 \
	MaxRecvDataSegmentLength=262144 QueueDepth=128 || die "kissctl target set"
run "$KISSCTL" lun add "$TK" 0 /dev/nullb0 || die "kissctl lun add"
run "$KISSCTL" acl add "$TK" "$I" || die "kissctl acl add"
run "$KISSCTL" acl add "$TK" "$ILIB" || die "kissctl acl add"
run "$KISSCTL" target get "$TK"

say "LIO on $PL (targetcli-fb)"
mkdir -p /run/dbus /etc/rtslib-fb-target/pr /etc/target
dbus-daemon --system --fork || echo "bench: dbus-daemon failed (targetcli may complain)"
run modprobe -a configfs target_core_mod target_core_iblock iscsi_target_mod crc32c ||
	die "cannot load LIO"
mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
# targetcli: each invocation costs ~20 s of Python start-up here, so the
# commands go in two batches through its interactive shell on stdin.
tcli() {
	printf '%s\n' "$@" | sed 's/^/# targetcli> /'
	printf '%s\n' "$@" exit | targetcli 2>&1 | grep -v '^targetcli shell\|^Copyright\|^For help\|^$' |
		sed 's/^\/> //'
}
tpg=/iscsi/$TL/tpg1
# Can LIO's iblock backstore open the device kiss has?  (Both open it
# exclusively, so this is expected to fail; then LIO gets nullb1.)
tcli "set global auto_save_on_exit=false auto_add_default_portal=false auto_cd_after_create=false" \
	"/backstores/block create name=nb dev=/dev/nullb0"
if grep -qs 1 /sys/kernel/config/target/core/iblock_*/nb/enable; then
	echo "bench: LIO's iblock backstore opened /dev/nullb0 while kiss holds it: both targets serve nullb0"
	echo "shared_device=yes" >> "$OUT/meta"
	lio_dev=/dev/nullb0
	first=
else
	echo "bench: LIO's iblock backstore cannot open /dev/nullb0 while kiss holds it (both open it exclusively); LIO serves /dev/nullb1 (same null_blk configuration)"
	echo "shared_device=no" >> "$OUT/meta"
	lio_dev=/dev/nullb1
	first="/backstores/block create name=nb dev=$lio_dev"
fi
echo "lio_dev=$lio_dev" >> "$OUT/meta"
echo "kiss_dev=/dev/nullb0" >> "$OUT/meta"
[ -z "$first" ] || targetcli /backstores/block delete nb >/dev/null 2>&1 || true
# shellcheck disable=SC2086 # $first is empty or one command
tcli ${first:+"$first"} \
	"/iscsi create $TL" \
	"$tpg/portals create 127.0.0.1 3261" \
	"$tpg/luns create /backstores/block/nb" \
	"$tpg set attribute authentication=0 default_cmdsn_depth=128 demo_mode_write_protect=0" \
	"$tpg set parameter ImmediateData=Yes InitialR2T=No FirstBurstLength=65536 MaxBurstLength=1048576 MaxRecvDataSegmentLength=262144 MaxXmitDataSegmentLength=262144" \
	"$tpg/acls create $I" \
	"$tpg/acls create $ILIB" \
	"ls /"
cfs=/sys/kernel/config/target/iscsi/$TL/tpgt_1
for p in ImmediateData InitialR2T FirstBurstLength MaxBurstLength MaxRecvDataSegmentLength MaxXmitDataSegmentLength MaxOutstandingR2T; do
	echo "LIO tpg param $p=$(cat "$cfs/param/$p" 2>/dev/null)"
done
echo "LIO tpg default_cmdsn_depth=$(cat "$cfs/attrib/default_cmdsn_depth" 2>/dev/null) acl cmdsn_depth=$(cat "$cfs/acls/$I/cmdsn_depth" 2>/dev/null)"

say "open-iscsi: $NSESS sessions to each target"
iscsid_start "$I"
# disks T: the /dev/sdX of every session to T, one per line.
disks() {
	iscsiadm -m session -P 3 2>/dev/null |
		awk -v t="$1" '/^Target: /{ok = ($2 == t)} ok && /Attached scsi disk/ {print "/dev/" $4}'
}
login() {	# IQN PORTAL
	local t=$1 p=$2 o i n
	iscsiadm -m discovery -t st -p "$p" >/dev/null || return 1
	for o in node.session.iscsi.InitialR2T=No node.session.iscsi.ImmediateData=Yes \
		node.session.iscsi.FirstBurstLength=65536 \
		node.session.iscsi.MaxBurstLength=1048576 \
		'node.conn[0].iscsi.MaxRecvDataSegmentLength=262144' \
		node.session.cmds_max=256 node.session.queue_depth=128 \
		"node.session.nr_sessions=$NSESS"; do
		iscsiadm -m node -T "$t" -p "$p" -o update -n "${o%%=*}" -v "${o#*=}" || return 1
	done
	iscsiadm -m node -T "$t" -p "$p" --login >/dev/null || return 1
	for i in $(seq 1 300); do
		n=$(disks "$t" | while read -r d; do [ -b "$d" ] && echo "$d"; done | wc -l)
		[ "$n" -ge "$NSESS" ] && return 0
		sleep 0.2
	done
	echo "bench: only $n of $NSESS disks of $t appeared" >&2
	return 1
}
login "$TK" "$PK" || die "login to kiss failed"
login "$TL" "$PL" || die "login to LIO failed"
for t in "$TK" "$TL"; do
	for d in $(disks "$t"); do
		b=${d#/dev/}
		echo none > "/sys/block/$b/queue/scheduler"
	done
done
disks "$TK" > "$OUT/disks.kiss"
disks "$TL" > "$OUT/disks.lio"
dk=$(head -n 1 "$OUT/disks.kiss")
dl=$(head -n 1 "$OUT/disks.lio")
echo "kiss disks: $(tr '\n' ' ' < "$OUT/disks.kiss")"
echo "LIO disks:  $(tr '\n' ' ' < "$OUT/disks.lio")"
for d in "$dk" "$dl"; do
	b=/sys/block/${d#/dev/}
	echo "$d: $(cat $b/size) sectors, scheduler $(cat $b/queue/scheduler), device queue_depth $(cat $b/device/queue_depth), max_sectors_kb $(cat $b/queue/max_sectors_kb)"
done

say "negotiated: kiss (kissctl session list, first 2 of $NSESS)"
"$KISSCTL" session list "$TK" | tee "$OUT/negotiated.kiss" | head -n 3
say "negotiated: both, as the initiator sees them (iscsiadm -m session -P 3, first session)"
iscsiadm -m session -P 3 > "$OUT/sessions.txt" 2>&1
for t in "$TK" "$TL"; do
	echo "-- $t"
	awk -v t="$t" '/^Target: /{ok = ($2 == t); n += ok}
		ok && n == 1 && /Negotiated iSCSI params/ {p = 1; next}
		p && /: / {print; seen = 1; next}
		p && seen && /\*\*\*/ {exit}' "$OUT/sessions.txt"
done | tee "$OUT/negotiated.txt"
echo "-- LIO session (configfs)"
head -n 12 "$cfs/acls/$I/info" 2>/dev/null
echo "-- device queue depth (sd), host can_queue"
for d in "$dk" "$dl"; do
	b=/sys/block/${d#/dev/}
	echo "$d: queue_depth $(cat "$b/device/queue_depth"), can_queue $(cat "$b"/device/../../../scsi_host/host*/can_queue 2>/dev/null)"
done

# ---------------------------------------------------------------- runs
# snap FILE: every task's /proc/PID/stat, /proc/stat and the TCP counters
# (parsed by report.py)
snap() {
	{
		echo "@uptime $(cut -d' ' -f1 /proc/uptime)"
		echo "@stat"
		grep '^cpu' /proc/stat
		echo "@blk"
		grep -H . /sys/block/nullb*/stat
		echo "@net"
		grep -h -e '^Tcp:' -e '^TcpExt:' /proc/net/snmp /proc/net/netstat
		echo "@tasks"
		cat /proc/[0-9]*/stat 2>/dev/null
		echo
	} > "$1"
}

# fio_args JOB TARGET: the fio command line (after the common options)
fio_args() {
	local job=$1 tgt=$2 dev i
	case $tgt in
	kiss) dev=$dk ;;
	lio) dev=$dl ;;
	raw) dev=/dev/nullb0 ;;
	esac
	case $job in
	rr4k-qd1) echo "--name=$job --filename=$dev --rw=randread --bs=4k --iodepth=1" ;;
	rr4k-qd32) echo "--name=$job --filename=$dev --rw=randread --bs=4k --iodepth=32" ;;
	rw4k-qd1) echo "--name=$job --filename=$dev --rw=randwrite --bs=4k --iodepth=1" ;;
	rw4k-qd32) echo "--name=$job --filename=$dev --rw=randwrite --bs=4k --iodepth=32" ;;
	sr128k-qd8) echo "--name=$job --filename=$dev --rw=read --bs=128k --iodepth=8" ;;
	sw128k-qd8) echo "--name=$job --filename=$dev --rw=write --bs=128k --iodepth=8" ;;
	scale)
		# One fio job per session (its own /dev/sdX), QD32 each;
		# raw: as many jobs on the null_blk device.
		echo "--rw=randread --bs=4k --iodepth=32"
		if [ "$tgt" = raw ]; then
			for i in $(seq 1 "$NSESS"); do echo "--name=scale$i --filename=$dev"; done
		else
			if [ "$tgt" = kiss ]; then f=$OUT/disks.kiss; else f=$OUT/disks.lio; fi
			i=0
			while read -r d; do
				i=$((i + 1))
				echo "--name=scale$i --filename=$d"
			done < "$f"
		fi
		;;
	*) return 1 ;;
	esac
}

fio_common="--direct=1 --ioengine=libaio --time_based --runtime=$RT --norandommap --randrepeat=0 --group_reporting --lat_percentiles=1 --output-format=json"

# lib_args TARGET QD BYTES: iscsi-perf's arguments for random READ(16)s of
# BYTES each, QD in flight, against TARGET (kiss or lio)
lib_args() {
	local url
	case $1 in
	kiss) url=iscsi://$PK/$TK/0 ;;
	*) url=iscsi://$PL/$TL/0 ;;
	esac
	echo "-i $ILIB -r -m $2 -b $(($3 / $(cat /sys/block/nullb0/queue/logical_block_size))) $url"
}

# lib ROUND JOB TARGET: a lib-* job, with libiscsi's iscsi-perf as the
# initiator (READ(16) only; -r random, -m commands in flight, -b blocks per
# command).  iscsi-perf makes its own session, so the target's threads for
# it live only while it runs: the snapshots are taken inside its run, after
# its first second of I/O and $RT s apart, and report.py counts the I/Os
# in that window on the device (/sys/block/nullbN/stat).  It has no
# latency figures, and no raw run.
lib() {
	local r=$1 job=$2 tgt=$3 base args pid i
	base=$RAW/r$r-$job-$tgt
	case $tgt in kiss | lio) ;; *) return 0 ;; esac
	case $job in
	lib-rr4k-qd32) args=$(lib_args "$tgt" 32 4096) ;;
	*) echo "bench: unknown job $job" >&2; return 1 ;;
	esac
	# shellcheck disable=SC2086 # the argument list is split on purpose
	iscsi-perf $args > "$base.out" 2>&1 &
	pid=$!
	# "iops current" comes after a second of I/O
	for i in $(seq 1 60); do
		grep -qs 'iops current' "$base.out" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 1
	done
	if grep -qs 'iops current' "$base.out"; then
		snap "$base.before"
		sleep "$RT"
		snap "$base.after"
	fi
	kill -INT "$pid" 2>/dev/null
	wait "$pid"
	local rc=$?
	tr '\r' '\n' < "$base.out" > "$base.libiscsi"
	rm -f "$base.out"
	printf '  [%4.0fs] round %s %-13s %-5s %s\n' "$(now)" "$r" "$job" "$tgt" \
		"$([ -e "$base.after" ] && grep -o 'iops average [0-9]* ([0-9]* MB/s)' "$base.libiscsi" | tail -n 1 | grep . ||
			echo "iscsi-perf failed (rc $rc): $(grep -v '^ *$' "$base.libiscsi" | tail -n 1)")"
}

# one ROUND JOB TARGET
one() {
	local r=$1 job=$2 tgt=$3 base
	case $job in lib-*) lib "$@"; return ;; esac
	base=$RAW/r$r-$job-$tgt
	snap "$base.before"
	# shellcheck disable=SC2046,SC2086 # the option lists are split on purpose
	fio $fio_common --output="$base.json" $(fio_args "$job" "$tgt") 2> "$base.err"
	local rc=$?
	snap "$base.after"
	[ -s "$base.err" ] || rm -f "$base.err"
	printf '  [%4.0fs] round %s %-11s %-5s %s\n' "$(cut -d' ' -f1 /proc/uptime)" "$r" "$job" "$tgt" \
		"$(sed -n '/^{/,$p' "$base.json" | jq -r '.jobs[0] | "\(.read.iops + .write.iops | floor) IOPS \((.read.bw_bytes + .write.bw_bytes) / 1e5 | floor / 10) MB/s"' 2>/dev/null ||
			echo "fio failed (rc $rc)")"
}

say "runs: $ROUNDS rounds x ($JOBS) x (kiss lio raw), ${RT}s each"
for r in $(seq 1 "$ROUNDS"); do
	case $(( (r - 1) % 3 )) in
	0) order="kiss lio raw" ;;
	1) order="lio raw kiss" ;;
	2) order="raw kiss lio" ;;
	esac
	for job in $JOBS; do
		for tgt in $order; do
			one "$r" "$job" "$tgt"
		done
	done
done
echo "runs done after $(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.0f", b - a}') s"

# ---------------------------------------------------------------- perf
# The functions that name an area of a thread's time: report.py keeps
# the list, and maps what perf finds back to the areas.
PERF_AREAS=$(python3 "$here/report.py" --areas-regex)
# perfctl CMD: send enable/disable to perf record and wait for its ack.
perfctl() {
	echo "$1" >&8
	local a
	read -r -t 30 a <&7 || return 1
}
if [ -n "$perf_pid" ]; then
	say "perf: cpu-clock, all CPUs, during 128k seq read and write (${RT}s each)"
	ok=0
	for _ in $(seq 1 600); do
		grep -q 'Events disabled' /tmp/perf.log 2>/dev/null && { ok=1; break; }
		kill -0 "$perf_pid" 2>/dev/null || break
		sleep 1
	done
	if [ $ok = 0 ]; then
		echo "bench: perf record did not start: profile skipped" | tee "$OUT/perf.skipped"
		cat /tmp/perf.log
		kill -INT "$perf_pid" 2>/dev/null
	else
		: > "$OUT/perf.segments"
		for tgt in kiss lio; do
			# NAME:RW:BS:QD
			for pj in ${BENCH_PERF_JOBS:-seqread:read:128k:8 seqwrite:write:128k:8 rr4kqd1:randread:4k:1 rw4kqd1:randwrite:4k:1 librr4kqd32:lib:4k:32}; do
				IFS=: read -r name rw bs qd <<< "$pj"
				[ $tgt = kiss ] && echo "$name $rw $bs $qd" >> "$OUT/perf.jobs"
				if [ "$rw" = lib ]; then
					# libiscsi's iscsi-perf: random READ(16), $qd in flight
					# shellcheck disable=SC2046 # split on purpose
					iscsi-perf $(lib_args $tgt "$qd" "$(numfmt --from=iec "${bs^^}")") \
						> "$OUT/perf-$tgt-$name.libiscsi" 2>&1 &
				else
					if [ $tgt = kiss ]; then dev=$dk; else dev=$dl; fi
					fio --direct=1 --ioengine=libaio --time_based --runtime=$((RT + 6)) \
						--name=perf --filename="$dev" --rw=$rw --bs=$bs --iodepth=$qd \
						--norandommap --output=/dev/null &
				fi
				fp=$!
				sleep 4
				# I/Os the device completed in the window (stat fields
				# 1 and 5: reads, writes), so that shares become per I/O
				if [ $tgt = kiss ]; then nb=/dev/nullb0; else nb=$lio_dev; fi
				ios0=$(awk '{print $1 + $5}' "/sys/block/${nb#/dev/}/stat")
				perfctl enable
				a=$(cut -d' ' -f1 /proc/uptime)
				# thread names by TID: perf misses some kernel threads'
				# (report.py, thread_names())
				ps -eLo tid=,comm= > "$OUT/perf-$tgt-$name.comms"
				sleep "$RT"
				b=$(cut -d' ' -f1 /proc/uptime)
				perfctl disable
				echo $(($(awk '{print $1 + $5}' "/sys/block/${nb#/dev/}/stat") - ios0)) \
					> "$OUT/perf-$tgt-$name.ios"
				[ "$rw" = lib ] && kill -INT $fp
				wait $fp
				echo "$tgt $name $a $b" >> "$OUT/perf.segments"
				echo "  $tgt $rw $bs QD$qd: profiled ${a}s..${b}s"
			done
		done
		kill -INT "$perf_pid"
		wait "$perf_pid"
		while read -r tgt name a b; do
			rep=$OUT/perf-$tgt-$name.data.txt
			perf report -i /tmp/perf.data --kallsyms=/proc/kallsyms --time "$a,$b" --no-children \
				--sort pid,dso,sym --stdio -g none --percent-limit 0.1 > "$rep" 2>/dev/null
			# who called the copies and page clears, leaf first
			perf report -i /tmp/perf.data --kallsyms=/proc/kallsyms --time "$a,$b" --no-children \
				--sort pid,sym --stdio --percent-limit 0.5 \
				--symbols memcpy_erms,memcpy_orig,memcpy,memmove,_copy_to_iter,_copy_from_iter,copy_page,clear_page_erms \
				-g graph,0.5,callee,function,percent \
				> "$OUT/perf-$tgt-$name.chains.txt" 2>/dev/null
			# where each thread's time goes: every sample is put under
			# its nearest caller (leaf first) that names an area
			perf report -i /tmp/perf.data --kallsyms=/proc/kallsyms --time "$a,$b" --no-children \
				--sort pid,parent --stdio -g none --percent-limit 0.05 \
				-p "$PERF_AREAS" > "$OUT/perf-$tgt-$name.areas.txt" 2>/dev/null
			echo "  $rep: $(grep -c '%' "$rep") lines"
		done < "$OUT/perf.segments"
		if [ "${BENCH_PERF_KEEP:-0}" = 1 ]; then
			mv /tmp/perf.data "$OUT/perf.data"
			cp /proc/kallsyms "$OUT/perf.kallsyms"
		else
			rm -f /tmp/perf.data
		fi
	fi
fi

say "teardown"
for t in "$TK" "$TL"; do
	iscsiadm -m node -T "$t" --logout >/dev/null 2>&1
done
iscsiadm -m node -o delete >/dev/null 2>&1
iscsid_stop
"$KISSCTL" clear && rmmod kiss
targetcli clearconfig confirm=True >/dev/null 2>&1
echo "total $(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.0f", b - a}') s in the guest"
exit 0
