#!/bin/bash
# saverestore.sh KISS_KO   (in the guest: tests/vm/run.sh tests/vm/saverestore.sh KISS_KO)
#
# kissctl save and restore against the real module: a tree with two
# portals, two targets, LUNs with chosen identities, ACLs with CHAP and
# mutual CHAP and discovery CHAP, ALUA group, port and state, and a
# shared LUN is saved, the module is unloaded and loaded again, and the
# restore gives the same `kissctl show --json` (and puts back ALUA ids and
# a shared flag changed behind its back, on an enabled target and LUN);
# an initiator then logs in with the restored CHAP secret.  A file with
# a broken entry names it, exits 1 and changes nothing.  The man page
# renders.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

ko=${1:?usage: $0 KISS_KO}
T1=iqn.2026-11.org.kiss:save1
T2=iqn.2026-11.org.kiss:save2
I=iqn.1993-08.org.debian:01:kisssave
CFG=/tmp/kiss-saved.json
export KISS_SECRETS=/tmp/kiss-secrets.json

kiss_load "$ko" || exit 1
modprobe brd rd_nr=3 rd_size=65536 || exit 1
CFS=/sys/kernel/config/kiss

check "target 1 with two portals" "$KISSCTL" target add "$T1" --portal 127.0.0.1:3260 --portal 127.0.0.2:3260
check "target 2" "$KISSCTL" target add "$T2" --portal 127.0.0.1:3260
check "LUN 0 with its own identity" "$KISSCTL" lun add "$T1" 0 /dev/ram0 --serial kiss-save-0 --wwn 5001405aabbccdd0
check "LUN 3 read-only" "$KISSCTL" lun add "$T1" 3 /dev/ram1 --readonly
check "ACL with CHAP and mutual CHAP" "$KISSCTL" acl add "$T1" "$I" --chap user1:secret123456 --mutual tgt1:tsecret12345678
check "read-only ACL" "$KISSCTL" acl add "$T2" "$I" --readonly
check "target parameters" "$KISSCTL" target set "$T2" MaxBurstLength=262144 InitialR2T=Yes
check "discovery CHAP" "$KISSCTL" discovery auth --chap disc1:dsecret123456
check "shared LUN" "$KISSCTL" lun add "$T2" 1 /dev/ram2 --shared
check "shared is the kernel's" grep -qx 1 "$CFS/targets/$T2/luns/1/shared"
check_fails "ALUA group of an enabled target refused" "$KISSCTL" target set "$T2" alua_group_id=2
check "it says to disable the target first" sh -c "'$KISSCTL' target set '$T2' alua_group_id=2 2>&1 | grep -q 'only change while target $T2 is disabled'"
check "ALUA group and port, target disabled" "$KISSCTL" target set "$T2" enable=0 alua_group_id=2 alua_rel_port_id=3
check "ALUA state and preference, enabled again" "$KISSCTL" target set "$T2" alua_state=standby alua_preferred=1 enable=1
check "ALUA state of target 1, while enabled" "$KISSCTL" target set "$T1" alua_state=active/non-optimized
check "ALUA state is the kernel's" grep -qx standby "$CFS/targets/$T2/alua/state"
check "target get alua_group_id" sh -c "[ \"\$('$KISSCTL' target get '$T2' alua_group_id)\" = 2 ]"
check "show: ALUA" sh -c "'$KISSCTL' show '$T2' | grep -q 'alua: group 2, port 3, standby, preferred'"
check "show: shared LUN" sh -c "'$KISSCTL' show '$T2' | grep -q 'lun 1  /dev/ram2 .*shared'"
check "save" "$KISSCTL" save "$CFG"
check "saved file is root's only" test "$(stat -c %a "$CFG")" = 600
"$KISSCTL" show --json > /tmp/before.json

check "clear" "$KISSCTL" clear
check "rmmod" rmmod kiss
check "load again" kiss_load "$ko"
check "restore" "$KISSCTL" restore "$CFG"
"$KISSCTL" show --json > /tmp/after.json
check "same tree after the reload" cmp /tmp/before.json /tmp/after.json
[ -s /tmp/after.json ] && ! cmp -s /tmp/before.json /tmp/after.json &&
	diff /tmp/before.json /tmp/after.json | head -n 20 | sed 's/^/#   /'
