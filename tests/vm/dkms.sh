#!/bin/bash
# dkms.sh [DIR]   (in the guest: tests/vm/run.sh -k 6.12... tests/vm/dkms.sh DIR)
#
# kiss installed with DKMS in a 6.12 guest, then serving: modprobe must load
# the module DKMS installed under /lib/modules (not a build/kmod-* one), and
# open-iscsi logs in over 127.0.0.1 and writes and reads back a brd LUN.
# (Without DIR, also "dkms remove", which must take the module away.)
#
# DIR (tests/vm/build-dkms.sh KVER DIR, as make check does): kiss.ko built
# by dkms on the host for this kernel, as on a kernel upgrade, in DKMS's
# own archive; here "dkms ldtarball" loads it (sources into
# /usr/src/kiss-VERSION, module into /var/lib/dkms) and "dkms install
# --no-depmod" installs it.  The depmod is the host's too (DIR/depmod/,
# over the same /lib/modules plus this very kiss.ko): a full depmod over
# 6.12's xz-compressed modules, like the compile, takes many minutes
# under TCG.
#
# Without DIR all of it happens here: make install-dkms, then dkms install
# builds kiss.ko and runs depmod.  By hand only, with a long run.sh -t:
# a run with -t 900 on a busy 2-CPU host had not finished the compile.
#
# The guest's root is the host's (read-only) under a tmpfs overlay, so
# /usr/src, /var/lib/dkms and /lib/modules are writable and nothing here
# reaches the host.  Needs dkms and linux-headers-KVER on the host.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

T=iqn.2026-11.org.kiss:dkms
I=iqn.1993-08.org.debian:01:kissdkms
P=127.0.0.1:3260
kver=$(uname -r)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$VM_DIR/dkms.conf")

t0=$SECONDS
phase() {	# NAME: how long the last phase took, for the budget
	echo "# $1: $((SECONDS - t0)) s"
	t0=$SECONDS
}

command -v dkms >/dev/null || { echo "not ok - dkms is not installed (.ci/install-deps)"; exit 1; }
[ -n "$ver" ] || { echo "not ok - no PACKAGE_VERSION in dkms.conf"; exit 1; }
[ ! -e /sys/module/kiss ] || { echo "not ok - kiss is already loaded"; exit 1; }

dir=${1:+$(cd "$1" && pwd)}
# No DKMS state from the host may stand in for what this test does.
# (Files, not "dkms status": under TCG each dkms command costs 10-60 s.)
check "kiss not known to DKMS yet" test ! -e /var/lib/dkms/kiss
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd	# no udev here; dkms uses <(...)
if [ -n "$dir" ]; then
	check "dkms ldtarball" dkms ldtarball "$dir/kiss-$ver-$kver.dkms.tar.gz"
else
	check "sources into /usr/src/kiss-$ver" make -s -C "$VM_DIR" install-dkms
fi
check "dkms.conf in /usr/src/kiss-$ver" cmp "$VM_DIR/dkms.conf" "/usr/src/kiss-$ver/dkms.conf"
phase "sources"
if [ -n "$dir" ]; then
	check "dkms install -k $kver (built on the host)" \
		dkms install "kiss/$ver" -k "$kver" --no-depmod
	# depmod's output for this /lib/modules from the host, if it was
	# made for the kiss.ko that dkms just installed
	for inst in "/lib/modules/$kver/updates/dkms/kiss.ko"*; do break; done
	check "host's depmod was over this kiss.ko" cmp "$dir/depmod/${inst##*/}" "$inst"
	check "host's depmod output in place" cp "$dir/depmod/"modules.* "/lib/modules/$kver/"
	phase "dkms ldtarball + install"
else
	if ! check "dkms install -k $kver (builds here)" dkms install "kiss/$ver" -k "$kver"; then
		tail -n 40 "/var/lib/dkms/kiss/$ver/build/make.log" 2>/dev/null | sed 's/^/#   /'
	fi
	phase "dkms install (build + depmod)"
fi
check "dkms has it installed for $kver" test -L "/var/lib/dkms/kiss/kernel-$kver-x86_64"

# The file DKMS built, and where it installed it.
for built in "/var/lib/dkms/kiss/$ver/$kver/x86_64/module/kiss.ko"*; do break; done
path=$(modinfo -n kiss 2>/dev/null)
echo "# built: ${built:-none}; modinfo -n kiss: ${path:-none}"
check "DKMS built kiss.ko" test -f "$built"
check "modprobe resolves kiss to DKMS's install" \
	sh -c "case '$path' in /lib/modules/$kver/updates/dkms/kiss.ko*) true ;; *) false ;; esac"
check "installed file is the one DKMS built" cmp "$built" "$path"
check "built for this kernel" test "$(modinfo -F vermagic "$path" | cut -d' ' -f1)" = "$kver"

check "modprobe kiss" modprobe kiss
check "loaded kiss is DKMS's (srcversion)" \
	test "$(cat /sys/module/kiss/srcversion 2>/dev/null)" = "$(modinfo -F srcversion "$path")"
check "configfs tree registered" test -d /sys/kernel/config/kiss
phase "modprobe"

modprobe brd rd_nr=1 rd_size=65536 || exit 1	# 64 MiB
iscsid_start "$I"
check "target add" "$KISSCTL" target add "$T" --portal "$P"
check "lun add" "$KISSCTL" lun add "$T" 0 /dev/ram0
check "acl add" "$KISSCTL" acl add "$T" "$I"
check "discovery" sh -c "iscsiadm -m discovery -t st -p '$P' | grep -q '$T'"
check "login" iscsiadm -m node -T "$T" -p "$P" --login
dev=$(wait_for_disk "$T")
check "disk appears" test -n "$dev"
if [ -n "$dev" ]; then
	check "write 4 MiB, read it back" sh -c "head -c 4194304 /dev/urandom > /tmp/pat && dd if=/tmp/pat of=$dev bs=1M oflag=direct status=none && cmp -n 4194304 /tmp/pat $dev"
	check "the data is on the brd LUN" cmp -n 4194304 /tmp/pat /dev/ram0
fi
check "logout" iscsiadm -m node -T "$T" -p "$P" --logout
iscsiadm -m node -o delete >/dev/null 2>&1
iscsid_stop
check "kissctl clear" "$KISSCTL" clear
check "rmmod kiss" rmmod kiss
phase "login + I/O"

# What removing the package does; by hand only (60 s and more under TCG).
if [ -z "$dir" ]; then
	check "dkms remove" dkms remove "kiss/$ver" --all
	check "module gone from /lib/modules" sh -c "! ls /lib/modules/$kver/updates/dkms/kiss.ko*"
	check "kiss gone from DKMS" test ! -e /var/lib/dkms/kiss
	phase "dkms remove"
fi
finish
