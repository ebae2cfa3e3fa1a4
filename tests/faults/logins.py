#!/usr/bin/env python3
"""Login loops and allocation-failure injection against kiss, over raw
sockets (tests/pdu/iscsi.py), for tests/vm/faults.sh.

  logins.py cycles  --addr A --target T --initiator I -n N
      N login / TEST UNIT READY / logout cycles; every one must work.
  logins.py reject  --addr A --target T --chap-initiator I -n N
      N logins that must be refused, in turn: an unknown target name,
      AuthMethod=None where the ACL requires CHAP, a wrong CHAP_R.
  logins.py inject  --addr A --target T --initiator I -n N --bs B
      N logins with kiss's connection threads marked for failslab and
      fail_page_alloc (/proc/PID/make-it-fail, task-filter=Y; the caller
      arms /sys/kernel/debug/fail*), each followed by writes and reads
      that are checked.  Every failure must end as a login refusal, a
      CHECK CONDITION / BUSY, or a closed connection; a request left
      unanswered on an open connection, or a read that returns other
      data than a write acknowledged with GOOD, fails the run.
  logins.py io --addr A --target T --initiator I --bs B
      one login, a write and read back compared, logout (a health check).

Prints a one-line summary of counts last; exit 0 when all is as it must.
"""
import argparse
import hashlib
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'pdu'))
import iscsi  # noqa: E402
from iscsi import Conn, Closed, Timeout, LOGIN_RSP, LOGIN_T, SCSI_RSP, \
    parse_text  # noqa: E402

# Long enough for a KASAN kernel under TCG; shorter than any bound kiss
# documents would make a slow answer look like a stuck one.
REPLY_TIMEOUT = 20.0
FAULT_DIRS = ('/sys/kernel/debug/failslab', '/sys/kernel/debug/fail_page_alloc')


class Refused(Exception):
    """The target answered the login with a non-zero status."""
    def __init__(self, cls, detail):
        Exception.__init__(self, '%02x/%02x' % (cls, detail))
        self.cls = cls
        self.detail = detail


def exchange(c, flags, kv, timeout=REPLY_TIMEOUT):
    bhs, data = c.login_pdu(flags, kv)
    c.send_pdu(bhs, data, hd=False, dd=False)
    p = c.recv_nonping(timeout)
    if p.op != LOGIN_RSP:
        raise Closed('expected a login response, got %s' % p.describe())
    c.expstatsn = (p.statsn + 1) & 0xffffffff
    if p.bhs[36] != 0:
        raise Refused(p.bhs[36], p.bhs[37])
    return p


def login(c, initiator, target, timeout=REPLY_TIMEOUT):
    """AuthMethod=None, then the operational stage into Full Feature
    Phase.  Raises Refused, Closed or Timeout."""
    kv = {'InitiatorName': initiator, 'SessionType': 'Normal',
          'TargetName': target, 'AuthMethod': 'None'}
    p = exchange(c, LOGIN_T | 1, kv, timeout)
    c.params.update(parse_text(p.data))
    kv = {}
    for _ in range(4):
        p = exchange(c, LOGIN_T | (1 << 2) | 3, kv, timeout)
        got = parse_text(p.data)
        c.params.update(got)
        if p.flags & LOGIN_T and (p.flags & 3) == 3:
            break
        kv = {k: v for k, v in got.items()
              if k not in ('TargetPortalGroupTag', 'TargetAlias',
                           'MaxRecvDataSegmentLength')}
    else:
        raise Closed('login did not reach full feature phase')
    c.tsih = struct.unpack_from('>H', p.bhs, 14)[0]
    c.cmdsn = p.expcmdsn
    c.maxcmdsn = p.maxcmdsn
    return p