check "restore again changes nothing" sh -c "'$KISSCTL' restore '$CFG' && '$KISSCTL' show --json | cmp - /tmp/before.json"
check "restored: ALUA" grep -q '"state": "standby"' /tmp/after.json
check "restored: shared LUN" grep -q '"shared": true' /tmp/after.json

# Behind kissctl's back: the ALUA ids of an enabled target and the shared
# flag of an enabled LUN.  Restore disables each, changes it, enables it.
drift() {
	echo 0 > "$CFS/targets/$T2/enable" && echo 7 > "$CFS/targets/$T2/alua/group_id" &&
		echo 1 > "$CFS/targets/$T2/enable" && echo transitioning > "$CFS/targets/$T2/alua/state" &&
		echo 0 > "$CFS/targets/$T2/luns/1/enable" && echo 0 > "$CFS/targets/$T2/luns/1/shared" &&
		echo 1 > "$CFS/targets/$T2/luns/1/enable"
}
check "drift: ALUA group, state, shared flag" drift
check "drift: the kernel refuses group_id while enabled" sh -c "! echo 8 > '$CFS/targets/$T2/alua/group_id' 2>/dev/null"
check "drift: the kernel refuses shared while enabled" sh -c "! echo 1 > '$CFS/targets/$T2/luns/1/shared' 2>/dev/null"
check "restore over the drift" "$KISSCTL" restore "$CFG"
check "the saved tree again" sh -c "'$KISSCTL' show --json | cmp - /tmp/before.json"

# The restored secrets are the kernel's again: a CHAP login works.
iscsid_start "$I"
chap_login() {
	local P=127.0.0.1:3260 o
	iscsiadm -m discoverydb -t st -p $P -o new >/dev/null || return 1
	for o in "discovery.sendtargets.auth.authmethod CHAP" \
		 "discovery.sendtargets.auth.username disc1" \
		 "discovery.sendtargets.auth.password dsecret123456"; do
		# shellcheck disable=SC2086 # "name value"
		set -- $o
		iscsiadm -m discoverydb -t st -p $P -o update -n "$1" -v "$2" || return 1
	done
	iscsiadm -m discoverydb -t st -p $P --discover >/dev/null || return 1
	for o in "node.session.auth.authmethod CHAP" \
		 "node.session.auth.username user1" \
		 "node.session.auth.password secret123456"; do
		# shellcheck disable=SC2086 # "name value"
		set -- $o
		iscsiadm -m node -T "$T1" -p $P -o update -n "$1" -v "$2" || return 1
	done
	iscsiadm -m node -T "$T1" -p $P --login
}
check "CHAP login with the restored secret" chap_login
check "LUN 0 keeps its serial" sh -c "sg_inq -p 0x80 $(wait_for_disk "$T1") | grep -q kiss-save-0"
iscsiadm -m node -T "$T1" --logout >/dev/null 2>&1
iscsiadm -m node -o delete >/dev/null 2>&1
iscsid_stop

# A broken entry: named, exit 1, nothing changed.
sed 's|/dev/ram1|/dev/nonexistent-kiss|' "$CFG" > /tmp/broken.json
check "the broken file differs" sh -c "! cmp -s '$CFG' /tmp/broken.json"
check_fails "restore of a broken file fails" "$KISSCTL" restore /tmp/broken.json
check "it names the object" sh -c "'$KISSCTL' restore /tmp/broken.json 2>&1 | grep -q 'nonexistent-kiss'"
check "and changed nothing" sh -c "'$KISSCTL' show --json | cmp - /tmp/before.json"
printf '{ "portals": [ ' > /tmp/malformed.json
check_fails "malformed JSON refused" "$KISSCTL" restore /tmp/malformed.json

check "man page renders" sh -c "man -l '$VM_DIR/Documentation/kissctl.8' 2>&1 | grep -q 'kissctl'"

check "kissctl clear" "$KISSCTL" clear
check "rmmod kiss" rmmod kiss
finish
