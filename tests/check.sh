#!/bin/bash
# make check: everything CI runs, each step logged to build/check/NAME.log.
# Ends with "N passed, N failed" and fails if any step failed.
#
#   KISS_CHECK_ONLY="unit fuzz"  run only the steps whose names start so;
#                                the VM steps use what the build steps
#                                left (and are skipped without a kiss.ko),
#                                so name those too for a fresh build, e.g.
#                                "userspace build-6.1.0 vm-cluster"
#   FUZZ_SECONDS=20              time per fuzz target
set -u
cd "$(dirname "$0")/.."
root=$PWD
logs=$root/build/check
mkdir -p "$logs"
pass=0
fail=0
failed=()

want() {
	local p
	[ -z "${KISS_CHECK_ONLY:-}" ] && return 0
	for p in $KISS_CHECK_ONLY; do
		case $1 in "$p"*) return 0 ;; esac
	done
	return 1
}

record() {	# NAME STATUS SECONDS
	if [ "$2" -eq 0 ]; then
		pass=$((pass + 1))
		echo "PASS $1 (${3}s)"
	else
		fail=$((fail + 1))
		failed+=("$1")
		echo "FAIL $1 (${3}s, status $2): build/check/$1.log"
		tail -n 80 "$logs/$1.log" | sed 's/^/    /'
	fi
}

step() {	# NAME CMD...: run in the foreground
	local name=$1 start rc
	shift
	want "$name" || return 0
	start=$SECONDS
	"$@" >"$logs/$name.log" 2>&1
	rc=$?
	record "$name" "$rc" $((SECONDS - start))
}

declare -A bg_pid bg_start
bg_step() {	# NAME CMD...: run in the background, collected by bg_wait
	local name=$1
	shift
	want "$name" || return 0
	bg_start[$name]=$SECONDS
	"$@" >"$logs/$name.log" 2>&1 &
	bg_pid[$name]=$!
}

bg_wait() {
	local name rc
	for name in "${!bg_pid[@]}"; do
		wait "${bg_pid[$name]}"
		rc=$?
		record "$name" "$rc" $((SECONDS - bg_start[$name]))
	done
	bg_pid=()
}

# A kernel build that prints any warning (W=1, sparse) fails.
build_module() {	# KVER
	tests/vm/build-module.sh "$1" "build/kmod-$1" W=1 C=2 || return 1
	if grep -E '(warning|error):' "$logs/build-$1.log"; then
		echo "compiler or sparse warnings above"
		return 1
	fi
}

