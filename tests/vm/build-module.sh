#!/bin/sh
# build-module.sh KVER OUTDIR [MAKE ARGS...]
#
# Build kiss.ko for kernel release KVER (against /lib/modules/KVER/build)
# in a private copy of the sources, build/kmod-KVER/, and leave it at
# OUTDIR/kiss.ko. MAKE ARGS (e.g. W=1 C=2) go to the kernel build. Builds for different kernels can run in parallel (and
# don't touch ./kiss.ko); builds for the same kernel are serialised.
# The copy is kept between runs (rsync keeps mtimes) so rebuilds are
# incremental. KISS_SRC=DIR builds another source tree (default: this
# project).
set -eu

[ $# -ge 2 ] || { echo "usage: $0 KVER OUTDIR [MAKE ARGS...]" >&2; exit 2; }
kver=$1
outdir=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
src=$(cd "${KISS_SRC:-$root}" && pwd)
work=${KISS_KMOD_BUILD:-$root/build}/kmod-$kver
# Another tree gets a copy of its own: rsync keeps the sources' mtimes,
# so in a shared copy an older tree's objects would look newer than this
# tree's sources, and kbuild would keep them.
[ "$src" = "$root" ] || work=$work-src-$(printf '%s' "$src" | cksum | cut -d' ' -f1)

[ -d "/lib/modules/$kver/build" ] ||
	{ echo "$0: /lib/modules/$kver/build missing (linux-headers for $kver not installed)" >&2; exit 1; }
command -v rsync >/dev/null || { echo "$0: rsync missing (.ci/install-deps)" >&2; exit 1; }

mkdir -p "$work" "$outdir"
exec 9> "$work.lock"
flock 9

# Sources only; build products in the copy are kept (excluded files are
# not deleted), so kbuild only rebuilds what changed.
rsync -a --delete \
	--exclude=/.git/ --exclude=/build/ \
	--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
	--exclude='.*.cmd' --exclude='*.a' --exclude=Module.symvers \
	--exclude=modules.order --exclude=.cache.mk --exclude=.tmp_versions/ \
	"$src/" "$work/"

rm -f "$work/kiss.ko"
make -C "$work" -j"$(nproc)" KVER="$kver" module "$@" >&2 ||
	{ echo "$0: build for $kver failed" >&2; exit 1; }
[ -f "$work/kiss.ko" ] || { echo "$0: no kiss.ko after building for $kver" >&2; exit 1; }

tmp=$(mktemp "$outdir/.kiss.ko.XXXXXX")
cp "$work/kiss.ko" "$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$outdir/kiss.ko"
echo "build-module: $outdir/kiss.ko ($kver)" >&2
