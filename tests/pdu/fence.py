#!/usr/bin/env python3
"""fence.py --target IQN --initiator IQN_A --initiator IQN_B [--addr A:P]
           [--slow-lun N --slow-secs S]

Fencing with PREEMPT AND ABORT while the fenced node is in the middle of
a write: the write that node A had started before B preempted it (its
R2T answered only afterwards) must not reach the medium.  Two raw
sessions on LUN 0:

  A: REGISTER key A, RESERVE Write Exclusive; writes block X (pattern 1);
     starts a second write of X and stops at the R2T
  B: REGISTER key B; PREEMPT AND ABORT key A: B holds the reservation
  A: sends the Data-Out of the second write (pattern 2)
  -> that write ends with RESERVATION CONFLICT (or is aborted: no
     answer), and B reads pattern 1 at X

Then B clears the reservations.

With --slow-lun, a write of A's already at the device when B preempts:
LUN N is a device whose writes take S seconds each.  A reserves it and
sends a whole write; B preempts and aborts while the write is at the
device.  The write cannot be recalled, so B's answer must wait until it
has ended: B must not hear GOOD, and go on as the only writer, while a
write of the fenced node can still land.

Prints ok/not ok lines; exits 1 if any step failed.
"""
import argparse
import sys
import time

from iscsi import (Conn, Closed, Timeout, F, CMD_W, R2T, SCSI_RSP,
                   cdb_read10, cdb_write10)

GOOD, CHECK_CONDITION, RESERVATION_CONFLICT = 0x00, 0x02, 0x18
REGISTER, RESERVE, CLEAR, PREEMPT_AND_ABORT = 0, 1, 3, 5
WRITE_EXCLUSIVE = 1
LBA = 2048
BLOCK = 512
KEY_A, KEY_B = 0xa1, 0xb2

failed = 0


def say(ok, what):
    global failed
    print('%s - %s' % ('ok' if ok else 'not ok', what))
    if not ok:
        failed += 1
    return ok


def prout(c, sa, key, sa_key=0, typ=0, lun=0):
    """PERSISTENT RESERVE OUT, LU scope: the status."""
    cdb = bytes([0x5f, sa, typ, 0, 0, 0, 0, 0, 24, 0])
    param = key.to_bytes(8, 'big') + sa_key.to_bytes(8, 'big') + bytes(8)
    st, _, _ = c.scsi(cdb, write=param, lun=lun, timeout=60.0)
    return st


def at_the_device(ca, cb, lun, secs):
    """B preempts and aborts while A's write is at a slow device."""
    pat = bytes([0x33]) * BLOCK
    for c in (ca, cb):
        c.clear_unit_attention(lun=lun)
    say(prout(ca, REGISTER, 0, KEY_A, lun=lun) == GOOD,
        'LUN %d: A registers' % lun)
    say(prout(ca, RESERVE, KEY_A, typ=WRITE_EXCLUSIVE, lun=lun) == GOOD,
        'LUN %d: A reserves, Write Exclusive' % lun)
    say(prout(cb, REGISTER, 0, KEY_B, lun=lun) == GOOD,
        'LUN %d: B registers' % lun)

    # The whole write, its data after the R2T (A has InitialR2T=Yes).
    itt = ca.next_itt()
    ca.send_pdu(ca.scsi_bhs(cdb_write10(LBA, 1), F | CMD_W, BLOCK, itt=itt,
                            lun=lun))
    p = ca.recv_nonping()
    if not say(p.op == R2T and p.itt == itt,
               "A's write is solicited (%s)" % p.describe()):
        return
    ca.send_pdu(ca.dataout_bhs(itt, 0, BLOCK, ttt=p.ttt, lun=lun), pat)
    sent = time.monotonic()
    # Long enough for kiss to take the data and submit the bio, far
    # shorter than the device's delay.
    time.sleep(min(0.5, secs / 4))

    st = prout(cb, PREEMPT_AND_ABORT, KEY_B, KEY_A, WRITE_EXCLUSIVE, lun=lun)
    waited = time.monotonic() - sent
    say(st == GOOD, "LUN %d: B preempts A's key and aborts (status %#x)"
        % (lun, st))
    # A timer device ends a write no sooner than `secs` after it came.
    say(waited >= secs * 0.95,
        "B's answer came %.2f s after A's write went to a device that "
        "takes %.1f s: it waited for the write" % (waited, secs))
    try:
        end = ca.wait_for(itt, secs + 10.0)[-1]
        what, status = end.describe(), end.bhs[3]
    except (Timeout, Closed) as e:
        what, status = 'no answer (%s)' % type(e).__name__, None
    # GOOD: it had reached the device; a conflict would mean it had not
    # (a host too slow for the 0.5 s above), and proves nothing here.
    say(status in (GOOD, None),
        "A's write, at the device before the preemption, ended: %s" % what)
    say(prout(cb, CLEAR, KEY_B, lun=lun) == GOOD,
        'LUN %d: B clears the reservations' % lun)


