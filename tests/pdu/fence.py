#!/usr/bin/env python3
"""fence.py --target IQN --initiator IQN_A --initiator IQN_B [--addr A:P]
           [--initiator IQN_C --slow-lun N --slow-secs S --slow-dm NAME]

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

With --slow-lun, writes already at the device: LUN N is the dm-delay
device NAME, whose writes take S seconds each.  A write cannot
be recalled, so a PREEMPT AND ABORT must not be answered GOOD, and its
nexus go on as the only writer, while a write of a nexus it fenced can
still land:

  1. A reserves and writes; while the write is at the device B preempts
     and aborts A: B's answer must wait for the write;
  2. B writes; while it is at the device C preempts and aborts B, and
     while C's answer waits, A preempts and aborts C: A's answer must
     wait for B's write too (and no PREEMPT AND ABORT waits for itself);
  3. a later PREEMPT AND ABORT, and the writes it waits for, do not hold
     back an earlier one.

Prints ok/not ok lines; exits 1 if any step failed.
"""
import argparse
import subprocess
import sys
import time

from iscsi import (Conn, Closed, Timeout, F, CMD_W, R2T, SCSI_RSP,
                   cdb_read10, cdb_write10)

GOOD, CHECK_CONDITION, RESERVATION_CONFLICT = 0x00, 0x02, 0x18
REGISTER, RESERVE, CLEAR, PREEMPT_AND_ABORT = 0, 1, 3, 5
WRITE_EXCLUSIVE, WRITE_EXCLUSIVE_RO = 1, 5
LBA = 2048
BLOCK = 512
KEY_A, KEY_B, KEY_C = 0xa1, 0xb2, 0xc3

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


def start_write(c, cdb, data, lun):
    """Send a command with data out, answering its R2T if it has one,
    and leave it running: its ITT."""
    itt = c.next_itt()
    imm = data if c.params.get('ImmediateData') == 'Yes' else b''
    c.send_pdu(c.scsi_bhs(cdb, F | CMD_W, len(data), itt=itt, dsl=len(imm),
                          lun=lun), imm)
    if not imm:
        p = c.recv_nonping()
        if p.op != R2T or p.itt != itt:
            raise Closed('no R2T for itt %#x: %s' % (itt, p.describe()))
        c.send_pdu(c.dataout_bhs(itt, 0, len(data), ttt=p.ttt, lun=lun), data)
    return itt


def end_of(c, itt, timeout):
    """The status of a command started earlier (None: no answer)."""
    try:
        end = c.wait_for(itt, timeout)[-1]
    except (Timeout, Closed) as e:
        return None, 'no answer (%s)' % type(e).__name__
    return (end.bhs[3] if end.op == SCSI_RSP else None), end.describe()


def prout_cdb_param(sa, key, sa_key, typ):
    return (bytes([0x5f, sa, typ, 0, 0, 0, 0, 0, 24, 0]),
            key.to_bytes(8, 'big') + sa_key.to_bytes(8, 'big') + bytes(8))


def until(what, test, timeout=20.0):
    """Poll test() until true; False after timeout."""
    deadline = time.monotonic() + timeout
    while not test():
        if time.monotonic() > deadline:
            say(False, 'timed out waiting until ' + what)
            return False
        time.sleep(0.05)
    return True


def write_at_device(c, lun, pat, dm, held=1):
    """Start a write of one block and return once it is at the device
    (dm-delay holds `held` writes): its ITT and when it was sent."""
    itt = start_write(c, cdb_write10(LBA, 1), pat, lun)
    sent = time.monotonic()

    def writes():
        # "START LEN delay READS WRITES FLUSHES": the bios it delays now
        st = subprocess.run(['dmsetup', 'status', dm], capture_output=True,
                            text=True, check=True).stdout.split()
        return int(st[4])
    until('the write is at the device', lambda: writes() >= held)
    return itt, sent


def keys(c, lun):
    """READ KEYS: the registered keys (None if refused)."""
    st, data, _ = c.scsi(bytes([0x5e, 0, 0, 0, 0, 0, 0, 0, 64, 0]),
                         read_len=64, lun=lun)
    if st != GOOD or len(data) < 8:
        return None
    n = min(int.from_bytes(data[4:8], 'big'), len(data) - 8) // 8
    return [int.from_bytes(data[8 + 8 * i:16 + 8 * i], 'big')
            for i in range(n)]


def holder(c, lun):
    """READ RESERVATION: the holder's key, or None."""
    st, data, _ = c.scsi(bytes([0x5e, 1, 0, 0, 0, 0, 0, 0, 24, 0]),
                         read_len=24, lun=lun)
    if st != GOOD or len(data) < 16 or int.from_bytes(data[4:8], 'big') < 16:
        return None
    return int.from_bytes(data[8:16], 'big')


def register_all(ca, cb, cc, lun, typ, name):
    """A, B and C register their keys, A reserves with type typ."""
    for c in (ca, cb, cc):
        c.clear_unit_attention(lun=lun)
    say(prout(ca, REGISTER, 0, KEY_A, lun=lun) == GOOD and
        prout(ca, RESERVE, KEY_A, typ=typ, lun=lun) == GOOD and
        prout(cb, REGISTER, 0, KEY_B, lun=lun) == GOOD and
        prout(cc, REGISTER, 0, KEY_C, lun=lun) == GOOD,
        'LUN %d: A, B and C register, A reserves %s' % (lun, name))


