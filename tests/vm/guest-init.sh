#!/bin/sh
# PID 1 in the kiss VM after switch_root (the host's root under a tmpfs
# overlay). Runs the command run.sh put in /run/vm-results/cmd, saves its
# output, exit status, dmesg (and kmemleak report) to /run/vm-results and
# powers the VM off. Copied into the initramfs by mkinitramfs.sh.
R=/run/vm-results
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C LC_ALL=C SHELL=/bin/sh
export VM_RESULTS=$R
VM_KVER=$(uname -r)
export VM_KVER

off() {
	sync
	echo 1 > /proc/sys/kernel/sysrq
	echo o > /proc/sysrq-trigger     # ACPI power off: qemu exits
	# (sleep may fail once the 9p root is gone: the reboot is the fallback)
	sleep 20 2>/dev/null
	echo b > /proc/sysrq-trigger     # or reboot: qemu -no-reboot exits
	sleep 20 2>/dev/null
	exit 1
}

VM_DIR=/
VM_KMEMLEAK=auto
VM_WATCHDOG=0
if ! [ -r $R/cmd ]; then
	echo "vm-init: no $R/cmd"
	off
fi
# Sets VM_DIR, VM_KMEMLEAK and the positional parameters (the command).
# shellcheck disable=SC1091
. $R/cmd

kml=/sys/kernel/debug/kmemleak
[ -e $kml ] || VM_KMEMLEAK=0
[ "$VM_KMEMLEAK" = auto ] && VM_KMEMLEAK=1
if [ "$VM_KMEMLEAK" = 1 ]; then
	# No periodic scans in the middle of a test; forget boot-time suspects.
	echo scan=off > $kml
	echo clear > $kml
fi

# Before run.sh's limit kills qemu: the blocked (D state) tasks and every
# task's stack on the console, for the log of a run that hangs.
if [ "$VM_WATCHDOG" -gt 0 ]; then
	(
		sleep "$VM_WATCHDOG"
		echo "vm-init: watchdog: still running after $VM_WATCHDOG s; task dump follows"
		echo 1 > /proc/sys/kernel/sysrq
		echo t > /proc/sysrq-trigger
		ps -eo pid,stat,wchan:32,args
		# last, so that the tail of the console shows it
		echo w > /proc/sysrq-trigger
	) > /dev/console 2>&1 &
fi

cd "$VM_DIR" || { echo "vm-init: cannot cd to $VM_DIR"; off; }
echo "vm-init: $VM_KVER up after $(cut -d' ' -f1 /proc/uptime) s; running: $*"
cut -d' ' -f1 /proc/uptime > $R/uptime-start
export VM_DIR
{
	"$@" </dev/null
	echo $? > $R/rc
} 2>&1 | tee $R/output.log
rc=$(cat $R/rc 2>/dev/null) || rc=255
rm -f $R/rc
echo "vm-init: command exited $rc after $(cut -d' ' -f1 /proc/uptime) s"

if [ "$VM_KMEMLEAK" = 1 ]; then
	# Objects younger than 5 s are never reported. A scan costs several
	# seconds under KASAN+TCG, so scan a second time (as the kmemleak
	# documentation advises, to drop transient false positives) only
	# when the first one found something.
	echo "vm-init: kmemleak scan"
	sleep 6
	echo scan > $kml
	if [ -s $kml ]; then
		sleep 1
		echo scan > $kml
	fi
	cat $kml > $R/kmemleak.log
fi
dmesg > $R/dmesg.log
echo "$rc" > $R/status
cut -d' ' -f1 /proc/uptime > $R/uptime-end
off
