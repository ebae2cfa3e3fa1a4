#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kissctl against a fake configfs tree: a temporary directory laid out as
# /sys/kernel/config/kiss, with fake-configfs.c LD_PRELOADed into kissctl to
# do what configfs does and a plain directory does not (default groups and
# attributes on mkdir, the kernel's EBUSY/EADDRINUSE/EINVAL on write, error
# injection through FAKE_CFS_FAIL).
#
#   tests/kissctl/test-kissctl.sh [path/to/kissctl]
#
# Every refused command must exit 1 with one line on stderr that names the
# problem, and leave the tree (names, link targets and contents) unchanged.
set -u

here=$(cd "$(dirname "$0")" && pwd)
kissctl=$(realpath "${1:-$here/../../userspace/kissctl}")
[ -x "$kissctl" ] || { echo "no kissctl at $kissctl: make -C userspace" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
${CC:-cc} -std=gnu11 -O1 -Wall -Wextra -Werror -Wno-format-truncation -shared -fPIC \
	-o "$work/fake-configfs.so" "$here/fake-configfs.c" -ldl || exit 1
root=$work/kiss

T=iqn.2026-11.org.example:disk1
T2=iqn.2026-11.org.example:disk2
T3=iqn.2026-11.org.example:disk3
I=iqn.1993-08.org.debian:01:host1
I2=iqn.1993-08.org.debian:01:host2
S1=initiatorsecret1
S2=targetsecret12
long224="iqn.2026-11.org.example:$(printf 'a%.0s' $(seq 200))"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	printf '    %s\n' "$@"
}

# What configfs has before anything is created.
fresh() {
	rm -rf "$root"
	mkdir -p "$root/portals" "$root/targets" "$root/discovery/auth"
	for f in userid password userid_mutual password_mutual; do
		echo >"$root/discovery/auth/$f"
	done
	echo 0 >"$root/discovery/enforce_auth"
}

# kissctl keeps the CHAP secrets it sets in KISS_SECRETS (store.c).
export KISS_SECRETS=$work/etc/secrets.json

k() {
	KISS_CONFIGFS=$root LD_PRELOAD=$work/fake-configfs.so "$kissctl" "$@" \
		>"$work/out" 2>"$work/err"
}

snapshot() {
	(cd "$root" && find . -printf '%p %y %l\n' | LC_ALL=C sort &&
		grep -r '' . | LC_ALL=C sort)
}

# refuse DESC EXPECTED-TEXT KISSCTL-ARGS...
refuse() {
	local desc=$1 want=$2 rc lines
	shift 2
	snapshot >"$work/before"
	k "$@"
	rc=$?
	snapshot >"$work/after"
	lines=$(wc -l <"$work/err")
	if [ "$rc" -ne 1 ]; then
		not_ok "$desc" "exit status $rc, want 1" "stderr: $(cat "$work/err")"
	elif [ "$lines" -ne 1 ]; then
		not_ok "$desc" "stderr has $lines lines, want 1:" "$(cat "$work/err")"
	elif ! grep -qF -- "$want" "$work/err"; then
		not_ok "$desc" "stderr: $(cat "$work/err")" "want:   $want"
	elif ! diff -u "$work/before" "$work/after" >"$work/diff"; then
		not_ok "$desc" "the tree changed:" "$(cat "$work/diff")"
	else
		ok "$desc"
	fi
}

# accept DESC KISSCTL-ARGS...
accept() {
	local desc=$1 rc
	shift
	k "$@"
	rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$work/err" ]; then
		not_ok "$desc" "exit status $rc" "stderr: $(cat "$work/err")"
	else
		ok "$desc"
	fi
}

# value DESC RELPATH EXPECTED: the attribute holds EXPECTED
value() {
	local got
	got=$(head -n1 "$root/$2" 2>/dev/null) || got="(missing)"
	if [ "$got" = "$3" ]; then ok "$1"; else not_ok "$1" "$2 is '$got', want '$3'"; fi
}

# exists DESC RELPATH / absent DESC RELPATH
exists() { if [ -e "$root/$2" ] || [ -L "$root/$2" ]; then ok "$1"; else not_ok "$1" "$2 missing"; fi; }
absent() { if [ -e "$root/$2" ] || [ -L "$root/$2" ]; then not_ok "$1" "$2 exists"; else ok "$1"; fi; }

# output DESC FIXED-STRING: the last command printed it / noout: did not
output() { if grep -qF -- "$2" "$work/out"; then ok "$1"; else not_ok "$1" "no '$2' in:" "$(cat "$work/out")"; fi; }
noout() { if grep -qF -- "$2" "$work/out"; then not_ok "$1" "'$2' printed"; else ok "$1"; fi; }

# Block devices: nodes of our own if we may, else whatever /dev has.
devs=()
for i in 1 2 3; do
	mknod "$work/blk$i" b 7 $((200 + i)) 2>/dev/null && devs+=("$work/blk$i")