def chap_login(c, initiator, target, user, secret, timeout=REPLY_TIMEOUT):
    """One-way CHAP with MD5; raises Refused when the target says no."""
    kv = {'InitiatorName': initiator, 'SessionType': 'Normal',
          'TargetName': target, 'AuthMethod': 'CHAP'}
    p = exchange(c, 0, kv, timeout)
    p = exchange(c, 0, {'CHAP_A': '5'}, timeout)
    got = parse_text(p.data)
    if 'CHAP_I' not in got or 'CHAP_C' not in got:
        raise Closed('no CHAP challenge: %r' % got)
    ident = int(got['CHAP_I'])
    chal = bytes.fromhex(got['CHAP_C'][2:])
    resp = hashlib.md5(bytes([ident]) + secret.encode() + chal).hexdigest()
    return exchange(c, LOGIN_T | 1, {'CHAP_N': user, 'CHAP_R': '0x' + resp},
                    timeout)


def connect(addr):
    host, port = addr.rsplit(':', 1)
    return Conn((host, int(port)), timeout=REPLY_TIMEOUT)


def logout(c):
    try:
        c.logout(timeout=REPLY_TIMEOUT)
    except (Closed, Timeout, OSError):
        pass
    c.close()


# ------------------------------------------------------------ threads

def kiss_threads(prefix, exact=False):
    out = set()
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/comm' % d) as f:
                comm = f.read().strip()
        except OSError:
            continue
        if comm == prefix or (not exact and comm.startswith(prefix)):
            out.add(int(d))
    return out


def make_it_fail(pids, on=True):
    n = 0
    for pid in pids:
        try:
            with open('/proc/%d/make-it-fail' % pid, 'w') as f:
                f.write('1' if on else '0')
            n += 1
        except OSError:
            pass
    return n


def set_probability(pct):
    for d in FAULT_DIRS:
        with open(d + '/probability', 'w') as f:
            f.write('%d' % pct)


def fi_left():
    """The failures failslab and fail_page_alloc may still inject (their
    `times`, which each injected failure lowers by one)."""
    out = []
    for d in FAULT_DIRS:
        with open(d + '/times') as f:
            out.append(int(f.read()))
    return out


def count_failures(stats, phase, before):
    """Add the failures injected since BEFORE (fi_left()) to STATS."""
    now = fi_left()
    for kind, b, n in zip(('slab', 'page'), before, now):
        key = 'failed %s allocations during %s' % (kind, phase)
        stats[key] = stats.get(key, 0) + b - n
    return now


# ------------------------------------------------------------ modes

def cmd_cycles(a):
    ok = bad = 0
    for i in range(a.n):
        try:
            c = connect(a.addr)
            login(c, a.initiator, a.target)
            st, _, p = c.scsi(iscsi.cdb_tur(), timeout=REPLY_TIMEOUT)
            # A new nexus starts with a unit attention: CHECK then GOOD.
            if st == 2:
                st, _, p = c.scsi(iscsi.cdb_tur(), timeout=REPLY_TIMEOUT)
            if st != 0:
                raise Closed('TEST UNIT READY: %s' % p.describe())
            r = c.logout(timeout=REPLY_TIMEOUT)
            if r.op != iscsi.LOGOUT_RSP or r.bhs[2] != 0:
                raise Closed('logout: %s' % r.describe())
            c.close()
            ok += 1
        except (Closed, Timeout, Refused, OSError) as e:
            bad += 1
            print('cycle %d: %s: %s' % (i, type(e).__name__, e))
            if bad > 5:
                break
    print('cycles: %d ok, %d failed' % (ok, bad))
    return 0 if bad == 0 and ok == a.n else 1


def cmd_reject(a):
    refused = {}
    wrong = 0
    for i in range(a.n):
        kind = ('unknown-target', 'authmethod-none', 'wrong-chap')[i % 3]
        c = None
        try:
            c = connect(a.addr)
            if kind == 'unknown-target':
                login(c, a.initiator, a.target + '-nosuch')
            elif kind == 'authmethod-none':
                login(c, a.chap_initiator, a.target)
            else:
                chap_login(c, a.chap_initiator, a.target, a.chap_user,
                           a.chap_secret + 'x')
            wrong += 1
            print('%s login %d was accepted' % (kind, i))
        except Refused as e:
            key = '%s %s' % (kind, e)
            refused[key] = refused.get(key, 0) + 1
        except (Closed, Timeout, OSError) as e:
            wrong += 1
            print('%s login %d: %s: %s' % (kind, i, type(e).__name__, e))
        if c:
            c.close()
        if wrong > 5:
            break
    print('reject: %s; %d not refused with a status' %
          (', '.join('%s: %d' % kv for kv in sorted(refused.items())), wrong))
    # Each kind must be refused as a login failure (class 2).
    ok = wrong == 0 and all(k.split()[1].startswith('02/')
                            for k in refused)
    return 0 if ok else 1