def at_the_device(ca, cb, cc, lun, secs, dm):
    """PREEMPT AND ABORT while a preempted write is at a slow device."""
    register_all(ca, cb, cc, lun, WRITE_EXCLUSIVE, 'Write Exclusive')

    # 1. B preempts A while A's write is at the device.
    itt, sent = write_at_device(ca, lun, bytes([0x33]) * BLOCK, dm)
    st = prout(cb, PREEMPT_AND_ABORT, KEY_B, KEY_A, WRITE_EXCLUSIVE, lun=lun)
    waited = time.monotonic() - sent
    say(st == GOOD, "LUN %d: B preempts A's key and aborts (status %#x)"
        % (lun, st))
    # A device that delays writes by `secs` ends none sooner.
    say(waited >= secs * 0.95,
        "B's answer came %.2f s after A's write, at a device that takes "
        "%.1f s: it waited for the write" % (waited, secs))
    st, what = end_of(ca, itt, secs + 10.0)
    say(st in (GOOD, None), "A's write, at the device before the "
        "preemption, ended: %s" % what)

    for c in (cb, cc):
        c.clear_unit_attention(lun=lun)
    # 2. In a chain: C preempts B while B's write is at the device, and
    # A preempts C while C's PREEMPT AND ABORT still waits for it.  A's
    # answer must wait for B's write too.
    itt, sent = write_at_device(cb, lun, bytes([0x44]) * BLOCK, dm)
    cdb, param = prout_cdb_param(PREEMPT_AND_ABORT, KEY_C, KEY_B,
                                 WRITE_EXCLUSIVE)
    itt_c = start_write(cc, cdb, param, lun)
    until('C holds the reservation', lambda: holder(ca, lun) == KEY_C)
    st = GOOD if prout(ca, REGISTER, 0, KEY_A, lun=lun) == GOOD else None
    if st is not None:
        st = prout(ca, PREEMPT_AND_ABORT, KEY_A, KEY_C, WRITE_EXCLUSIVE,
                   lun=lun)
    waited = time.monotonic() - sent
    say(st == GOOD, "LUN %d: A registers again, preempts C's key and aborts "
        "(status %s)" % (lun, st))
    say(waited >= secs * 0.95,
        "A's answer came %.2f s after B's write, which C's waiting "
        "PREEMPT AND ABORT had fenced: it waited for the write" % waited)
    st, what = end_of(cc, itt_c, secs + 10.0)
    say(st in (GOOD, None), "C's PREEMPT AND ABORT ended: %s" % what)
    st, what = end_of(cb, itt, secs + 10.0)
    say(st in (GOOD, None), "B's write ended: %s" % what)
    say(prout(ca, CLEAR, KEY_A, lun=lun) == GOOD,
        'LUN %d: A clears the reservations' % lun)

    # 3. A later PREEMPT AND ABORT does not hold back an earlier one.
    # A holds Write Exclusive - Registrants Only, so C may write.  B
    # preempts C's key while C's first write is at the device; C
    # registers again and writes again; A preempts C's key again.  B's
    # answer must come when the first write ends, not the second.
    register_all(ca, cb, cc, lun, WRITE_EXCLUSIVE_RO,
                 'Write Exclusive - Registrants Only')
    w1, sent = write_at_device(cc, lun, bytes([0x55]) * BLOCK, dm)
    cdb, param = prout_cdb_param(PREEMPT_AND_ABORT, KEY_B, KEY_C,
                                 WRITE_EXCLUSIVE_RO)
    itt_b = start_write(cb, cdb, param, lun)
    until("B removed C's key", lambda: KEY_C not in (keys(ca, lun) or
                                                       [KEY_C]))
    time.sleep(secs / 3)
    cc.clear_unit_attention(lun=lun)
    say(prout(cc, REGISTER, 0, KEY_C, lun=lun) == GOOD,
        'LUN %d: C registers again' % lun)
    w2, sent2 = write_at_device(cc, lun, bytes([0x66]) * BLOCK, dm, held=2)
    cdb, param = prout_cdb_param(PREEMPT_AND_ABORT, KEY_A, KEY_C,
                                 WRITE_EXCLUSIVE_RO)
    itt_a = start_write(ca, cdb, param, lun)
    st, what = end_of(cb, itt_b, 2 * secs + 10.0)
    waited = time.monotonic() - sent
    later = sent2 - sent + secs
    say(st == GOOD and secs * 0.95 <= waited < later * 0.95,
        "B's answer (%s) came %.2f s after C's first write: after it, "
        "before C's second could end (%.2f s)" % (what, waited, later))
    st, what = end_of(ca, itt_a, secs + 10.0)
    waited = time.monotonic() - sent2
    say(st == GOOD and waited >= secs * 0.95,
        "A's answer (%s) came %.2f s after C's second write" % (what, waited))
    for itt in (w1, w2):
        st, what = end_of(cc, itt, secs + 10.0)
        say(st in (GOOD, None), "C's write ended: %s" % what)
    say(prout(ca, CLEAR, KEY_A, lun=lun) == GOOD,
        'LUN %d: A clears the reservations' % lun)


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
    ap.add_argument('--slow-dm')
    a = ap.parse_args()
    if len(a.initiator) != (2 if a.slow_lun is None else 3):
        ap.error('two --initiator, three with --slow-lun')
    if a.slow_lun is not None and not a.slow_dm:
        ap.error('--slow-lun needs --slow-dm')
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
    cs = [ca, cb]
    if a.slow_lun is not None:
        cs.append(login(addr, a.target, a.initiator[2]))
        at_the_device(ca, cb, cs[2], a.slow_lun, a.slow_secs, a.slow_dm)
    for c in cs:
        c.close()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
