#!/bin/sh
# node-init.sh SCRIPT [ARGS...]   (in a guest of tests/vm/run2.sh)
#
# Make this guest node $VM_NODE of the two-node rig: hostname kiss-$VM_NODE,
# eth0 (virtio-net, the link run2.sh made) up with $VM_ADDR/16, the
# directory shared with the other guest and the runner (9p tag "cluster")
# at $CLUSTER_DIR, then run SCRIPT ARGS.
CLUSTER_DIR=/run/cluster
export CLUSTER_DIR

fail() { echo "node-init: $*" >&2; exit 1; }

hostname "kiss-$VM_NODE" || fail "hostname"
echo "kiss-$VM_NODE" > /etc/hostname
printf '127.0.0.1 localhost\n%s kiss-%s\n' "$VM_ADDR" "$VM_NODE" > /etc/hosts

mkdir -p $CLUSTER_DIR
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=none cluster $CLUSTER_DIR ||
	fail "mount 9p cluster"

# No udev yet: load the NIC's driver ourselves.
modprobe virtio_net || fail "modprobe virtio_net"
i=0
while ! [ -e /sys/class/net/eth0 ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "no eth0"
	sleep 0.1
done
ip addr add "$VM_ADDR/16" dev eth0 || fail "address on eth0"
ip link set eth0 up || fail "eth0 up"
echo "node-init: kiss-$VM_NODE boot $VM_BOOT, eth0 $VM_ADDR, peer $VM_PEER_ADDR"
exec "$@"