def check_io(c, lba, blocks, bs, stats, expect_good=False):
    """A write then a read back of the same blocks.  Returns False on a
    finding that breaks the rules (the caller fails)."""
    data = os.urandom(blocks * bs)
    for what in ('write', 'read'):
        if what == 'write':
            st, _, p = c.scsi(iscsi.cdb_write10(lba, blocks), write=data,
                              timeout=REPLY_TIMEOUT)
        else:
            st, got, p = c.scsi(iscsi.cdb_read10(lba, blocks),
                                read_len=len(data), timeout=REPLY_TIMEOUT)
        if st == 0:
            key = what + ' GOOD'
        elif st == 2:
            sense = p.data[2:] if p.op == SCSI_RSP else b''
            key = '%s CHECK %x/%02x/%02x' % (
                what, sense[2] & 0xf if len(sense) > 2 else 0,
                sense[12] if len(sense) > 13 else 0,
                sense[13] if len(sense) > 13 else 0)
        elif st is None:
            key = '%s %s' % (what, p.describe().rsplit(' itt', 1)[0])
        else:
            key = '%s status %#x' % (what, st)
        stats[key] = stats.get(key, 0) + 1
        if st == 2 and p.op == SCSI_RSP and len(p.data) > 4 and \
                p.data[4] & 0xf == 6:
            # A unit attention (POWER ON): not a fault; try once more.
            return check_io(c, lba, blocks, bs, stats, expect_good)
        if expect_good and st != 0:
            print('%s of lba %d: %s' % (what, lba, key))
            return False
        if what == 'write':
            written = st == 0
            if st not in (0, 2, 8):
                # Refused (a Reject): the read tells nothing more.
                return not expect_good
        elif st == 0 and written and got != data:
            print('read of lba %d: data differs from the acknowledged write'
                  % lba)
            return False
    return True


