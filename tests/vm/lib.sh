# Shell helpers for the VM tests (sourced, in the guest).
#
#   kiss_load KO        load kiss.ko and what it depends on
#   kiss_unload         kissctl clear, rmmod kiss
#   iscsid_start NAME   start iscsid with initiator name NAME
#   iscsid_stop
#   wait_for_disk IQN   print the /dev/sdX of the session to IQN
#   wait_for_disk_where KEY VALUE   ... of the session with that line
#   check / fail        count and report checks

KISSCTL=${KISSCTL:-$VM_DIR/userspace/kissctl}
checks=0
failures=0

check() {	# DESCRIPTION CMD...: run CMD, it must succeed
	local what=$1
	shift
	checks=$((checks + 1))
	if "$@" >/tmp/check.out 2>&1; then
		echo "ok $checks - $what"
	else
		failures=$((failures + 1))
		echo "not ok $checks - $what"
		sed 's/^/#   /' /tmp/check.out | tail -n 20
	fi
}

check_fails() {	# DESCRIPTION CMD...: run CMD, it must fail
	local what=$1
	shift
	checks=$((checks + 1))
	if "$@" >/tmp/check.out 2>&1; then
		failures=$((failures + 1))
		echo "not ok $checks - $what (succeeded, should have failed)"
		sed 's/^/#   /' /tmp/check.out | tail -n 20
	else
		echo "ok $checks - $what"
	fi
}

finish() {
	echo "# $checks checks, $failures failed"
	[ "$failures" -eq 0 ]
}

kiss_load() {
	local ko=$1 deps
	deps=$(modinfo -F depends "$ko" | tr ',' ' ')
	# shellcheck disable=SC2086 # one word per module
	[ -z "$deps" ] || modprobe -a $deps
	insmod "$ko" || return
	vm_note_symbols
}

# For tests/vm/vcpus.py, which run.sh calls on a guest that hangs: where
# the kernel and the modules loaded so far sit in memory.  Debian's stock
# kernels ship a System.map without symbols: their text symbols are
# written once, too.
vm_note_symbols() {
	local d=${VM_RESULTS:-}/kallsyms
	[ -n "${VM_RESULTS:-}" ] || return 0
	mkdir -p "$d"
	grep -m1 ' _text$' /proc/kallsyms > "$d/text"
	if [ ! -s "$d/kernel" ] &&
	   ! grep -q ' _text$' "/boot/System.map-$(uname -r)" 2>/dev/null; then
		awk 'NF == 3 && ($2 == "t" || $2 == "T")' /proc/kallsyms > "$d/kernel"
	fi
	grep '\]$' /proc/kallsyms > "$d/modules"
	true
}

kiss_unload() {
	"$KISSCTL" clear && rmmod kiss
}

iscsid_start() {
	mkdir -p /etc/iscsi /run/lock/iscsi /var/lib/iscsi
	echo "InitiatorName=$1" > /etc/iscsi/initiatorname.iscsi
	# No udev in the guest: load the disk driver ourselves.
	modprobe -a iscsi_tcp sd_mod sg
	# iscsid's SIGTERM handler kills its process group: its own session.
	setsid iscsid -f >/tmp/iscsid.log 2>&1 &
	sleep 1
	vm_note_symbols
}

iscsid_stop() {
	iscsiadm -k 0 >/dev/null 2>&1 || true
}

wait_for_disk() {	# IQN
	wait_for_disk_where "Target: " "$1"
}

# The /dev/sdX of the session under the iscsiadm -m session -P 3 line
# "KEY VALUE", e.g. KEY "Iface Initiatorname: " for an initiator name.
wait_for_disk_where() {	# KEY VALUE
	local i dev
	for i in $(seq 1 100); do
		dev=$(iscsiadm -m session -P 3 2>/dev/null |
			awk -v k="$1" -v v="$2" '
				{ s = $0; sub(/^[ \t]+/, "", s) }
				index(s, k) == 1 {
					split(substr(s, length(k) + 1), w, " ")
					ok = (w[1] == v)
				}
				ok && /Attached scsi disk/ { print $4; exit }')
		if [ -n "$dev" ] && [ -b "/dev/$dev" ]; then
			echo "/dev/$dev"
			return 0
		fi
		sleep 0.2
	done
	return 1
}
