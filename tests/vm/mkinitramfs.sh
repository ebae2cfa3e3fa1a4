#!/bin/sh
# mkinitramfs.sh [-f] KVER OUT
#
# Build the kiss VM initramfs for kernel release KVER into OUT (an
# uncompressed newc cpio): static busybox, /init (initramfs-init), the
# guest's PID 1 script (guest-init.sh) and the modules virtio_pci,
# 9pnet_virtio, 9p, overlay and configfs need on KVER (with their
# dependencies, from `modprobe -S KVER --show-depends`, decompressed so
# busybox insmod loads them; built-in ones are skipped).
#
# Cached: OUT is left alone when OUT.key says it was built from the same
# scripts, busybox and modules. -f rebuilds anyway. Safe to run
# concurrently (OUT is replaced atomically).
set -eu

force=0
if [ "${1:-}" = -f ]; then force=1; shift; fi
[ $# -eq 2 ] || { echo "usage: $0 [-f] KVER OUT" >&2; exit 2; }
kver=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
busybox=${KISS_VM_BUSYBOX:-/bin/busybox}
want="virtio_pci 9pnet_virtio 9p overlay configfs"

[ -d "/lib/modules/$kver" ] || { echo "$0: /lib/modules/$kver missing (kernel not installed?)" >&2; exit 1; }
command -v cpio >/dev/null || { echo "$0: cpio missing (apt-get install cpio)" >&2; exit 1; }
if ! file_out=$(LC_ALL=C "$busybox" 2>&1 | head -n 1) || [ -z "$file_out" ]; then
	echo "$0: $busybox missing (apt-get install busybox-static)" >&2
	exit 1
fi

# The module files to load, in order, without duplicates.
mods=$(for m in $want; do
	modprobe -S "$kver" --show-depends "$m" || {
		echo "$0: modprobe -S $kver --show-depends $m failed" >&2
		exit 1
	}
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }')

key=$({
	echo "kver $kver"
	cat "$here/mkinitramfs.sh" "$here/initramfs-init" "$here/guest-init.sh"
	cksum < "$busybox"
	for f in $mods; do
		ls -l --time-style=+%s "$f"
	done
} | sha256sum | cut -d' ' -f1)

if [ "$force" = 0 ] && [ -f "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then
	exit 0
fi

outdir=$(dirname "$out")
mkdir -p "$outdir"
stage=$(mktemp -d "${TMPDIR:-/tmp}/kiss-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/dev" "$stage/proc" "$stage/sys" \
	"$stage/lib/modules" "$stage/lower" "$stage/ovl" "$stage/newroot"
cp "$busybox" "$stage/bin/busybox"
for a in $("$busybox" --list); do
	[ "$a" = busybox ] || ln -s busybox "$stage/bin/$a"
done
cp "$here/initramfs-init" "$stage/init"
cp "$here/guest-init.sh" "$stage/guest-init.sh"
chmod 0755 "$stage/init" "$stage/guest-init.sh"

n=0
: > "$stage/modules.list"
for f in $mods; do
	n=$((n + 1))
	base=$(basename "$f")
	name=$(printf '%02d-%s' "$n" "${base%.ko*}.ko")
	case $f in
	*.ko) cp "$f" "$stage/lib/modules/$name" ;;
	*.ko.xz) xz -dc "$f" > "$stage/lib/modules/$name" ;;
	*.ko.zst) zstd -qdc "$f" > "$stage/lib/modules/$name" ;;
	*.ko.gz) gzip -dc "$f" > "$stage/lib/modules/$name" ;;
	*) echo "$0: don't know how to unpack $f" >&2; exit 1 ;;
	esac
	echo "$name" >> "$stage/modules.list"
done

tmp=$(mktemp "$outdir/.initramfs.XXXXXX")
(cd "$stage" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$out"
echo "$key" > "$tmp.key"
mv -f "$tmp.key" "$out.key"
echo "mkinitramfs: built $out for $kver ($n modules)" >&2