done
if [ ${#devs[@]} -lt 3 ]; then
	mapfile -t devs < <(find /dev -maxdepth 1 -type b | sort | head -n 3)
fi

fresh
pristine=$(snapshot)

echo "# help and usage"
accept "--help" --help
output "--help lists commands" "kissctl target add IQN"
accept "target add --help" target add --help
output "target add --help says usage" "usage: kissctl target add IQN"
accept "lun --help" lun --help
output "lun --help lists lun del" "kissctl lun del IQN LUN"
"$kissctl" >"$work/out" 2>"$work/err"
if [ $? -eq 1 ] && grep -q "kissctl lun add" "$work/err" && [ ! -s "$work/out" ]; then
	ok "no arguments: usage on stderr, status 1"
else
	not_ok "no arguments: usage on stderr, status 1" "$(cat "$work/err")"
fi
refuse "unknown command" "unknown command 'frob'" frob
refuse "unknown verb" "unknown command 'target frob'" target frob
refuse "missing arguments" "usage: kissctl lun add IQN LUN DEVICE" lun add "$T"
refuse "unknown option" "unknown option --frob" lun add "$T" 0 /dev/null --frob
refuse "option without value" "--portal needs a value" target add "$T" --portal
KISS_CONFIGFS=$work/none "$kissctl" show >/dev/null 2>"$work/err"
if [ $? -eq 1 ] && grep -q "does not exist: load the module" "$work/err"; then
	ok "no configfs tree"
else
	not_ok "no configfs tree" "$(cat "$work/err")"
fi

echo "# portals"
for a in 127.0.0.1 127.0.0.1:0 127.0.0.1:65536 127.0.0.1:http 999.1.1.1:3260 \
	::1:3260 '[::1' '[::1]' '[::g]:3260' example.com:3260 ''; do
	refuse "portal add bad address '$a'" "bad portal address '$a'" portal add p1 "$a"
done
refuse "portal add bad name" "bad portal name" portal add a/b 127.0.0.1:3260
accept "portal add" portal add all 0.0.0.0:3260
value "portal addr" portals/all/addr 0.0.0.0
value "portal port" portals/all/port 3260
value "portal enabled" portals/all/enable 1
refuse "portal add same name" "portal all already exists" portal add all 0.0.0.0:3261
refuse "portal add same address" "portal all already exists on 0.0.0.0:3260" \
	portal add other 0.0.0.0:3260
refuse "portal add port in use" "cannot listen on 127.0.0.1:3260: port in use" \
	portal add lo 127.0.0.1:3260
value "portal max_connections default" portals/all/max_connections 1024
value "portal max_per_source default" portals/all/max_per_source 64
accept "portal set" portal set all max_connections=100 MAX_PER_SOURCE=8
value "portal set max_connections" portals/all/max_connections 100
value "portal set max_per_source (key in any case)" portals/all/max_per_source 8
accept "portal set by address" portal set 0.0.0.0:3260 max_per_source=009
value "portal set by address: normalized" portals/all/max_per_source 9
bad_limits=(
	"max_connections=0|max_connections must be 1..65535, not '0'"
	"max_connections=65536|max_connections must be 1..65535, not '65536'"
	"max_connections=abc|max_connections must be 1..65535, not 'abc'"
	"max_per_source=|max_per_source must be 1..65535, not ''"
	"max_per_source=-1|max_per_source must be 1..65535, not '-1'"
)
for b in "${bad_limits[@]}"; do
	refuse "portal set ${b%%|*}" "${b#*|}" portal set all "${b%%|*}"
done
refuse "portal set unknown key" "unknown key 'addr'; valid keys: max_connections max_per_source" \
	portal set all addr=1.2.3.4
refuse "portal set without =" "expected KEY=VALUE, not 'max_connections'" portal set all max_connections
refuse "portal set key twice" "max_connections given twice" \
	portal set all max_connections=5 Max_Connections=6
refuse "portal set unknown portal" "no portal nosuch; see kissctl show" portal set nosuch max_connections=5
refuse "portal set no KEY=VALUE" "usage: kissctl portal set NAME KEY=VALUE..." portal set all
FAKE_CFS_FAIL='portals/*/max_per_source=EINVAL' \
	refuse "portal set, kernel refuses 2nd value: 1st put back" \
	"cannot set max_per_source=5 on portal all: the kernel refused the value" \
	portal set all max_connections=50 max_per_source=5
accept "portal get KEY" portal get all max_connections
if [ "$(cat "$work/out")" = 100 ]; then ok "portal get prints the value"; else not_ok "portal get prints the value" "$(cat "$work/out")"; fi
accept "portal get all" portal get 0.0.0.0:3260
if [ "$(cat "$work/out")" = "$(printf 'max_connections=100\nmax_per_source=9')" ]; then
	ok "portal get all: KEY=VALUE each"
else
	not_ok "portal get all: KEY=VALUE each" "$(cat "$work/out")"
fi
refuse "portal get unknown key" "unknown key 'port'; valid keys: max_connections max_per_source" \
	portal get all port
refuse "portal get unknown portal" "no portal nosuch; see kissctl show" portal get nosuch
accept "show (portal limits)" show
output "show: portal limits not at their defaults" \
	"all  0.0.0.0:3260  listening, 0 targets, max_connections=100, max_per_source=9"
accept "portal set back to the defaults" portal set all max_connections=1024 max_per_source=64
accept "show (default limits)" show
output "show: default limits not shown" "all  0.0.0.0:3260  listening, 0 targets"
noout "show: no max_ at the defaults" "max_"
refuse "portal del unknown" "no portal nosuch; see kissctl show" portal del nosuch
accept "portal del" portal del all
absent "portal gone" portals/all

echo "# target add"
bad_iqns=(
	"iqn.2026-11.org.Example:disk1|uppercase letters"
	"iqn.2026-13.org.example:disk1|month of the date must be 01 to 12"
	"iqn.26-11.org.example:disk1|expected a date yyyy-mm"
	"iqn.2026-11|expected '.' and a reversed domain name after the date"
	"iqn.2026-11.:disk1|expected a reversed domain name"
	"iqn.2026-11.org..example|expected a reversed domain name"
	"iqn.2026-11.org.example:disk_1|character '_' not allowed"
	"iqn.2026-11.org.example:disk 1|character ' ' not allowed"
	"$long224|longer than 223 bytes"
	"eui.0123|eui. must be followed by 16 hex digits"
	"naa.0123456789abcdef0|naa. must be followed by 16 or 32 hex digits"
	"foo.example|must start with iqn., eui. or naa."
	"|empty"
)
for b in "${bad_iqns[@]}"; do
	refuse "target add bad name: ${b#*|}" "${b#*|}" target add "${b%%|*}" --portal 127.0.0.1:3260
done
refuse "eui. well-formed (no such target)" "no target eui.02004567A425678D; see kissctl show" \
	target get eui.02004567A425678D
refuse "naa. 32 digits well-formed" "no target naa.6001405abcdef0123456789abcdef012" \
	target get naa.6001405abcdef0123456789abcdef012
refuse "target add bad portal" "bad portal address '127.0.0.1'" target add "$T" --portal 127.0.0.1
refuse "target add, no portal at all" "no portal to listen on: give --portal" target add "$T"
accept "target add, two implicit portals" target add "$T" --portal 127.0.0.1:3260 --portal '[::1]:3261'
value "implicit IPv4 portal" portals/127.0.0.1:3260/addr 127.0.0.1
value "implicit IPv4 portal enabled" portals/127.0.0.1:3260/enable 1
value "implicit IPv6 portal addr" "portals/[::1]:3261/addr" ::1
value "implicit IPv6 portal port" "portals/[::1]:3261/port" 3261
exists "portal link" "targets/$T/portals/127.0.0.1:3260"
exists "IPv6 portal link" "targets/$T/portals/[::1]:3261"
value "target enabled" "targets/$T/enable" 1
refuse "target add twice" "target $T already exists" target add "$T" --portal 127.0.0.1:3260
refuse "target add, 2nd portal in use: rolled back" "cannot listen on 0.0.0.0:3261: port in use" \
	target add "$T2" --portal 127.0.0.2:3270 --portal 0.0.0.0:3261
FAKE_CFS_FAIL='targets/*/enable=EINVAL' \
	refuse "target add, enable refused: rolled back" "cannot enable target $T2: the kernel refused" \
	target add "$T2" --portal 127.0.0.3:3260
accept "target add reuses portals by address" target add "$T2" --portal '[0:0::1]:3261' --portal 127.0.0.1:3260
exists "reused IPv6 portal linked" "targets/$T2/portals/[::1]:3261"
nportals=$(find "$root/portals" -mindepth 1 -maxdepth 1 | wc -l)
if [ "$nportals" -eq 2 ]; then ok "no new portal"; else not_ok "no new portal" "$nportals portals"; fi
accept "portal add named" portal add named 127.0.0.5:3262
accept "target add by portal name, duplicates dropped" target add "$T3" --portal named --portal 127.0.0.5:3262
exists "named portal linked" "targets/$T3/portals/named"

echo "# target set / get"
refuse "target set tpgt while enabled: says how" \
	"tpgt can only change while target $T is disabled (that closes its sessions): kissctl target set $T enable=0 tpgt=2, then kissctl target set $T enable=1" \
	target set "$T" tpgt=2
accept "target set" target set "$T" alias=disk allow_any_initiator=1 tpgt=2 enable=0 \
	maxrecvdatasegmentlength=8192 HeaderDigest=crc32c ImmediateData=no NopInInterval=0
value "target disabled for tpgt" "targets/$T/enable" 0
accept "target set enable=1" target set "$T" enable=1
value "alias" "targets/$T/alias" disk
value "allow_any_initiator" "targets/$T/allow_any_initiator" 1
value "tpgt" "targets/$T/tpgt" 2
value "MaxRecvDataSegmentLength" "targets/$T/params/MaxRecvDataSegmentLength" 8192
value "HeaderDigest normalized" "targets/$T/params/HeaderDigest" CRC32C
value "ImmediateData normalized" "targets/$T/params/ImmediateData" No
accept "lower both burst lengths (order handled)" target set "$T" MaxBurstLength=4096 FirstBurstLength=2048
value "MaxBurstLength lowered" "targets/$T/params/MaxBurstLength" 4096
accept "raise both burst lengths (order handled)" target set "$T" FirstBurstLength=262144 MaxBurstLength=524288
value "FirstBurstLength raised" "targets/$T/params/FirstBurstLength" 262144
refuse "FirstBurstLength above MaxBurstLength" "FirstBurstLength (600000) must not exceed MaxBurstLength (524288)" \
	target set "$T" FirstBurstLength=600000
bad_values=(
	"MaxRecvDataSegmentLength=511|MaxRecvDataSegmentLength must be 512..16777215"
	"MaxRecvDataSegmentLength=16777216|MaxRecvDataSegmentLength must be 512..16777215"
	"MaxBurstLength=abc|MaxBurstLength must be 512..16777215"
	"FirstBurstLength=|FirstBurstLength must be 512..16777215"
	"MaxOutstandingR2T=0|MaxOutstandingR2T must be 1..65535"
	"QueueDepth=513|QueueDepth must be 1..512"
	"tpgt=0|tpgt must be 1..65535"
	"tpgt=65536|tpgt must be 1..65535"
	"NopInInterval=-1|NopInInterval must be 0..3600"
	"NopInTimeout=0|NopInTimeout must be 1..3600"
	"enable=2|enable must be 0 or 1"
	"allow_any_initiator=yes|allow_any_initiator must be 0 or 1"
	"ImmediateData=maybe|ImmediateData must be Yes or No"
	"DataDigest=MD5|DataDigest must be None, CRC32C, CRC32C,None or None,CRC32C"
	"alias=$(printf 'x%.0s' $(seq 256))|alias must be at most 255 bytes"
)
for b in "${bad_values[@]}"; do
	refuse "target set ${b%%=*} out of range" "${b#*|}" target set "$T" "${b%%|*}"
done
refuse "target set unknown key" \
	"unknown key 'Foo'; valid keys: enable alias tpgt allow_any_initiator MaxRecvDataSegmentLength" \
	target set "$T" Foo=1
refuse "target set without =" "expected KEY=VALUE, not 'alias'" target set "$T" alias
refuse "target set key twice" "tpgt given twice" target set "$T" tpgt=3 TPGT=4
refuse "target set unknown target" "no target $T3-x; see kissctl show" target set "$T3-x" tpgt=3
refuse "target set bad name" "bad target name" target set IQN.FOO tpgt=3
FAKE_CFS_FAIL='targets/*/params/QueueDepth=EINVAL' \
	refuse "target set, kernel refuses 2nd value: 1st put back" \
	"cannot set QueueDepth=64 on target $T: the kernel refused the value" \
	target set "$T" alias=zzz QueueDepth=64
FAKE_CFS_FAIL='targets/*/alias=EBUSY' \
	refuse "target set, EBUSY in words" "busy: the object is in use or enabled; disable it first" \
	target set "$T" alias=x
accept "target get KEY" target get "$T" alias
if [ "$(cat "$work/out")" = disk ]; then ok "target get prints the value"; else not_ok "target get prints the value" "$(cat "$work/out")"; fi
accept "target get all" target get "$T"
output "target get all: tpgt" "tpgt=2"
output "target get all: params" "QueueDepth=128"
refuse "target get unknown key" "unknown key 'Bogus'; valid keys:" target get "$T" Bogus
refuse "target get unknown target" "no target $T3-x; see kissctl show" target get "$T3-x"

echo "# alua"
value "alua group_id default" "targets/$T/alua/group_id" 1
value "alua state default" "targets/$T/alua/state" active/optimized
refuse "alua_group_id while enabled: disable first" \
	"alua_group_id can only change while target $T is disabled (that closes its sessions): kissctl target set $T enable=0 alua_group_id=2" \
	target set "$T" alua_group_id=2
refuse "alua_rel_port_id while enabled, with other keys" \
	"alua_rel_port_id can only change while target $T is disabled" \
	target set "$T" alias=zz ALUA_REL_PORT_ID=3
refuse "alua_group_id with enable=1 on an enabled target" \
	"alua_group_id can only change while target $T is disabled" \
	target set "$T" enable=1 alua_group_id=2
accept "alua_state and alua_preferred while enabled" target set "$T" alua_state=Standby alua_preferred=1
value "alua state normalized" "targets/$T/alua/state" standby
value "alua preferred" "targets/$T/alua/preferred" 1
value "target still enabled" "targets/$T/enable" 1
accept "alua ids with enable=0" target set "$T" enable=0 alua_group_id=7 alua_rel_port_id=3
value "alua group_id" "targets/$T/alua/group_id" 7
value "alua rel_port_id" "targets/$T/alua/rel_port_id" 3
accept "alua ids of a disabled target, and enable=1 last" target set "$T" alua_rel_port_id=4 enable=1
value "alua rel_port_id set before enable" "targets/$T/alua/rel_port_id" 4
value "enabled again" "targets/$T/enable" 1
bad_alua=(
	"alua_group_id=0|alua_group_id must be 1..65535, not '0'"
	"alua_group_id=65536|alua_group_id must be 1..65535, not '65536'"
	"alua_rel_port_id=x|alua_rel_port_id must be 1..65535, not 'x'"
	"alua_state=active|alua_state must be active/optimized, active/non-optimized, standby, unavailable or transitioning, not 'active'"
	"alua_state=|alua_state must be active/optimized, active/non-optimized, standby"
	"alua_preferred=yes|alua_preferred must be 0 or 1, not 'yes'"
)
for b in "${bad_alua[@]}"; do
	refuse "target set ${b%%=*} bad value" "${b#*|}" target set "$T" "${b%%|*}"
done
FAKE_CFS_FAIL='targets/*/alua/state=EINVAL' \
	refuse "kernel refuses alua_state: alua_preferred put back" \
	"cannot set alua_state=unavailable on target $T: the kernel refused the value" \
	target set "$T" alua_preferred=0 alua_state=unavailable
FAKE_CFS_FAIL='targets/*/alua/group_id=EBUSY' \
	refuse "kernel refuses alua_group_id: target enabled again" \
	"cannot set alua_group_id=9 on target $T: busy" \
	target set "$T" enable=0 alua_group_id=9
accept "target get alua_state" target get "$T" alua_state
if [ "$(cat "$work/out")" = standby ]; then ok "target get alua_state prints it"; else not_ok "target get alua_state prints it" "$(cat "$work/out")"; fi
accept "target get all (alua)" target get "$T"
output "target get all: alua_group_id" "alua_group_id=7"
output "target get all: alua_rel_port_id" "alua_rel_port_id=4"
output "target get all: alua_state" "alua_state=standby"
output "target get all: alua_preferred" "alua_preferred=1"

echo "# luns"
if [ ${#devs[@]} -ge 3 ]; then
	b1=${devs[0]} b2=${devs[1]} b3=${devs[2]}
	for l in 256 -1 abc 1.5 ''; do
		refuse "lun add LUN '$l'" "LUN must be a number from 0 to 255, not '$l'" lun add "$T" "$l" "$b1"
	done
	touch "$work/file"
	refuse "lun add char device" "/dev/null is not a block device" lun add "$T" 0 /dev/null
	refuse "lun add regular file" "$work/file is not a block device" lun add "$T" 0 "$work/file"
	refuse "lun add directory" "$work is not a block device" lun add "$T" 0 "$work"
	refuse "lun add missing device" "no such block device: /dev/nonexistent" lun add "$T" 0 /dev/nonexistent
	refuse "lun add unknown target" "no target $T3-x; see kissctl show" lun add "$T3-x" 0 "$b1"
	refuse "lun add bad target name" "bad target name 'iqn.2026-11.Org'" lun add iqn.2026-11.Org 0 "$b1"
	refuse "lun add bad serial" "bad --serial 'a b'" lun add "$T" 0 "$b1" --serial 'a b'
	refuse "lun add bad wwn (length)" "bad --wwn '500140512345678'" lun add "$T" 0 "$b1" --wwn 500140512345678
	refuse "lun add bad wwn (NAA type)" "bad --wwn '6001405123456789'" lun add "$T" 0 "$b1" --wwn 6001405123456789
	accept "lun add" lun add "$T" 0 "$b1" --readonly --serial SER-1 --wwn naa.5001405ABCDEF012
	value "lun path" "targets/$T/luns/0/path" "$b1"
	value "lun readonly" "targets/$T/luns/0/readonly" 1
	value "lun serial" "targets/$T/luns/0/serial" SER-1
	value "lun wwn normalized" "targets/$T/luns/0/wwn" 5001405abcdef012
	value "lun enabled" "targets/$T/luns/0/enable" 1
	if (cd "$(dirname "$b2")" && k lun add "$T" 010 "$(basename "$b2")") && [ ! -s "$work/err" ]; then
		ok "lun add relative path, LUN 010"
	else
		not_ok "lun add relative path, LUN 010" "$(cat "$work/err")"
	fi
	value "relative path made absolute" "targets/$T/luns/10/path" "$b2"
	refuse "lun add twice" "LUN 0 of target $T already exists" lun add "$T" 0 "$b3"
	refuse "lun add device of another LUN" "$b1 is already LUN 0 of target $T" lun add "$T2" 0 "$b1"
	FAKE_CFS_FAIL='targets/*/luns/*/enable=EBUSY' \
		refuse "lun add, device busy: rolled back" \
		"$b3 is in use (mounted or opened exclusively by something else)" lun add "$T" 5 "$b3"
	FAKE_CFS_FAIL='targets/*/luns/*/enable=ENXIO' \
		refuse "lun add, ENXIO: rolled back" "no such block device: $b3" lun add "$T" 5 "$b3"
	FAKE_CFS_FAIL='targets/*/luns/*/serial=EINVAL' \
		refuse "lun add, serial refused: rolled back" "cannot configure LUN 5" \
		lun add "$T" 5 "$b3" --serial X
	refuse "lun add --shared=1" "unknown option --shared=1" lun add "$T" 5 "$b3" --shared=1
	FAKE_CFS_FAIL='targets/*/luns/*/shared=EINVAL' \
		refuse "lun add --shared, refused: rolled back" "cannot configure LUN 5" \
		lun add "$T" 5 "$b3" --shared
	accept "lun add --shared" lun add "$T" 5 "$b3" --shared
	value "lun shared (written before enable)" "targets/$T/luns/5/shared" 1
	value "shared lun enabled" "targets/$T/luns/5/enable" 1
	value "lun 0 not shared" "targets/$T/luns/0/shared" 0
	accept "show (shared lun)" show "$T"
	output "show: shared lun" "lun 5  $b3  1.0 GiB  rw  enabled  shared"
	noout "show: lun 0 not shared" "lun 0  $b1  1.0 GiB  ro  enabled  shared"
	accept "lun del (shared)" lun del "$T" 5
	accept "lun del" lun del "$T" 10
	absent "lun gone" "targets/$T/luns/10"
	refuse "lun del unknown" "no LUN 9 in target $T" lun del "$T" 9
	refuse "lun del LUN out of range" "LUN must be a number from 0 to 255, not '300'" lun del "$T" 300
else
	echo "# SKIP lun tests: no block devices (mknod not permitted, none in /dev)"
fi

echo "# acls"
refuse "acl add bad initiator" "bad initiator name 'iqn.1993-08.org.debian:01:Host'" acl add "$T" iqn.1993-08.org.debian:01:Host
refuse "acl add unknown target" "no target $T3-x; see kissctl show" acl add "$T3-x" "$I"
refuse "acl add short secret" "CHAP secret must be 12 to 255 characters" acl add "$T" "$I" --chap user:short
refuse "acl add 11-char secret" "CHAP secret must be 12 to 255 characters" acl add "$T" "$I" --chap user:12345678901
refuse "acl add long secret" "CHAP secret must be 12 to 255 characters" \
	acl add "$T" "$I" --chap "user:$(printf 's%.0s' $(seq 256))"
refuse "acl add short mutual secret" "--mutual: CHAP secret must be 12 to 255 characters" \
	acl add "$T" "$I" --chap "user:$S1" --mutual tgt:short
refuse "acl add empty user" "CHAP user name is empty" acl add "$T" "$I" --chap ":$S1"
refuse "acl add empty mutual user" "--mutual: CHAP user name is empty" acl add "$T" "$I" --chap "u:$S1" --mutual ":$S2"
refuse "acl add no colon" "--chap takes USER:SECRET" acl add "$T" "$I" --chap user
refuse "acl add mutual without chap" "--mutual needs --chap" acl add "$T" "$I" --mutual "tgt:$S2"
refuse "acl add same secret both ways" "must differ" acl add "$T" "$I" --chap "u:$S1" --mutual "t:$S1"
accept "acl add with mutual CHAP" acl add "$T" "$I" --chap "user1:$S1" --mutual "tgt1:$S2"
value "acl userid" "targets/$T/acls/$I/auth/userid" user1
value "acl password" "targets/$T/acls/$I/auth/.password" "$S1"
value "acl password reads back as <set>" "targets/$T/acls/$I/auth/password" "<set>"
value "acl userid_mutual" "targets/$T/acls/$I/auth/userid_mutual" tgt1
value "acl password_mutual" "targets/$T/acls/$I/auth/.password_mutual" "$S2"
refuse "acl add twice" "ACL for $I in target $T already exists" acl add "$T" "$I"
FAKE_CFS_FAIL='targets/*/acls/*/auth/password_mutual=EINVAL' \
	refuse "acl add, mutual secret refused: rolled back" "cannot set CHAP" \
	acl add "$T" "$I2" --chap "user2:$S1" --mutual "tgt2:$S2"
accept "acl add read-only, no CHAP" acl add "$T" "$I2" --readonly
value "acl readonly" "targets/$T/acls/$I2/readonly" 1
accept "acl del" acl del "$T" "$I2"
absent "acl gone" "targets/$T/acls/$I2"
refuse "acl del unknown" "no ACL for $I2 in target $T" acl del "$T" "$I2"

echo "# target auth, discovery auth"
refuse "target auth short secret" "CHAP secret must be 12 to 255 characters" target auth "$T" --chap u:x
accept "target auth" target auth "$T" --chap "any:$S1"
value "target auth userid" "targets/$T/auth/userid" any
refuse "discovery auth --none with --chap" "--none turns CHAP off" discovery auth --none --chap "u:$S1"
refuse "discovery auth short secret" "CHAP secret must be 12 to 255 characters" discovery auth --chap u:x
accept "discovery auth" discovery auth --chap "disc:$S1" --mutual "dtgt:$S2"
value "discovery enforce_auth" discovery/enforce_auth 1
value "discovery userid" discovery/auth/userid disc
accept "discovery auth status" discovery auth
output "discovery status" "discovery: CHAP user disc, mutual on, required"
noout "discovery status hides the secret" "$S1"

echo "# show, session list"
echo "initiator=$I isid=400001370000 tsih=1 cid=0 peer=127.0.0.1:51234 local=127.0.0.1:3260 hdgst=CRC32C ddgst=None mrdsl=262144 cmds=1234 read_bytes=4096 write_bytes=8192" \
	>"$root/targets/$T/sessions"
accept "show" show
output "show: portal" "127.0.0.1:3260  listening, 2 targets"
output "show: named portal" "named  127.0.0.5:3262  listening, 1 target"
output "show: target" "$T  enabled, tpgt 2, alias \"disk\""
output "show: target portals" "portals: 127.0.0.1:3260 [::1]:3261"
output "show: alua" "alua: group 7, port 4, standby, preferred"
output "show: alua of another target" "alua: group 1, port 1, active/optimized"
output "show: any initiator" "access: any initiator, CHAP on"
if [ ${#devs[@]} -ge 3 ]; then
	output "show: lun" "lun 0  $b1  1.0 GiB  ro  enabled  serial SER-1"
fi
output "show: acl" "acl $I  CHAP on (user user1), mutual on, rw"
output "show: session" "session $I  isid 400001370000  tsih 1  peer 127.0.0.1:51234"
output "show: discovery" "discovery: CHAP required (user disc), mutual on"
noout "show hides the CHAP secret" "$S1"
noout "show hides the mutual secret" "$S2"
accept "show IQN" show "$T2"
output "show IQN: that target" "$T2  enabled"
noout "show IQN: only that target" "$T3"
refuse "show unknown target" "no target $T3-x; see kissctl show" show "$T3-x"
accept "session list" session list
output "session list header" "TARGET"
output "session list row" "$T  $I  400001370000  1     0    127.0.0.1:51234  127.0.0.1:3260  CRC32C  None   262144  1234  4096        8192"
accept "session list IQN without sessions" session list "$T2"
if [ "$(wc -l <"$work/out")" -eq 1 ]; then ok "session list IQN: header only"; else not_ok "session list IQN: header only" "$(cat "$work/out")"; fi
refuse "session list unknown target" "no target $T3-x; see kissctl show" session list "$T3-x"

echo "# deletes"
refuse "portal del in use" "portal 127.0.0.1:3260 is used by target" portal del 127.0.0.1:3260
refuse "target del unknown" "no target $T3-x; see kissctl show" target del "$T3-x"
accept "target del" target del "$T3"
absent "target gone" "targets/$T3"
exists "its portal stays" portals/named
accept "portal del by address" portal del 127.0.0.5:3262
absent "portal gone" portals/named
refuse "target del twice" "no target $T3; see kissctl show" target del "$T3"

echo "# clear"
accept "clear" clear
if [ "$(snapshot)" = "$pristine" ]; then
	ok "clear leaves the tree as configfs starts"
else
	not_ok "clear leaves the tree as configfs starts" "$(diff <(echo "$pristine") <(snapshot))"
fi
accept "clear on an empty tree" clear
refuse "target add after clear, no portal" "no portal to listen on" target add "$T"

echo "# save, restore"
# restore_fails DESC EXPECTED-TEXT FILE: exit 1, the object named on the
# first line of stderr, the tree as it was before.
restore_fails() {
	local rc
	snapshot >"$work/before"
	k restore "$3"
	rc=$?
	snapshot >"$work/after"
	if [ "$rc" -ne 1 ]; then
		not_ok "$1" "exit status $rc, want 1" "stderr: $(cat "$work/err")"
	elif ! head -n1 "$work/err" | grep -qF -- "$2"; then
		not_ok "$1" "stderr: $(cat "$work/err")" "want:   $2"
	elif ! diff -u "$work/before" "$work/after" >"$work/diff"; then
		not_ok "$1" "the tree changed:" "$(cat "$work/diff")"
	else
		ok "$1"
	fi
}
# same DESC FILE1 FILE2
same() {
	if diff -u "$2" "$3" >"$work/diff"; then ok "$1"; else not_ok "$1" "$(cat "$work/diff")"; fi
}
# mode DESC FILE OCTAL
mode() {
	local m
	m=$(stat -c %a "$2" 2>/dev/null) || m="(missing)"
	if [ "$m" = "$3" ]; then ok "$1"; else not_ok "$1" "$2 has mode $m, want $3"; fi
}
# has DESC FILE FIXED-STRING / hasnt
has() { if grep -qF -- "$3" "$2"; then ok "$1"; else not_ok "$1" "no '$3' in $2"; fi; }
hasnt() { if grep -qF -- "$3" "$2"; then not_ok "$1" "'$3' in $2"; else ok "$1"; fi; }

cfg=$work/etc/config.json
accept "save --help" save --help
output "save --help: default file" "/etc/kiss/config.json"
accept "restore --help" restore --help
if [ ${#devs[@]} -ge 3 ]; then
	accept "portal add (save)" portal add all 0.0.0.0:3260
	accept "portal add IPv6 (save)" portal add v6 '[::1]:3261'
	accept "portal limit (save)" portal set v6 max_per_source=4
	accept "target add (save)" target add "$T" --portal all --portal v6
	accept "target set (save)" target set "$T" alias="first disk" QueueDepth=64 \
		MaxBurstLength=4096 FirstBurstLength=2048 DataDigest=CRC32C
	accept "lun add with ids (save)" lun add "$T" 0 "$b1" --serial SER-0 --wwn 5001405abcdef012
	accept "lun add derived ids (save)" lun add "$T" 3 "$b2" --readonly
	accept "acl add mutual CHAP (save)" acl add "$T" "$I" --chap "user1:$S1" --mutual "tgt1:$S2"
	accept "acl add read-only (save)" acl add "$T" "$I2" --readonly
	accept "target add 2 (save)" target add "$T2" --portal all
	accept "target set 2 (save)" target set "$T2" enable=0 allow_any_initiator=1 tpgt=5 \
		alua_group_id=2 alua_rel_port_id=2 alua_state=standby
	accept "alua of target 1 (save)" target set "$T" alua_state=active/non-optimized alua_preferred=1
	accept "target auth (save)" target auth "$T2" --chap "any:$S1"
	accept "lun add 2, shared (save)" lun add "$T2" 1 "$b3" --shared
	accept "discovery auth (save)" discovery auth --chap "disc:$S1" --mutual "dtgt:$S2"
	mode "secrets store is 0600" "$KISS_SECRETS" 600
	mode "secrets store directory is 0700" "$work/etc" 700

	accept "show --json" show --json
	cp "$work/out" "$work/show1.json"
	has "show --json: target" "$work/show1.json" "\"name\": \"$T\""
	has "show --json: lun size" "$work/show1.json" "\"size\": 1073741824"
	has "show --json: sessions" "$work/show1.json" "\"sessions\": []"
	has "show --json: every portal limit" "$work/show1.json" "\"max_connections\": 1024"
	hasnt "show --json: no secret" "$work/show1.json" "$S1"
	hasnt "show --json: no mutual secret" "$work/show1.json" "$S2"
	hasnt "show --json: no password key" "$work/show1.json" "password"
	accept "show --json IQN" show --json "$T2"
	output "show --json IQN: that target" "\"tpgt\": 5"
	output "show --json IQN: alua group" "\"group_id\": 2"
	output "show --json IQN: alua state" "\"state\": \"standby\""
	output "show --json IQN: shared lun" "\"shared\": true"
	noout "show --json IQN: only that target" "$T\""

	printf 'old\n' >"$cfg"
	chmod 644 "$cfg"
	snapshot >"$work/tree1"
	accept "save FILE" save "$cfg"
	mode "saved file is 0600" "$cfg" 600
	if compgen -G "$work/etc/.config*" >/dev/null; then
		not_ok "save leaves no temporary file" "$(ls -A "$work/etc")"
	else
		ok "save leaves no temporary file"
	fi
	has "save: the secret" "$cfg" "\"password\": \"$S1\""
	has "save: the mutual secret" "$cfg" "\"password_mutual\": \"$S2\""
	has "save: derived serial kept" "$cfg" "\"serial\": \"$(cat "$root/targets/$T/luns/3/serial")\""
	has "save: disabled target" "$cfg" "\"enable\": false"
	has "save: alua object" "$cfg" "\"alua\": {"
	has "save: alua state" "$cfg" "\"state\": \"active/non-optimized\""
	has "save: alua preferred" "$cfg" "\"preferred\": true"
	has "save: alua rel_port_id" "$cfg" "\"rel_port_id\": 2"
	has "save: shared lun" "$cfg" "\"shared\": true"
	has "save: unshared lun" "$cfg" "\"shared\": false"
	hasnt "save: no alua_ keys" "$cfg" "\"alua_"
	has "save: a portal limit not at its default" "$cfg" "\"max_per_source\": 4"
	hasnt "save: limits at their defaults left out" "$cfg" "max_connections"
	accept "save -" save -
	same "save - writes what save FILE does" "$cfg" "$work/out"

	accept "clear (before restore)" clear
	accept "restore" restore "$cfg"
	accept "show --json after restore" show --json
	same "save, clear, restore: same show --json" "$work/show1.json" "$work/out"
	snapshot >"$work/tree2"
	same "save, clear, restore: same tree, secrets included" "$work/tree1" "$work/tree2"
	FAKE_CFS_FAIL='*=EIO' FAKE_CFS_FAIL_MKDIR='*=EIO' \
		accept "restore again: nothing to write" restore "$cfg"
	snapshot >"$work/tree3"
	same "restore twice: same tree" "$work/tree1" "$work/tree3"
	accept "save after restore" save "$work/etc/config2.json"
	same "save, restore, save: same file" "$cfg" "$work/etc/config2.json"
	accept "restore from standard input" restore - <"$cfg"

	accept "drift: target set" target set "$T" alias=changed QueueDepth=8
	accept "drift: target add" target add "$T3" --portal all
	accept "drift: lun del" lun del "$T" 3
	accept "drift: acl del" acl del "$T" "$I2"
	accept "drift: acl auth" acl auth "$T" "$I" --chap "other:$S2"
	accept "drift: portal add" portal add extra 127.0.0.9:3270
	accept "drift: portal limits" portal set all max_connections=7
	accept "drift: portal limit back to the default" portal set v6 max_per_source=64
	accept "drift: alua state, any time" target set "$T" alua_state=transitioning alua_preferred=0
	accept "drift: alua ids of target 1" target set "$T" enable=0 alua_group_id=11 alua_rel_port_id=12
	accept "drift: target 1 enabled again" target set "$T" enable=1
	echo 1 >"$root/targets/$T/luns/0/shared"	# behind kissctl's back
	accept "drift: alua ids of target 2" target set "$T2" alua_group_id=9
	accept "drift: enable target 2" target set "$T2" enable=1
	accept "restore over changes" restore "$cfg"
	snapshot >"$work/tree4"
	same "restore over changes: the saved tree again" "$work/tree1" "$work/tree4"
	value "restore: enabled target 1 disabled for its alua ids, enabled again" "targets/$T/enable" 1
	value "restore: alua group_id of an enabled target" "targets/$T/alua/group_id" 1
	value "restore: shared flag of an enabled LUN" "targets/$T/luns/0/shared" 0
	value "restore: an absent limit is the default" portals/all/max_connections 1024
	value "restore: a limit from the file" "portals/v6/max_per_source" 4

	# a file from before ALUA: the alua settings stay as they are
	accept "alua state (old file)" target set "$T" alua_state=unavailable
	printf '%s\n' "{\"portals\": [{\"name\": \"all\", \"addr\": \"0.0.0.0\"}]," \
		"\"targets\": [{\"name\": \"$T\", \"portals\": [\"all\"]," \
		"\"luns\": [{\"id\": 0, \"path\": \"$b1\"}]}]}" >"$work/old.json"
	accept "restore: a file without alua" restore "$work/old.json"
	value "restore without shared: not shared" "targets/$T/luns/0/shared" 0
	value "restore without alua leaves the state" "targets/$T/alua/state" unavailable
	accept "restore the saved file again" restore "$cfg"
	value "alua state restored" "targets/$T/alua/state" active/non-optimized

	accept "clear (before a failing restore)" clear
	FAKE_CFS_FAIL='targets/*/luns/3/enable=EBUSY' \
		restore_fails "restore, kernel refuses LUN 3: named, all undone" \
		"kissctl: restore: target $T: lun 3: $b2 is in use" "$cfg"
	if [ "$(snapshot)" = "$pristine" ]; then
		ok "failed restore leaves the tree as it was"
	else
		not_ok "failed restore leaves the tree as it was"
	fi
	accept "restore after the failure" restore "$cfg"

	bad=$work/bad.json
	sed "s/\"name\": \"$T\"/\"name\": \"iqn.2026-11.org.Example:disk1\"/" "$cfg" >"$bad"
	restore_fails "restore: bad IQN" \
		"kissctl: restore: bad target name 'iqn.2026-11.org.Example:disk1': uppercase letters" "$bad"
	sed "s#\"path\": \"$b2\"#\"path\": \"/dev/nonexistent\"#" "$cfg" >"$bad"
	restore_fails "restore: missing device" \
		"kissctl: restore: target $T: lun 3: no such block device: /dev/nonexistent" "$bad"
	sed 's/"port": 3260/"port": "3260"/' "$cfg" >"$bad"
	restore_fails "restore: wrong type (string for integer)" \
		"kissctl: restore: portal all: port: expected an integer, not a string" "$bad"
	sed 's/"max_per_source": 4/"max_per_source": 0/' "$cfg" >"$bad"
	restore_fails "restore: portal limit out of range" \
		"kissctl: restore: portal v6: max_per_source must be 1..65535, not '0'" "$bad"
	sed 's/"max_per_source": 4/"max_per_source": "4"/' "$cfg" >"$bad"
	restore_fails "restore: portal limit not an integer" \
		"kissctl: restore: portal v6: max_per_source: expected an integer, not a string" "$bad"
	sed 's/"readonly": true/"readonly": "yes"/' "$cfg" >"$bad"
	restore_fails "restore: wrong type (string for boolean)" \
		"kissctl: restore: target $T: lun 3: readonly: expected true or false, not a string" "$bad"
	sed 's/"tpgt": 5/"tpgt": 0/' "$cfg" >"$bad"
	restore_fails "restore: tpgt out of range" \
		"kissctl: restore: target $T2: tpgt must be 1..65535, not '0'" "$bad"
	sed 's#"state": "active/non-optimized"#"state": "active"#' "$cfg" >"$bad"
	restore_fails "restore: bad alua state" \
		"kissctl: restore: target $T: alua_state must be active/optimized, active/non-optimized, standby, unavailable or transitioning, not 'active'" "$bad"
	sed 's/"rel_port_id": 2/"rel_port_id": 0/' "$cfg" >"$bad"
	restore_fails "restore: alua rel_port_id out of range" \
		"kissctl: restore: target $T2: alua_rel_port_id must be 1..65535, not '0'" "$bad"
	sed 's/"preferred": true/"preferred": 1/' "$cfg" >"$bad"
	restore_fails "restore: alua preferred not a boolean" \
		"kissctl: restore: target $T: alua_preferred: expected true or false, not an integer" "$bad"
	sed 's/"preferred": true/"preferred": true, "pref": true/' "$cfg" >"$bad"
	restore_fails "restore: unknown key in alua" \
		"kissctl: restore: target $T: alua: unknown key 'pref'" "$bad"
	sed 's/"shared": true/"shared": "yes"/' "$cfg" >"$bad"
	restore_fails "restore: shared not a boolean" \
		"kissctl: restore: target $T2: lun 1: shared: expected true or false, not a string" "$bad"
	sed 's/"QueueDepth": 64/"QueueDepth": 999/' "$cfg" >"$bad"
	restore_fails "restore: param out of range" \
		"kissctl: restore: target $T: params: QueueDepth must be 1..512, not '999'" "$bad"
	sed 's/"DataDigest": "CRC32C"/"DataDigest": "MD5"/' "$cfg" >"$bad"
	restore_fails "restore: bad digest" "target $T: params: DataDigest must be None, CRC32C" "$bad"
	sed 's/"alias": "first disk"/"alias": "first disk", "bogus": 1/' "$cfg" >"$bad"
	restore_fails "restore: unknown key" "kissctl: restore: target $T: unknown key 'bogus'" "$bad"
	sed "s/\"password\": \"$S1\"/\"password\": \"short\"/" "$cfg" >"$bad"
	restore_fails "restore: short secret" \
		"kissctl: restore: target $T: acl $I: auth: password of user user1 must be 12 to 255" "$bad"
	sed 's/"wwn": "5001405abcdef012"/"wwn": "12"/' "$cfg" >"$bad"
	restore_fails "restore: bad wwn" "kissctl: restore: target $T: lun 0: bad --wwn '12'" "$bad"
	restore_fails "restore: show --json has no secrets" \
		"kissctl: restore: target $T: acl $I: auth: no password for user user1: kissctl show --json leaves secrets out" \
		"$work/show1.json"
	for b in \
		"{\"targets\": [{\"name\": \"$T\", \"portals\": [\"nope\"]}]}|restore: target $T: portal nope is not among the file's portals" \
		"{\"targets\": [{\"name\": \"$T\"}]}|restore: target $T: enabled, but linked to no portal" \
		"{\"portals\": [{\"name\": \"p\", \"addr\": \"127.0.0.1\"}], \"targets\": [{\"name\": \"$T\", \"portals\": [\"p\"], \"luns\": [{\"id\": 1, \"path\": \"$b1\"}, {\"id\": 1, \"path\": \"$b2\"}]}]}|restore: target $T: lun 1: named twice" \
		"{\"portals\": [{\"name\": \"p\", \"addr\": \"127.0.0.1\"}], \"targets\": [{\"name\": \"$T\", \"portals\": [\"p\"], \"luns\": [{\"id\": 1, \"path\": \"$b1\"}, {\"id\": 2, \"path\": \"$b1\"}]}]}|restore: target $T: lun 2: $b1 is also LUN 1 of $T" \
		"{\"portals\": [{\"name\": \"p\", \"addr\": \"127.0.0.1\", \"port\": 0}]}|restore: portal p: bad portal address '127.0.0.1:0': port must be 1 to 65535" \
		"{\"portals\": [{\"addr\": \"127.0.0.1\"}]}|restore: portals[0]: name: missing" \
		"{\"targets\": [{\"name\": \"$T\", \"enable\": false, \"luns\": [{\"id\": 256, \"path\": \"$b1\"}]}]}|restore: target $T: luns[0]: id: LUN must be a number from 0 to 255" \
		"{\"discovery\": {\"enforce_auth\": true}}|restore: discovery: enforce_auth needs a CHAP userid" \
		"{\"version\": 2}|restore: version 2 is not one this kissctl knows" \
		"[]|restore: expected an object at the top, not an array" \
		"{\"targets\": {}}|restore: targets: expected an array, not an object" \
		"{\"targets\": [{\"name\": \"$T\", \"enable\": false, \"alua\": []}]}|restore: target $T: alua: expected an object, not an array" \
		"{\"targets\": [{\"name\": \"$T\", \"enable\": false, \"alua_state\": \"standby\"}]}|restore: target $T: unknown key 'alua_state'"; do
		printf '%s\n' "${b%%|*}" >"$bad"
		restore_fails "restore: ${b#*|}" "kissctl: ${b#*|}" "$bad"
	done
	printf '{\n  "portals": [\n    {"name": "p",, }\n  ]\n}\n' >"$bad"
	restore_fails "restore: malformed JSON, line and column" "kissctl: restore: $bad:3:18: " "$bad"
	printf '{\n  "portals": [\n' >"$bad"
	restore_fails "restore: truncated JSON" "kissctl: restore: $bad:3:" "$bad"
	restore_fails "restore: no such file" \
		"kissctl: restore: cannot read $work/nope.json: No such file or directory" "$work/nope.json"

	# a user name without a secret (echo into configfs): saved and restored as it is
	accept "acl add, no CHAP (user only)" acl add "$T" "$I2-u"
	echo user9 >"$root/targets/$T/acls/$I2-u/auth/userid"
	accept "save: user name without a secret" save "$work/etc/user-only.json"
	has "save: empty password" "$work/etc/user-only.json" '"userid": "user9",'
	snapshot >"$work/tree5"
	accept "clear (user only)" clear
	accept "restore: user name without a secret" restore "$work/etc/user-only.json"
	snapshot >"$work/tree6"
	same "restore: user name without a secret, same tree" "$work/tree5" "$work/tree6"
	FAKE_CFS_FAIL='*=EIO' accept "restore again (user only): nothing to write" \
		restore "$work/etc/user-only.json"
	accept "acl del (user only)" acl del "$T" "$I2-u"

	echo "# secrets"
	accept "acl auth status" acl auth "$T" "$I"
	output "acl auth status: user" "acl $I: CHAP user user1, mutual on"
	noout "acl auth status hides the secret" "$S1"
	refuse "acl auth unknown ACL" "no ACL for $I2-x in target $T" acl auth "$T" "$I2-x" --none
	refuse "acl auth short secret" "CHAP secret must be 12 to 255 characters" acl auth "$T" "$I" --chap u:x
	mv "$KISS_SECRETS" "$work/secrets.saved"
	k save "$work/etc/nosecrets.json"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -qF "kissctl: save: target $T: acl $I: the CHAP secret of user user1 was not set by kissctl" "$work/err" &&
	   grep -qF "kissctl: save: discovery: the CHAP secret of user disc" "$work/err" &&
	   grep -qF "kissctl acl auth $T $I --chap USER:SECRET" "$work/err" &&
	   [ ! -e "$work/etc/nosecrets.json" ]; then
		ok "save refuses secrets it does not know, names them, writes nothing"
	else
		not_ok "save refuses secrets it does not know, names them, writes nothing" "exit $rc" "$(cat "$work/err")"
	fi
	accept "acl auth sets CHAP again" acl auth "$T" "$I" --chap "user1:$S1" --mutual "tgt1:$S2"
	value "acl auth: userid" "targets/$T/acls/$I/auth/userid" user1
	value "acl auth: secret" "targets/$T/acls/$I/auth/.password" "$S1"
	accept "target auth sets CHAP again" target auth "$T2" --chap "any:$S1"
	accept "discovery auth sets CHAP again" discovery auth --chap "disc:$S1" --mutual "dtgt:$S2"
	accept "save once the secrets are known again" save "$work/etc/again.json"
	same "save: the same file as before" "$cfg" "$work/etc/again.json"
	accept "acl auth --none" acl auth "$T" "$I" --none
	value "acl auth --none: userid" "targets/$T/acls/$I/auth/userid" ""
	hasnt "acl auth --none: secret forgotten" "$KISS_SECRETS" "acls/$I/auth"
	accept "acl del forgets the secret" acl auth "$T" "$I" --chap "user1:$S1"
	has "acl auth: secret remembered" "$KISS_SECRETS" "acls/$I/auth"
	accept "acl del (secrets)" acl del "$T" "$I"
	hasnt "acl del: secret forgotten" "$KISS_SECRETS" "acls/$I/auth"
	accept "target del (secrets)" target del "$T2"
	hasnt "target del: secret forgotten" "$KISS_SECRETS" "targets/$T2/"

	echo "# sessions"
	echo "initiator=$I isid=400001370000 tsih=1 cid=0 peer=127.0.0.1:51234 local=127.0.0.1:3260 hdgst=CRC32C ddgst=None mrdsl=262144 cmds=1234 read_bytes=4096 write_bytes=8192 errors=0 tmfs=3 mbl=1048576" \
		>"$root/targets/$T/sessions"
	echo "initiator=$I2 isid=000000000001 tsih=2 cid=0 peer=[::1]:40000 local=[::1]:3261 hdgst=None ddgst=None mrdsl=8192 cmds=0 read_bytes=0 write_bytes=0 errors=0 tmfs=0" \
		>>"$root/targets/$T/sessions"
	accept "session list --json" session list --json
	output "session list --json: target" "\"target\": \"$T\""
	output "session list --json: isid stays a string" "\"isid\": \"000000000001\""
	output "session list --json: tsih a number" "\"tsih\": 2"
	output "session list --json: counters" "\"read_bytes\": 4096"
	output "session list --json: other fields too" "\"mbl\": \"1048576\""
	accept "session list, a field kissctl does not know" session list "$T"
	output "session list: its column" "TMFS  MBL"
	output "session list: its value" "3     1048576"
	accept "show --json with sessions" show --json "$T"
	output "show --json: the session" "\"peer\": \"[::1]:40000\""
	accept "save ignores sessions" save "$work/etc/sessions.json"
	hasnt "save: no sessions" "$work/etc/sessions.json" "sessions"

	accept "clear (after save, restore)" clear
	if [ "$(snapshot)" = "$pristine" ]; then
		ok "clear: the tree as configfs starts"
	else
		not_ok "clear: the tree as configfs starts" "$(diff <(echo "$pristine") <(snapshot))"
	fi
	hasnt "clear: every secret forgotten" "$KISS_SECRETS" "auth/"
else
	echo "# SKIP save/restore tests: no block devices"
fi

echo "# bash completion, man page"
bc=/usr/share/bash-completion/bash_completion
if [ -r "$bc" ]; then
	accept "target add (completion)" target add "$T" --portal 127.0.0.1:3260
	accept "acl add (completion)" acl add "$T" "$I"
	# complete WANT WORDS...: the completions of the last word include WANT
	complete_has() {
		local want=$1 got
		shift
		got=$(KISS_CONFIGFS=$root bash -c '
			source "$1" && source "$2" && shift 2 &&
			COMP_WORDS=("$@") && COMP_CWORD=$(($# - 1)) &&
			COMP_LINE="$*" && COMP_POINT=${#COMP_LINE} && _kissctl &&
			printf "%s\n" "${COMPREPLY[@]}"' _ "$bc" \
			"$here/../../userspace/kissctl.bash-completion" "$@" 2>&1)
		if grep -qxF -- "$want" <<<"$got"; then
			ok "complete '$*': $want"
		else
			not_ok "complete '$*': $want" "got: $(echo $got)"
		fi
	}
	complete_has target kissctl ta
	complete_has restore kissctl re
	complete_has auth kissctl acl ""
	complete_has "$T" kissctl lun add ""
	complete_has MaxBurstLength= kissctl target set "$T" MaxB
	complete_has QueueDepth kissctl target get "$T" Q
	complete_has alua_state= kissctl target set "$T" alua_s
	complete_has alua_group_id kissctl target get "$T" alua_g
	complete_has alua_state=active/non-optimized kissctl target set "$T" alua_state=active/n
	complete_has alua_preferred=1 kissctl target set "$T" alua_preferred=
	complete_has --shared kissctl lun add "$T" 0 /dev/null --sh
	complete_has set kissctl portal s
	complete_has 127.0.0.1:3260 kissctl portal set ""
	complete_has max_per_source= kissctl portal set 127.0.0.1:3260 max_p
	complete_has max_connections kissctl portal get 127.0.0.1:3260 max_c
	complete_has "$I" kissctl acl auth "$T" ""
	complete_has --json kissctl session list --
	complete_has --mutual kissctl discovery auth --
	complete_has 127.0.0.1:3260 kissctl target add x --portal ""
	accept "clear (completion)" clear
else
	echo "# SKIP completion tests: no $bc (apt-get install bash-completion)"
fi
man=$here/../../Documentation/kissctl.8
if command -v groff >/dev/null; then
	warn=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$man" 2>&1)
	if [ -z "$warn" ]; then ok "man page: no groff warnings"; else not_ok "man page: no groff warnings" "$warn"; fi
	# every command kissctl --help lists is in the man page
	KISS_CONFIGFS=$root "$kissctl" --help >"$work/out"
	missing=$(sed -n 's/^  kissctl \([a-z]*\)\( \([a-z]*\)\)\?.*/\1 \3/p' "$work/out" |
		while read -r a b; do
			grep -q "^\\.B kissctl $a${b:+ $b}\\b" "$man" || echo "$a${b:+ $b}"
		done)
	if [ -z "$missing" ]; then ok "man page: every command"; else not_ok "man page: every command" "missing: $(echo $missing)"; fi
else
	echo "# SKIP man page check: no groff"
fi

echo
echo "$n checks, $failed failed"
[ "$failed" -eq 0 ]