def login(addr, target, initiator, ops=None):
    c = Conn(addr)
    c.login(initiator, target, ops=ops)
    return c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--target', required=True)
    ap.add_argument('--initiator', action='append', required=True)
    ap.add_argument('--addr', default='127.0.0.1:3260')
    ap.add_argument('--slow-lun', type=int)
    ap.add_argument('--slow-secs', type=float, default=3.0)
    a = ap.parse_args()
    if len(a.initiator) != 2:
        ap.error('two --initiator')
    host, port = a.addr.rsplit(':', 1)
    addr = (host, int(port))
    pat1, pat2 = bytes([0x11]) * BLOCK, bytes([0x22]) * BLOCK

    # A answers every R2T itself: no immediate data, no unsolicited data.
    ca = login(addr, a.target, a.initiator[0],
               ops={'InitialR2T': 'Yes', 'ImmediateData': 'No'})
    cb = login(addr, a.target, a.initiator[1])
    say(prout(ca, REGISTER, 0, KEY_A) == GOOD, 'A registers')
    say(prout(ca, RESERVE, KEY_A, typ=WRITE_EXCLUSIVE) == GOOD,
        'A reserves, Write Exclusive')
    st, _, _ = ca.scsi(cdb_write10(LBA, 1), write=pat1)
    say(st == GOOD, 'A writes pattern 1')

    itt = ca.next_itt()
    ca.send_pdu(ca.scsi_bhs(cdb_write10(LBA, 1), F | CMD_W, BLOCK, itt=itt))
    p = ca.recv_nonping()
    if not say(p.op == R2T and p.itt == itt,
               "A's second write waits for its data (%s)" % p.describe()):
        return 1

    say(prout(cb, REGISTER, 0, KEY_B) == GOOD, 'B registers')
    say(prout(cb, PREEMPT_AND_ABORT, KEY_B, KEY_A, WRITE_EXCLUSIVE) == GOOD,
        "B preempts A's key and aborts: B holds the reservation")

    ca.send_pdu(ca.dataout_bhs(itt, 0, BLOCK, ttt=p.ttt), pat2)
    try:
        got = ca.wait_for(itt, 5.0)
        end = got[-1]
        what = end.describe()
        fenced = end.op == SCSI_RSP and end.itt == itt and \
            end.bhs[3] == RESERVATION_CONFLICT
    except (Timeout, Closed) as e:
        # Aborted (no answer), or the session was ended: also fenced.
        what = 'no answer (%s)' % type(e).__name__
        fenced = True
    say(fenced, "A's write, its data sent after the preemption, is refused: %s"
        % what)

    st, data, _ = cb.scsi(cdb_read10(LBA, 1), read_len=BLOCK)
    say(st == GOOD and data == pat1,
        'B reads pattern 1 at the block (status %#x, %s)' % (
            st, 'pattern 1' if data == pat1 else
            'pattern 2' if data == pat2 else '%d other bytes' % len(data)))

    say(prout(cb, CLEAR, KEY_B) == GOOD, 'B clears the reservations')
    if a.slow_lun is not None:
        at_the_device(ca, cb, a.slow_lun, a.slow_secs)
    for c in (ca, cb):
        c.close()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