checkpatch() {
	local cp
	cp=$(tests/tools/checkpatch.sh) || return 1
	"$cp" --strict --no-tree --terse --show-types -f \
		kernel/*.[ch] kernel/proto/*.[ch] | tee /dev/stderr |
		grep -qE '(ERROR|WARNING|CHECK):' && return 1
	return 0
}

kernels=$(tests/vm/kernels.sh stock)
k61=$(tests/vm/kernels.sh 6.1)
k612=$(tests/vm/kernels.sh 6.12)
debug_kernel=$(tests/vm/kernels.sh debug)

step userspace make -s -C userspace
step kissctl make -s -C userspace test
step unit make -s unit
step fuzz-smoke make -s fuzz-smoke FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
step checkpatch checkpatch
for k in $kernels $debug_kernel; do
	step "build-$k" build_module "$k"
done

# VM tests: each kernel's tests one after the other.  Each test is a step
# of its own.
vm_suite() {	# KVER: run the VM tests for KVER, noting "NAME STATUS SECS"
	local k=$1 ko=build/kmod-$1/kiss.ko t name start rc quick=0 limit=600 parts flimit
	local status=$logs/vm-$k.status
	# Generous limits under TCG; a hang still ends.
	case $k in *-kissdebug) quick=1 limit=1800 ;; esac
	: > "$status"
	for t in smoke configfs saverestore iscsi pr alua dkms cockpit tmf faults pdu libiscsi libiscsi-r2t; do
		name=vm-$t-$k
		want "$name" || continue
		# The debug kernel (KASAN) is slow: a bounded subset there.
		case $t in libiscsi*) [ "$quick" = 1 ] && continue ;; esac
		# The suite over the R2T paths and header digests: on 6.1 only.
		[ "$t" = libiscsi-r2t ] && [ "$k" != "$k61" ] && continue
		# ALUA: the kernel code is the same on each; Linux 6.1's
		# scsi_dh_alua is the initiator.
		[ "$t" = alua ] && [ "$k" != "$k61" ] && continue
		# Faults under load.  On 6.1 every part: connection cuts, a
		# failing device, login memory, rmmod / LUN delete / target
		# disable under fio (the injection skips itself: no
		# failslab): 138 s at load 3-5, 37 s of it the live part.
		# On the debug kernel the failing device and the
		# allocation-failure injection (failslab, fail_page_alloc;
		# KISS_QUICK=1: 6 injected logins, 10 s of dd): 229 s at
		# load 2-3, 306 s at load 3.5-5.7; the injection alone 387 s
		# at load 5-6 (12 injected logins took 690 s at load 9).  Not
		# on 6.12 within CI's 90 minutes (the live part passes there:
		# 92 s at load 7).
		[ "$t" = faults ] && [ "$k" = "$k612" ] && continue
		# A DKMS install that serves: on the 6.12 stock kernel only.
		[ "$t" = dkms ] && [ "$k" != "$k612" ] && continue
		# The Cockpit page in headless Chromium: userspace only, so on
		# the 6.12 stock kernel only (418 s with the host at load 11).
		[ "$t" = cockpit ] && [ "$k" != "$k612" ] && continue
		# Not on the debug kernel within CI's 90 minutes: save/restore
		# is mostly kissctl; the PDU battery's quick subset takes ~10
		# minutes there (run it by hand: KISS_QUICK=1 tests/vm/run.sh
		# -k KVER tests/vm/pdu.sh KO; last run 186/190, 0 reports).
		case $t in saverestore|pdu) [ "$quick" = 1 ] && continue ;; esac
		start=$SECONDS
		case $t in
		libiscsi)
			KISS_QUICK=$quick tests/vm/run.sh -k "$k" -t 1800 \
				tests/vm/libiscsi.sh "$ko" \
				tests/vm/expect/libiscsi.expect ;;
		libiscsi-r2t)
			# The families that move data, within CI's time.
			grep -E '^ALL\.(iSCSI|Read1|Write1|WriteVerify1|CompareAndWrite|WriteSame1)' \
				tests/vm/expect/libiscsi.expect |
				# With the write waiting for its R2T the abort
				# often wins, and iscsi-test-cu 1.19 then dies
				# in free() ("invalid pointer", exit 134): 2 of
				# 4 runs on 6.12, kiss's log clean, 0 of 3 with
				# -V.  Not yet root-caused; it runs in the
				# default configuration on both kernels.
				grep -v '^ALL\.iSCSITMF\.AbortTaskSimpleAsync ' \
				> "$logs/libiscsi-r2t.expect"
			KISS_TEST_TARGET_SET="InitialR2T=Yes ImmediateData=No HeaderDigest=CRC32C" \
				tests/vm/run.sh -k "$k" -t 1800 \
				tests/vm/libiscsi.sh "$ko" \
				"$logs/libiscsi-r2t.expect" ;;
		faults)
			# The debug kernel: a limit of about 3 times what it
			# took, so that a hang leaves CI its 90 minutes.
			parts='' flimit=$limit	# '': faults.sh's default, every part
			[ "$quick" = 1 ] && parts="dmerr inject" flimit=1200
			KISS_TEST_FAULTS_PARTS=$parts KISS_QUICK=$quick \
				tests/vm/run.sh -k "$k" -t "$flimit" \
				tests/vm/faults.sh "$ko" ;;
		dkms)
			# dkms build and depmod on the host: build-dkms.sh says why.
			tests/vm/build-dkms.sh "$k" "build/dkms-$k/out" &&
				tests/vm/run.sh -k "$k" -t "$limit" \
				tests/vm/dkms.sh "build/dkms-$k/out" ;;
		*)
			KISS_QUICK=$quick tests/vm/run.sh -k "$k" -t "$limit" \
				"tests/vm/$t.sh" "$ko" ;;
		esac >"$logs/$name.log" 2>&1
		rc=$?
		echo "$name $rc $((SECONDS - start))" >> "$status"
	done
}

# The stock kernels side by side (one VM per CPU), then the debug kernel
# alone: a KASAN guest starved by two busy ones crawls (boot alone can
# take minutes) and runs into its limits.
for k in $kernels; do
	[ -f "build/kmod-$k/kiss.ko" ] || continue
	vm_suite "$k" &
done
wait
# Two guests on a link (tests/vm/run2.sh): DRBD dual-primary under kiss on
# both, dm-multipath and one ALUA failover under fio --verify, the short
# form of make check-cluster (CLUSTER_ROUNDS=0): about 90 s alone, 190 s
# with three busy loops on the host.  It boots two VMs, so it runs alone,
# after the stock lanes, on each stock kernel, with make check-cluster's
# limit.  The guests' logs are kept in build/check/vm-cluster-KVER/.
for k in $kernels; do
	[ -f "build/kmod-$k/kiss.ko" ] || continue
	step "vm-cluster-$k" env KISS_TEST_CLUSTER_ROUNDS=0 \
		tests/vm/run2.sh -k "$k" -t 600 -o "$logs/vm-cluster-$k" \
		tests/vm/cluster.sh "build/kmod-$k/kiss.ko"
done
for k in $debug_kernel; do
	[ -f "build/kmod-$k/kiss.ko" ] || continue
	vm_suite "$k"
done
for k in $kernels $debug_kernel; do
	[ -f "$logs/vm-$k.status" ] || continue
	while read -r name rc secs; do
		record "$name" "$rc" "$secs"
	done < "$logs/vm-$k.status"
	rm -f "$logs/vm-$k.status"
done

[ -n "$kernels" ] || { echo "FAIL: no test kernels installed (.ci/install-deps)"; fail=$((fail + 1)); }
echo
[ "$fail" -eq 0 ] || echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
