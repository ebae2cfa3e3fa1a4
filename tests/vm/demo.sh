#!/bin/sh
# demo.sh KISS_KO   (in the guest, started by `make demo`)
#
# Load kiss and show its configfs tree.
set -eu
ko=${1:?usage: $0 path/to/kiss.ko}
deps=$(modinfo -F depends "$ko" | tr ',' ' ')
[ -z "$deps" ] || modprobe -a $deps
insmod "$ko"
echo "demo: kiss loaded on $(uname -r)"
userspace/kissctl show
rmmod kiss
echo "demo: done"
