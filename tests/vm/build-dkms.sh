#!/bin/sh
# build-dkms.sh KVER OUTDIR
#
# For tests/vm/dkms.sh OUTDIR, the two slow parts of a DKMS install, done
# on the host because under TCG each takes many minutes (more than the VM
# test's whole budget):
#
#  - dkms build of kiss.ko for kernel release KVER, as DKMS does on a
#    kernel upgrade (for a kernel that is not the running one); DKMS's own
#    archive of it, sources and module, is left at
#    OUTDIR/kiss-VERSION-KVER.dkms.tar.gz ("dkms mktarball");
#  - depmod of /lib/modules/KVER with that module added where dkms install
#    puts it (updates/dkms/), in a staging tree that links to the real
#    one: OUTDIR/depmod/ has the modules.* files it wrote (xz-compressed
#    modules make a full depmod cost ~10 s of CPU natively).
#
# Nothing is written outside build/dkms-KVER/ (private DKMS trees and
# signing key) and OUTDIR, which may be build/dkms-KVER/out.
set -eu

[ $# -eq 2 ] || { echo "usage: $0 KVER OUTDIR" >&2; exit 2; }
kver=$1
outdir=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${KISS_KMOD_BUILD:-$root/build}/dkms-$kver

command -v dkms >/dev/null || { echo "$0: dkms missing (.ci/install-deps)" >&2; exit 1; }
[ -d "/lib/modules/$kver/build" ] ||
	{ echo "$0: /lib/modules/$kver/build missing (linux-headers for $kver not installed)" >&2; exit 1; }
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$root/dkms.conf")
[ -n "$ver" ] || { echo "$0: no PACKAGE_VERSION in dkms.conf" >&2; exit 1; }

rm -rf "$work/src" "$work/dkms" "$work/stage"
mkdir -p "$work/src" "$work/dkms" "$outdir"
outdir=$(cd "$outdir" && pwd)
make -s -C "$root" install-dkms DESTDIR="$work/src"
# dkms signs what it builds, with a key it makes on first use; keep that
# key out of the host's /var/lib/dkms.
export mok_signing_key="$work/mok.key" mok_certificate="$work/mok.pub"
dkms="dkms --sourcetree $work/src/usr/src --dkmstree $work/dkms"
$dkms add "kiss/$ver"
if ! $dkms build "kiss/$ver" -k "$kver"; then
	cat "$work/dkms/kiss/$ver/build/make.log" >&2 || true
	echo "$0: dkms build for $kver failed" >&2
	exit 1
fi
out=$outdir/kiss-$ver-$kver.dkms.tar.gz
rm -f "$outdir"/kiss-*.dkms.tar.gz
$dkms mktarball "kiss/$ver" -k "$kver" --archive "$out"

# /lib/modules/KVER as dkms install leaves it, to run depmod over.
stage=$work/stage
mods=$stage/lib/modules/$kver
mkdir -p "$mods/updates/dkms"
for f in "/lib/modules/$kver"/*; do
	case ${f##*/} in
	modules.*.bin|modules.dep|modules.alias|modules.symbols|modules.softdep|modules.devname|modules.weakdep) ;;
	updates) ;;	# the host's own DKMS modules: not in the guest's view
	*) ln -s "$f" "$mods/" ;;
	esac
done
for ko in "$work/dkms/kiss/$ver/$kver/x86_64/module/kiss.ko"*; do
	cp "$ko" "$mods/updates/dkms/"
done
depmod -b "$stage" "$kver"
rm -rf "$outdir/depmod"
mkdir -p "$outdir/depmod"
for f in "$mods"/modules.*; do
	[ -L "$f" ] || cp "$f" "$outdir/depmod/"
done
cp "$mods/updates/dkms"/kiss.ko* "$outdir/depmod/"
echo "build-dkms: $out and $outdir/depmod/ ($kver)" >&2
