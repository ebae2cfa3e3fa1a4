#!/bin/bash
# demo.sh KISS_KO   (in the guest, started by `make demo`)
#
# kiss serving a RAM disk: load the module, export a 256 MiB brd disk as
# LUN 0 of a target on 127.0.0.1:3260, log in with open-iscsi, put a
# file system on the new disk, show the session, and tear it all down.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
ko=${1:?usage: $0 path/to/kiss.ko}
T=iqn.2026-11.org.kiss:demo
I=iqn.1993-08.org.debian:01:demo

say() { printf '\n### %s\n' "$*"; }
run() { echo "# $*"; "$@"; }

say "kiss on $(uname -r)"
kiss_load "$ko"
modprobe brd rd_nr=1 rd_size=262144
run "$KISSCTL" target add "$T" --portal 127.0.0.1:3260
run "$KISSCTL" lun add "$T" 0 /dev/ram0
run "$KISSCTL" acl add "$T" "$I"
run "$KISSCTL" show

say "open-iscsi logs in"
iscsid_start "$I"
run iscsiadm -m discovery -t sendtargets -p 127.0.0.1:3260
run iscsiadm -m node -T "$T" -p 127.0.0.1:3260 --login
dev=$(wait_for_disk "$T")
run lsblk "$dev"
run "$KISSCTL" session list

say "a file system on the iSCSI disk"
run mkfs.ext4 -q "$dev"
mkdir -p /mnt/demo
run mount "$dev" /mnt/demo
run dd if=/dev/urandom of=/mnt/demo/file bs=1M count=16 status=none
run df -h /mnt/demo
run umount /mnt/demo
run fsck.ext4 -n "$dev"

say "teardown"
run iscsiadm -m node -T "$T" -p 127.0.0.1:3260 --logout
iscsid_stop
run "$KISSCTL" clear
run rmmod kiss
say "done"