def cmd_inject(a):
    """The connection's threads are marked as soon as they exist: the rx
    thread before the first login PDU is sent, the tx thread once the
    login is through."""
    stats = {}
    broken = 0
    probs = [int(p) for p in a.probabilities.split(',')]
    per_lun = max(1, a.blocks)
    nr_lbas = a.lun_blocks // per_lun
    for i in range(a.n):
        pct = probs[i % len(probs)]
        set_probability(pct)
        before = kiss_threads('kiss_rx')
        try:
            c = connect(a.addr)
        except OSError as e:
            stats['connect ' + type(e).__name__] = \
                stats.get('connect ' + type(e).__name__, 0) + 1
            continue
        rx = set()
        deadline = time.monotonic() + 5
        while not rx and time.monotonic() < deadline:
            rx = kiss_threads('kiss_rx') - before
            if not rx:
                time.sleep(0.01)
        marked = make_it_fail(rx)
        stats['rx threads marked'] = stats.get('rx threads marked', 0) + marked
        phase = 'login'
        left = fi_left()
        try:
            login(c, a.initiator, a.target)
            stats['login ok'] = stats.get('login ok', 0) + 1
            left = count_failures(stats, 'login', left)
            phase = 'io'
            # kiss starts the tx thread after the last login response,
            # once the command slots are allocated: seconds on a KASAN
            # kernel under TCG (waiting 2 s marked it in 2 of 10 logins).
            tx = set()
            deadline = time.monotonic() + 10
            while not tx and time.monotonic() < deadline:
                tx = kiss_threads('kiss_tx/%d' % c.tsih, exact=True)
                if not tx:
                    time.sleep(0.05)
            stats['tx threads marked'] = \
                stats.get('tx threads marked', 0) + make_it_fail(tx)
            for k in range(a.ios):
                lba = ((i * a.ios + k) % nr_lbas) * per_lun
                if not check_io(c, lba, a.blocks, a.bs, stats):
                    broken += 1
            phase = 'logout'
            r = c.logout(timeout=REPLY_TIMEOUT)
            key = 'logout ' + r.describe().rsplit(' itt', 1)[0]
            stats[key] = stats.get(key, 0) + 1
        except Refused as e:
            key = 'login refused %s' % e
            stats[key] = stats.get(key, 0) + 1
        except Closed as e:
            key = '%s: connection closed' % phase
            stats[key] = stats.get(key, 0) + 1
        except Timeout:
            # No answer, and the connection is still open: wait for
            # kiss's own bounds (login 15 s, send 30 s, NOP-In) to
            # close it; if none does, the session is stuck.
            try:
                c.s.settimeout(45)
                while c.s.recv(65536):
                    pass
                key = '%s: no answer, then closed' % phase
            except socket.timeout:
                key = '%s: STUCK (no answer, not closed in 45 s)' % phase
                broken += 1
            except OSError:
                key = '%s: no answer, then closed' % phase
            stats[key] = stats.get(key, 0) + 1
        except OSError as e:
            key = '%s: %s' % (phase, type(e).__name__)
            stats[key] = stats.get(key, 0) + 1
        c.close()
        # What failed after the login, until the connection was gone
        # (the threads' own teardown included).
        count_failures(stats, phase if phase == 'login' else 'io', left)
    set_probability(0)
    for k in sorted(stats):
        print('  %-50s %d' % (k, stats[k]))
    print('inject: %d logins, %d ok, %d broken rules' %
          (a.n, stats.get('login ok', 0), broken))
    if a.require_failures:
        # A run that injected nothing where it meant to proves nothing.
        for phase in ('login', 'io'):
            if not sum(v for k, v in stats.items()
                       if k.startswith('failed ') and
                       k.endswith(' during ' + phase)):
                print('inject: no allocation failed during %s' % phase)
                broken += 1
    return 0 if broken == 0 else 1


def cmd_io(a):
    stats = {}
    try:
        c = connect(a.addr)
        login(c, a.initiator, a.target)
        good = all(check_io(c, k * a.blocks, a.blocks, a.bs, stats, True)
                   for k in range(4))
        r = c.logout(timeout=REPLY_TIMEOUT)
        good = good and r.op == iscsi.LOGOUT_RSP and r.bhs[2] == 0
        c.close()
    except (Closed, Timeout, Refused, OSError) as e:
        print('io: %s: %s' % (type(e).__name__, e))
        good = False
    print('io: %s %s' % ('ok' if good else 'FAILED', stats))
    return 0 if good else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=('cycles', 'reject', 'inject', 'io'))
    ap.add_argument('--addr', default='127.0.0.1:3260')
    ap.add_argument('--target', required=True)
    ap.add_argument('--initiator', default='iqn.2026-11.org.kiss:faults')
    ap.add_argument('--chap-initiator', default='iqn.2026-11.org.kiss:chap')
    ap.add_argument('--chap-user', default='kissuser')
    ap.add_argument('--chap-secret', default='kiss-chap-secret1')
    ap.add_argument('-n', type=int, default=10)
    ap.add_argument('--bs', type=int, default=512)
    ap.add_argument('--blocks', type=int, default=128,
                    help='blocks per write/read (inject, io)')
    ap.add_argument('--ios', type=int, default=3,
                    help='write+read pairs per login (inject)')
    ap.add_argument('--lun-blocks', type=int, default=65536)
    ap.add_argument('--probabilities', default='2,5,10,25',
                    help='percent, one per login in turn (inject)')
    ap.add_argument('--require-failures', action='store_true',
                    help='fail unless some allocations failed during '
                    'the logins and some during the I/O after (inject)')
    a = ap.parse_args()
    return {'cycles': cmd_cycles, 'reject': cmd_reject,
            'inject': cmd_inject, 'io': cmd_io}[a.mode](a)


if __name__ == '__main__':
    sys.exit(main())
