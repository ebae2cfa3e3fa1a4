#!/bin/sh
# smoke.sh KISS_KO   (in the guest: tests/vm/run.sh -k KVER tests/vm/smoke.sh KISS_KO)
#
# Load kiss.ko, check that it registered its configfs subsystem
# (/sys/kernel/config/kiss), unload it, check that it is gone, and fail on
# any kernel bug report (BUG:, WARNING:, KASAN:, lockdep, ...) logged
# meanwhile.
set -eu

ko=${1:?usage: $0 path/to/kiss.ko}
here=$(cd "$(dirname "$0")" && pwd)
cfs=/sys/kernel/config/kiss

fail() { echo "smoke: FAIL: $*"; exit 1; }

[ -f "$ko" ] || fail "$ko not found"
vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1) || true
[ "$vermagic" = "$(uname -r)" ] ||
	fail "$ko is built for '$vermagic', this kernel is $(uname -r)"
grep -qs ' /sys/kernel/config configfs ' /proc/mounts ||
	fail "configfs is not mounted at /sys/kernel/config"
[ ! -e /sys/module/kiss ] || fail "kiss is already loaded"

log=/tmp/smoke-dmesg.txt
before=$(dmesg | wc -l)

# insmod does not resolve dependencies: load what modinfo names first.
deps=$(modinfo -F depends "$ko" | tr ',' ' ')
[ -z "$deps" ] || modprobe -a $deps || fail "modprobe $deps"
insmod "$ko" || fail "insmod $ko"
[ -d /sys/module/kiss ] || fail "/sys/module/kiss missing after insmod"
[ -d "$cfs" ] || fail "$cfs missing after insmod"
echo "smoke: loaded; $cfs has: $(cd "$cfs" && echo *)"

rmmod kiss || fail "rmmod kiss"
[ ! -e /sys/module/kiss ] || fail "/sys/module/kiss still there after rmmod"
[ ! -e "$cfs" ] || fail "$cfs still there after rmmod"

dmesg | tail -n "+$((before + 1))" > "$log"
"$here/check-log.sh" "$log" || fail "kernel bug reports while loading/unloading kiss"
echo "smoke: PASS ($(uname -r))"
