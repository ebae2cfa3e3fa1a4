#!/bin/bash
# cockpit.sh KISS_KO   (in the guest: tests/vm/run.sh -k KVER tests/vm/cockpit.sh KISS_KO)
#
# The Cockpit page in a real browser.  kissctl makes a target with a LUN
# and an ACL with CHAP and mutual CHAP, open-iscsi logs in to it; `make
# install` puts kissctl and the page in place (in the guest's overlay);
# cockpit-ws serves a local session on 127.0.0.1:9090; headless Chromium
# opens the page and tests/cockpit/test_page.py drives it through the DOM
# (see there), comparing with `kissctl show --json`.  Screenshots of each
# step: $VM_RESULTS/cockpit-*.png.  A browser or cockpit-ws that does not
# start is a failure, not a skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

ko=${1:?usage: $0 KISS_KO}
T1=iqn.2026-11.org.kiss:web1
I1=iqn.1993-08.org.debian:01:kissweb1
S1=websecret-one1
M1=webmutual-one1
P=127.0.0.1:3260
WS_PORT=9090
start=$SECONDS

die() { echo "cockpit: FAIL: $*"; exit 1; }

ws=/usr/lib/cockpit/cockpit-ws
[ -x "$ws" ] || die "$ws missing: apt-get install cockpit-ws cockpit-bridge cockpit-system (.ci/install-deps)"
command -v cockpit-bridge >/dev/null || die "cockpit-bridge missing (.ci/install-deps)"
[ -f /usr/share/cockpit/shell/manifest.json ] || die "Cockpit's shell missing: apt-get install cockpit-system (.ci/install-deps)"
command -v chromium-headless-shell >/dev/null || command -v chromium >/dev/null ||
	die "chromium-headless-shell missing (.ci/install-deps)"
# KISS_TEST_COCKPIT_SHELL=1: also a screenshot of the page in Cockpit's
# shell (its menu and frames cost a minute or two more under TCG).
shell=
[ "${KISS_TEST_COCKPIT_SHELL:-0}" = 1 ] && shell=--shell-screenshot
stamp() { echo "# $* at $((SECONDS - start))s"; }

kiss_load "$ko" || die "cannot load $ko"
stamp loaded
modprobe brd rd_nr=3 rd_size=65536 || die "modprobe brd"	# 3 x 64 MiB

# What `make install` installs (kissctl in /usr/sbin, the page in
# /usr/share/cockpit/kiss), into the guest's tmpfs overlay.
check "make install (userspace)" make -s -C "$VM_DIR/userspace" install PREFIX=/usr
check "the page is installed" test -f /usr/share/cockpit/kiss/manifest.json
check "kissctl is installed" test -x /usr/sbin/kissctl
stamp installed

# A local session (no login) on loopback only.  No D-Bus in the guest:
# the bridge says so in its log and goes on.
"$ws" --no-tls --local-session=cockpit-bridge -a 127.0.0.1 -p $WS_PORT \
	>"$VM_RESULTS/cockpit-ws.log" 2>&1 &
ws_pid=$!

# The browser test, started now: Chromium takes a minute to start under
# TCG, meanwhile kissctl and open-iscsi set up what the page is to show.
# Its own "ok N" lines; a failure of any fails this test.
ready=/tmp/cockpit-setup-done
t0=$SECONDS
python3 "$VM_DIR/tests/cockpit/test_page.py" --wait-for $ready \
	--url "http://127.0.0.1:$WS_PORT/cockpit/@localhost/kiss/index.html" \
	--kissctl /usr/sbin/kissctl --out "$VM_RESULTS" --target "$T1" \
	--initiator "$I1" --secret "$S1" --device1 /dev/ram0 --device2 /dev/ram1 --device3 /dev/ram2 \
	--session $shell >"$VM_RESULTS/cockpit-test.log" 2>&1 &
test_pid=$!

check "target by kissctl" "$KISSCTL" target add "$T1" --portal "$P"
check "LUN 0 by kissctl" "$KISSCTL" lun add "$T1" 0 /dev/ram0
check "ACL with CHAP and mutual CHAP by kissctl" \
	"$KISSCTL" acl add "$T1" "$I1" --chap "user1:$S1" --mutual "tgt1:$M1"

login() {
	local o
	iscsiadm -m discovery -t st -p $P >/dev/null || return 1
	for o in "node.session.auth.authmethod CHAP" \
		 "node.session.auth.username user1" \
		 "node.session.auth.password $S1" \
		 "node.session.auth.username_in tgt1" \
		 "node.session.auth.password_in $M1"; do
		# shellcheck disable=SC2086 # "name value"
		set -- $o
		iscsiadm -m node -T "$T1" -p $P -o update -n "$1" -v "$2" || return 1
	done
	iscsiadm -m node -T "$T1" -p $P --login
}
# Discovery needs an ACL-admitted initiator: ours has one.
iscsid_start "$I1"
check "open-iscsi logs in with mutual CHAP" login
stamp "set up"
touch $ready

wait $test_pid
rc=$?
sed 's/^\(not \)\{0,1\}ok /  &/' "$VM_RESULTS/cockpit-test.log"
checks=$((checks + 1))
if [ "$rc" = 0 ]; then
	echo "ok $checks - the page in Chromium ($((SECONDS - t0))s)"
else
	failures=$((failures + 1))
	echo "not ok $checks - the page in Chromium: status $rc ($((SECONDS - t0))s; chromium.log, cockpit-ws.log and screenshots in the results directory)"
fi

kill "$ws_pid" 2>/dev/null
wait "$ws_pid" 2>/dev/null
iscsiadm -m node -u >/dev/null 2>&1
iscsiadm -m node -o delete >/dev/null 2>&1
iscsid_stop
check "kissctl clear" "$KISSCTL" clear
check "rmmod kiss" rmmod kiss
check "rmmod brd" rmmod brd
echo "# $((SECONDS - start))s in the guest"
finish
