#!/bin/sh
# Print the kernel releases the VM tests boot, one per line.
#
#   kernels.sh          the stock kernels: newest Debian 6.1 and newest 6.12
#   kernels.sh 6.1      newest installed Debian 6.1.0-NN-amd64 (or nothing)
#   kernels.sh 6.12     newest installed 6.12.x (bookworm-backports) (or nothing)
#   kernels.sh debug    6.1.192-kissdebug if installed (or nothing)
#   kernels.sh all      stock kernels, then the debug kernel
#
# A kernel counts as installed when /boot/vmlinuz-KVER and
# /lib/modules/KVER/modules.dep both exist. Always exits 0, so that
# `$(tests/vm/kernels.sh 6.12)` in a Makefile is simply empty when missing.
set -eu

BOOT=${KISS_VM_BOOT:-/boot}
MODS=${KISS_VM_MODULES:-/lib/modules}
DEBUG_KVER=6.1.192-kissdebug

installed() {
	for f in "$BOOT"/vmlinuz-*; do
		[ -e "$f" ] || continue
		k=${f#"$BOOT"/vmlinuz-}
		[ -e "$MODS/$k/modules.dep" ] || continue
		printf '%s\n' "$k"
	done
}

# newest PATTERN: the highest installed release matching the shell pattern,
# never a -kissdebug one.
newest() {
	installed | while read -r k; do
		# shellcheck disable=SC2254 # $1 is a glob on purpose
		case $k in
		*-kissdebug) ;;
		$1) printf '%s\n' "$k" ;;
		esac
	done | sort -V | tail -n 1
}

debug() {
	if [ -e "$BOOT/vmlinuz-$DEBUG_KVER" ] && [ -e "$MODS/$DEBUG_KVER/modules.dep" ]; then
		printf '%s\n' "$DEBUG_KVER"
	fi
}

case ${1:-stock} in
6.1) newest '6.1.0-*-amd64' ;;
6.12) newest '6.12.*-amd64' ;;
debug) debug ;;
stock) newest '6.1.0-*-amd64'; newest '6.12.*-amd64' ;;
all) newest '6.1.0-*-amd64'; newest '6.12.*-amd64'; debug ;;
-h|--help) sed -n '2,12s/^# \{0,1\}//p' "$0" ;;
*) echo "usage: $0 [6.1|6.12|debug|stock|all]" >&2; exit 2 ;;
esac
exit 0
