#!/usr/bin/env python3
"""Raw-socket PDU battery for kiss (issue 8: hardening).

Sends malformed iSCSI PDUs in every phase (before login, mid-login, Full
Feature Phase, discovery, with digests) to a kiss target, checks that each
is answered as RFC 7143 says (see verdict.py and README.md), and after
every case that a fresh login + TEST UNIT READY + READ still works.

    battery.py [--addr 127.0.0.1:3260] [--target IQN] [--initiator IQN]
               [--quick] [--filter GLOB]... [--list] [--no-health]

Prints one line per case and "N cases, N passed, N failed"; exits 1 on
any failure.  Cases named in expected-failures.txt (known kernel bugs)
print XFAIL and do not fail the run; if one passes it prints XPASS and
fails the run, so that the list is kept honest.
"""
import argparse
import fnmatch
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from iscsi import *          # noqa: E402,F401,F403
from iscsi import (Conn, Closed, Timeout, BadDigest, mk, login_bhs,  # noqa
                   text_kv, parse_text, pad4, digest, opname)
import verdict as V          # noqa: E402
from verdict import (CLOSE, REJECT_THEN, LOGIN_FAIL, IGNORED,  # noqa: E402
                     CHECK_CONDITION, SCSI_STATUS, TMF, LOGOUT, TEXT_REFUSED,
                     TEXT_OK, LOGIN_FORMAT_ERROR, Expect, p_reject)

HERE = os.path.dirname(os.path.abspath(__file__))
ADDR = ('127.0.0.1', 3260)
TARGET = 'iqn.2026-11.org.kiss:pdu'
INITIATOR = 'iqn.2026-11.org.kiss:pdu-battery'
QUICK = False
BLOCK = 512
# LBAs the malformed writes may touch; LBA 0..7 hold a pattern that the
# health check reads back.
SCRATCH_LBA = 4096
PATTERN = bytes((i * 7 + 3) & 0xff for i in range(8 * BLOCK))

OPS = {
    'HeaderDigest': 'None', 'DataDigest': 'None',
    'MaxRecvDataSegmentLength': '65536', 'ImmediateData': 'Yes',
    'InitialR2T': 'No', 'FirstBurstLength': '65536',
    'MaxBurstLength': '262144', 'MaxOutstandingR2T': '1',
    'ErrorRecoveryLevel': '0', 'DefaultTime2Wait': '0',
    'DefaultTime2Retain': '0', 'MaxConnections': '1',
    'DataPDUInOrder': 'Yes', 'DataSequenceInOrder': 'Yes',
}
DIGESTS = {'HeaderDigest': 'CRC32C', 'DataDigest': 'CRC32C'}
DISC_OPS = {'HeaderDigest': 'None', 'DataDigest': 'None',
            'MaxRecvDataSegmentLength': '65536'}


def REJECT_CLOSE(reasons):
    """A header kiss_pdu_check() refuses: Reject, then the connection
    ends (RFC 7143 7.9: a format error ends the connection; kiss says why
    first, kernel/conn.c kiss_conn_recv_header())."""
    return [REJECT_THEN(reasons, 'close')]


class Case:
    def __init__(self, name, phase, send=None, expects=None, ops=None,
                 custom=None, quick=True):
        self.name, self.phase, self.send, self.expects = \
            name, phase, send, expects
        self.ops = ops or {}
        self.custom = custom
        self.quick = quick      # run with --quick


CASES = []


def case(*a, **kw):
    c = Case(*a, **kw)
    assert not any(x.name == c.name for x in CASES), c.name
    CASES.append(c)
    return c


def itt_of(h):
    return struct.unpack_from('>I', h, 16)[0]


def send_hdr(build, data=b'', shut=False, **pdukw):
    """A send step: one PDU from build(c), data (bytes or build(c))."""
    def send(c, ctx):
        h = build(c)
        ctx['off'] = h
        ctx['itt'] = itt_of(h)
        d = data(c) if callable(data) else data
        c.send_pdu(h, d, **pdukw)
        if shut:
            c.s.shutdown(socket.SHUT_WR)
    return send


def send_raw(build, shut=True):
    def send(c, ctx):
        b = build(c)
        ctx['off'] = None
        c.send(b)
        if shut:
            c.s.shutdown(socket.SHUT_WR)
    return send


def with_imm(h):
    h = bytearray(h)
    h[0] |= 0x40
    return h


def valid_hdr(c, op, imm=False):
    """A well-formed header of each initiator opcode, for a target that
    does not expect it now."""
    if op == NOP_OUT:
        return c.nop_bhs(imm=imm)
    if op == SCSI_CMD:
        return c.scsi_bhs(cdb_tur(), F, 0, imm=imm)
    if op == TMF_REQ:
        return c.tmf_bhs(1, rtt=0x1234, imm=imm)
    if op == TEXT_REQ:
        return c.text_bhs(0, imm=imm)
    if op == DATA_OUT:
        h = c.dataout_bhs(0x1234, 0, 0)
        return with_imm(h) if imm else h
    if op == LOGOUT_REQ:
        return c.logout_bhs(0, imm=imm)
    if op == SNACK_REQ:
        h = c.snack_bhs()
        return with_imm(h) if imm else h
    raise ValueError(op)


NONLOGIN = (NOP_OUT, SCSI_CMD, TMF_REQ, TEXT_REQ, DATA_OUT, LOGOUT_REQ,
            SNACK_REQ)


def first_login_kv(**over):
    kv = {'InitiatorName': INITIATOR, 'TargetName': TARGET,
          'SessionType': 'Normal', 'AuthMethod': 'None'}
    kv.update(over)
    return {k: v for k, v in kv.items() if v is not None}


# ====================================================================
# 1. Opcodes: non-login PDUs before login, target and reserved opcodes
#    in every phase.

def gen_opcodes():
    # RFC 7143 6.1? ("a target receiving any PDU except a Login request
    # before the Login Phase is started MUST immediately terminate the
    # connection").  kiss answers as it does inside the login phase: a
    # Login Response 02/0b "invalid during login", then the close.
    for op in NONLOGIN:
        for imm in (False, True):
            case('prelogin/%s%s' % (opname(op), '-imm' if imm else ''),
                 'raw', send_hdr(lambda c, op=op, imm=imm:
                                 valid_hdr(c, op, imm)),
                 [CLOSE((0x04,)), LOGIN_FAIL(2, 0x0b)], quick=not imm)
    for op in TARGET_OPS:
        case('prelogin/target-op-%s' % opname(op), 'raw',
             send_hdr(lambda c, op=op: mk(op, F, itt=1)),
             [CLOSE((0x04, 0x05))], quick=op == REJECT)
    # Reserved opcodes: Reject "command not supported" (RFC 7143
    # 11.17.1).  Not a format error (7.9 excludes the opcode), so the
    # connection may stay; kiss drops it, which is allowed too.
    for op in RESERVED_OPS:
        q = op in (0x07, 0x1c, 0x1f, 0x3c)
        case('prelogin/reserved-op-%#04x' % op, 'raw',
             send_hdr(lambda c, op=op: mk(op, F, itt=1)),
             [CLOSE((0x04, 0x05))], quick=q)
        case('ffp/reserved-op-%#04x' % op, 'ffp',
             send_hdr(lambda c, op=op: mk(op, F, itt=c.next_itt(),
                                          w=(RSV, c.cmdsn, c.expstatsn))),
             [REJECT_THEN((0x05,))], quick=q)
    for op in TARGET_OPS:
        case('ffp/target-op-%s' % opname(op), 'ffp',
             send_hdr(lambda c, op=op: mk(op, F, itt=c.next_itt(),
                                          w=(RSV, c.cmdsn, c.expstatsn))),
             [REJECT_THEN((0x05,))], quick=op == REJECT)
    # Login requests after login (RFC 7143 11.12: only before FFP).
    for name, flags, tsih in (('csg0', 0, 0), ('csg1-t-ffp', 0x87, 0),
                              ('csg0-t-op', 0x81, 0),
                              ('with-tsih', 0x87, None)):
        def build(c, flags=flags, tsih=tsih):
            bhs, _ = c.login_pdu(flags, {}, itt=c.next_itt(),
                                 tsih=c.tsih if tsih is None else tsih)
            return bhs
        case('ffp/login-%s' % name, 'ffp', send_hdr(build),
             [REJECT_THEN((0x04, 0x05))])


# ====================================================================
# 2. Header fields Full Feature Phase refuses (format errors).

def gen_header_fields():
    T = []

    def t(name, build, reasons, data=b'', quick=True, ops=None):
        T.append((name, build, reasons, data, quick, ops))

    t('nop-not-final', lambda c: c.nop_bhs(flags=0), (4,))
    t('nop-rsv-itt-not-immediate', lambda c: c.nop_bhs(itt=RSV), (4,))
    t('scsi-read-with-data', lambda c: c.scsi_bhs(cdb_read10(0, 1),
                                                  F | CMD_R, 512, dsl=512),
      (4,), data=bytes(512))
    t('scsi-nodata-with-data', lambda c: c.scsi_bhs(cdb_tur(), F, 0,
                                                    dsl=16),
      (4,), data=bytes(16))
    t('scsi-read-not-final', lambda c: c.scsi_bhs(cdb_read10(0, 1), CMD_R,
                                                  512), (4,))
    t('scsi-rsv-itt', lambda c: c.scsi_bhs(cdb_tur(), F, 0, itt=RSV), (9,))
    t('tmf-not-final', lambda c: c.tmf_bhs(5, flags=0), (4,))
    t('tmf-with-data', lambda c: mk(TMF_REQ, F | 5, imm=True, dsl=8,
                                    itt=c.next_itt(),
                                    w=(RSV, c.cmdsn, c.expstatsn)),
      (4,), data=bytes(8))
    t('text-final-and-continue', lambda c: c.text_bhs(0, flags=F | TEXT_C),
      (4,))
    t('text-rsv-itt', lambda c: c.text_bhs(0, itt=RSV), (9,))
    t('logout-not-final', lambda c: c.logout_bhs(0, flags=0), (4,))
    t('logout-with-data', lambda c: mk(LOGOUT_REQ, F, imm=True, dsl=4,
                                       itt=c.next_itt(), b8=bytes(8),
                                       w=(0, c.cmdsn, c.expstatsn)),
      (4,), data=bytes(4))
    for r in (3, 0x10, 0x7f):
        t('logout-reason-%#x' % r, lambda c, r=r: c.logout_bhs(r), (9,),
          quick=r == 3)
    t('snack-not-final', lambda c: c.snack_bhs(flags=0), (4,))
    t('snack-with-data', lambda c: c.snack_bhs(dsl=8), (4,),
      data=bytes(8))
    # Only SCSI Command PDUs carry AHS (RFC 7143 11.2.2).
    ahs = struct.pack('>HBB', 1, 1, 0)

    def with_ahs(h):
        h = bytearray(h)
        h[4] = 1
        return h
    for op in (NOP_OUT, TMF_REQ, TEXT_REQ, DATA_OUT, LOGOUT_REQ,
               SNACK_REQ):
        t('ahs-on-%s' % opname(op),
          lambda c, op=op: with_ahs(valid_hdr(c, op, imm=True)), (4,),
          quick=op == NOP_OUT)
    # DataSegmentLength above the target's MaxRecvDataSegmentLength, up to
    # the largest 24 bits can say (16 MiB - 1; 16 MiB cannot be encoded).
    for op, build in (
            ('nop', lambda c, n: c.nop_bhs(dsl=n)),
            ('scsi-write', lambda c, n: c.scsi_bhs(
                cdb_write10(SCRATCH_LBA, 1), F | CMD_W, n, dsl=n)),
            ('text', lambda c, n: c.text_bhs(n)),
            ('data-out', lambda c, n: c.dataout_bhs(0x4321, 0, n))):
        for label, n in (('mrdsl+1', lambda c: c.target_mrdsl + 1),
                         ('2x-mrdsl', lambda c: 2 * c.target_mrdsl),
                         ('16MiB-1', lambda c: 0xffffff)):
            t('dsl-%s-%s' % (label, op),
              lambda c, b=build, n=n: b(c, n(c)), (4,),
              data=bytes(64), quick=label == '16MiB-1')

    for name, build, reasons, data, quick, ops in T:
        def send(c, ctx, build=build, data=data):
            h = build(c)
            ctx['off'] = h
            ctx['itt'] = itt_of(h)
            if h[4]:
                # AHS bytes travel with the header (its digest covers them)
                c.send_pdu(h, data, ahs=ahs)
            else:
                # A too-large DSL goes with only 64 bytes: the target
                # must not wait for 16 MiB before it answers.
                b = c.pdu_bytes(h, b'')
                c.send(b + data)
        case('ffp/%s' % name, 'ffp', send, REJECT_CLOSE(reasons),
             quick=quick, ops=ops)


# ====================================================================
# 3. Truncated PDUs: the initiator closes its side mid-PDU.

def gen_truncated():
    def login_hdr(c):
        bhs, data = c.login_pdu(LOGIN_T | 1, first_login_kv())
        return bytes(bhs) + pad4(data)
    for n in (1, 8, 20, 47):
        case('truncated/prelogin-bhs-%d' % n, 'raw',
             send_raw(lambda c, n=n: login_hdr(c)[:n]), [CLOSE()],
             quick=n == 20)
    case('truncated/prelogin-data', 'raw',
         send_raw(lambda c: login_hdr(c)[:48 + 10]), [CLOSE()])
    case('truncated/login1-bhs-30', 'login1',
         send_raw(lambda c: login_hdr(c)[:30]), [CLOSE()])
    for n in (1, 24, 47):
        case('truncated/ffp-bhs-%d' % n, 'ffp',
             send_raw(lambda c, n=n: bytes(c.nop_bhs())[:n]), [CLOSE()],
             quick=n == 24)
    case('truncated/ffp-nop-data', 'ffp',
         send_raw(lambda c: bytes(c.nop_bhs(dsl=1000)) + bytes(100)),
         [CLOSE()])
    case('truncated/ffp-immediate-data', 'ffp',
         send_raw(lambda c: bytes(c.scsi_bhs(
             cdb_write10(SCRATCH_LBA, 8), F | CMD_W, 4096, dsl=4096)) +
             bytes(1000)), [CLOSE()])
    # AHS beyond the PDU: TotalAHSLength says more than is sent.
    for words, sent in ((1, 0), (4, 8), (255, 100)):
        case('truncated/ahs-%d-words-%d-sent' % (words, sent), 'ffp',
             send_raw(lambda c, w=words, s=sent: bytes(c.scsi_bhs(
                 cdb_read10(0, 1), F | CMD_R, 512, ahslen=w)) +
                 bytes([0, 1, 1, 0] * 64)[:s]), [CLOSE()])
    case('truncated/ffp-data-out', 'ffp',
         send_raw(lambda c: bytes(c.dataout_bhs(0x99, 0, 4096)) +
                  bytes(10)), [CLOSE()])
    case('truncated/hd-digest-2-bytes', 'ffp',
         send_raw(lambda c: c.pdu_bytes(c.nop_bhs())[:50]), [CLOSE()],
         ops=DIGESTS)
    case('truncated/dd-digest-missing', 'ffp',
         send_raw(lambda c: c.pdu_bytes(c.nop_bhs(dsl=8), bytes(8))[:-4]),
         [CLOSE()], ops=DIGESTS)


# ====================================================================
# 4. Additional Header Segments of SCSI commands.

def ahs_entry(typ, payload, alen=None):
    alen = len(payload) if alen is None else alen
    return pad4(struct.pack('>HB', alen, typ) + payload)


def gen_ahs():
    read = (cdb_read10(0, 1), F | CMD_R, 512)
    T = [
        ('len-beyond-total', ahs_entry(1, b'\0', alen=100), read),
        ('len-ffff', ahs_entry(1, b'\0', alen=0xffff), read),
        ('type-0', ahs_entry(0, b'\0' * 4), read),
        ('type-3', ahs_entry(3, b'\0' * 4), read),
        ('type-0x3f', ahs_entry(0x3f, b'\0' * 4), read),
        ('ext-cdb-empty', ahs_entry(1, b'\0'), read),
        ('ext-cdb-twice', ahs_entry(1, b'\0' * 5) + ahs_entry(1, b'\0' * 5),
         read),
        ('bidi-len-wrong-size', ahs_entry(2, b'\0' * 8), read),
        ('bidi-twice', ahs_entry(2, b'\0' * 5) + ahs_entry(2, b'\0' * 5),
         read),
        ('garbage-255-words', bytes([0xff, 0xfc]) + bytes(1018), read),
    ]
    for name, ahs, (cdb, flags, edtl) in T:
        def send(c, ctx, ahs=ahs, cdb=cdb, flags=flags, edtl=edtl):
            h = c.scsi_bhs(cdb, flags, edtl, ahslen=len(ahs) // 4)
            ctx['off'], ctx['itt'] = h, itt_of(h)
            c.send_pdu(h, ahs=ahs)
        # A malformed AHS is a format error (RFC 7143 7.9): close.
        case('ahs/%s' % name, 'ffp', send, [CLOSE((0x04, 0x09))],
             quick=name in ('len-beyond-total', 'type-0'))

    # Bidirectional commands (kiss has none): refused one way or the other.
    def bidi_ahs(c, ctx):
        ahs = ahs_entry(2, b'\0' + struct.pack('>I', 512))
        h = c.scsi_bhs(cdb_read10(0, 1), F | CMD_R, 512, ahslen=2)
        ctx['off'], ctx['itt'] = h, itt_of(h)
        c.send_pdu(h, ahs=ahs)
    case('ahs/bidi-read-length', 'ffp', bidi_ahs,
         [CLOSE((0x04, 0x09)), CHECK_CONDITION(5)])
    case('scsi/read-and-write-flags', 'ffp',
         send_hdr(lambda c: c.scsi_bhs(cdb_read10(0, 1), F | CMD_R | CMD_W,
                                       512)),
         [CLOSE((0x04, 0x09)), CHECK_CONDITION(5)])

    # A well-formed extended CDB (32-byte CDB) on each session flavour:
    # answered with some status, the connection stays.
    def ext_cdb(c, ctx):
        cdb = bytes([0x7f, 0, 0, 0, 0, 0, 0, 0x18, 0x00, 0x09]) + bytes(22)
        ahs = ahs_entry(1, b'\0' + cdb[16:])
        h = c.scsi_bhs(cdb[:16], F | CMD_R, 512, ahslen=len(ahs) // 4)
        ctx['off'], ctx['itt'] = h, itt_of(h)
        c.send_pdu(h, ahs=ahs)
    case('ahs/ext-cdb-32', 'ffp', ext_cdb, [SCSI_STATUS()])
    case('ahs/ext-cdb-32-digests', 'ffp', ext_cdb, [SCSI_STATUS()],
         ops=DIGESTS)


# ====================================================================
# 5. Data-Out and immediate data.

def start_write(c, nbytes, final=False, lba=SCRATCH_LBA, imm=b''):
    """A WRITE that waits for Data-Out: F=0 lets unsolicited data
    follow (InitialR2T=No, up to FirstBurstLength)."""
    itt = c.next_itt()
    c.send_pdu(c.scsi_bhs(cdb_write10(lba, nbytes // BLOCK),
                          (F if final else 0) | CMD_W, nbytes, itt=itt,
                          dsl=len(imm)), imm)
    return itt


def wait_r2t(c, itt):
    while True:
        p = c.recv_nonping(5.0)
        if p.op == R2T and p.itt == itt:
            return p
        raise Closed('expected an R2T, got %s' % p.describe())


def gen_data_out():
    def do_case(name, steps, expects, quick=True, ops=None):
        """steps(c, ctx) sends the write and the Data-Outs; the last bad
        header goes in ctx['off']."""
        case('data-out/%s' % name, 'ffp', steps, expects, quick=quick,
             ops=ops)

    def bad_after(nbytes, good, bad):
        """A write of nbytes, the good Data-Outs (offset, len, datasn),
        then the bad one (offset, len, datasn[, ttt])."""
        def steps(c, ctx):
            itt = start_write(c, nbytes)
            for off, ln, sn in good:
                c.send_pdu(c.dataout_bhs(itt, off, ln, datasn=sn,
                                         final=False), bytes(ln))
            off, ln, sn = bad[:3]
            h = c.dataout_bhs(itt, off, ln, datasn=sn, final=False,
                              ttt=bad[3] if len(bad) > 3 else RSV)
            ctx['off'], ctx['itt'] = h, itt
            c.send_pdu(h, bytes(ln))
        return steps

    # With DataPDUInOrder=Yes and DataSequenceInOrder=Yes every Data-Out
    # continues where the last ended, DataSN counts up from 0 (RFC 7143
    # 11.7.4, 13.19, 13.20): anything else is a protocol error.
    rej = [REJECT_THEN((0x04,), allow=V.p_r2t())]
    do_case('offset-past-edtl', bad_after(8192, [], (8192, 512, 0)), rej)
    do_case('offset-gap', bad_after(8192, [], (512, 512, 0)), rej)
    do_case('offset-huge', bad_after(8192, [], (0xfffffe00, 512, 0)), rej)
    do_case('len-past-edtl', bad_after(8192, [], (0, 8704, 0)), rej)
    do_case('len-past-edtl-after-good',
            bad_after(8192, [(0, 4096, 0)], (4096, 8192, 1)), rej)
    do_case('overlap', bad_after(8192, [(0, 4096, 0)], (2048, 4096, 1)),
            rej)
    do_case('duplicate', bad_after(8192, [(0, 4096, 0)], (0, 4096, 0)),
            rej)
    do_case('datasn-first-1', bad_after(8192, [], (0, 512, 1)), rej)
    do_case('datasn-repeat', bad_after(8192, [(0, 512, 0)], (512, 512, 0)),
            rej)
    do_case('datasn-skip', bad_after(8192, [(0, 512, 0)], (512, 512, 2)),
            rej)
    do_case('datasn-max', bad_after(8192, [], (0, 512, 0xffffffff)), rej)
    # Unsolicited data beyond FirstBurstLength (65536).
    do_case('unsolicited-past-first-burst',
            bad_after(131072, [], (0, 65536 + 512, 0)), rej)
    do_case('unsolicited-past-first-burst-2',
            bad_after(131072, [(0, 65536, 0)], (65536, 512, 1)), rej)

    # Solicited data (TTT of an R2T) where it was not asked for.
    def solicited(off_of_r2t, length):
        def steps(c, ctx):
            itt = start_write(c, 131072)
            r2t = wait_r2t(c, itt)
            h = c.dataout_bhs(itt, off_of_r2t(r2t), length, ttt=r2t.ttt,
                              final=True)
            ctx['off'], ctx['itt'] = h, itt
            c.send_pdu(h, bytes(length))
        return steps
    do_case('solicited-in-unsolicited-range',
            solicited(lambda r: 0, 4096), rej)
    do_case('solicited-wrong-offset',
            solicited(lambda r: r.w(40) + 512, 4096), rej)
    do_case('solicited-past-r2t',
            solicited(lambda r: r.w(40), 65536 + 512), rej)

    # With InitialR2T=Yes there is no unsolicited data at all.
    do_case('unsolicited-with-initialr2t',
            bad_after(8192, [], (0, 512, 0)), rej,
            ops={'InitialR2T': 'Yes'})

    # Data-Out nobody waits for: dropped (RFC 7143 leaves it open; a
    # Reject is fine too), the connection stays.
    ign = [IGNORED(allow=p_reject((0x04, 0x09)))]
    for itt in (0x1234, 0xfffffffe, RSV):
        for ln in (0, 512, 8192):
            for final in (True, False):
                do_case('unknown-itt-%#x-len-%d%s' % (
                    itt, ln, '' if final else '-not-final'),
                    send_hdr(lambda c, itt=itt, ln=ln, f=final:
                             c.dataout_bhs(itt, 0, ln, final=f),
                             data=bytes(ln)), ign,
                    quick=itt == 0x1234 and ln == 512 and final)

    def unknown_ttt(c, ctx):
        itt = start_write(c, 131072)
        wait_r2t(c, itt)
        h = c.dataout_bhs(itt, 65536, 4096, ttt=0x5a5a5a5a)
        ctx['off'], ctx['itt'] = h, itt
        c.send_pdu(h, bytes(4096))
    do_case('unknown-ttt', unknown_ttt, ign)

    def after_done(c, ctx):
        itt = c.next_itt()
        c.send_pdu(c.scsi_bhs(cdb_write10(SCRATCH_LBA, 1), F | CMD_W, 512,
                              itt=itt, dsl=512), bytes(512))
        p = c.recv_nonping()
        if p.op != SCSI_RSP or p.bhs[3] != 0:
            raise Closed('write failed: %s' % p.describe())
        h = c.dataout_bhs(itt, 0, 512)
        ctx['off'], ctx['itt'] = h, itt
        c.send_pdu(h, bytes(512))
    do_case('after-command-done', after_done, ign)

    def after_abort(c, ctx):
        itt = start_write(c, 8192)
        t = c.next_itt()
        c.send_pdu(c.tmf_bhs(1, rtt=itt, itt=t))
        p = c.recv_nonping()
        if p.op != TMF_RSP or p.bhs[2] != 0:
            raise Closed('abort failed: %s' % p.describe())
        h = c.dataout_bhs(itt, 0, 8192)
        ctx['off'], ctx['itt'] = h, itt
        c.send_pdu(h, bytes(8192))
    do_case('after-abort-task', after_abort, ign)

    # Immediate data (RFC 7143 13.13, 13.14): within FirstBurstLength and
    # the EDTL, on writes only, only when ImmediateData=Yes.
    def imm(nbytes, edtl, flags=F | CMD_W, ops=None):
        def steps(c, ctx):
            h = c.scsi_bhs(cdb_write10(SCRATCH_LBA, max(1, edtl // BLOCK)),
                           flags, edtl, dsl=nbytes)
            ctx['off'], ctx['itt'] = h, itt_of(h)
            c.send_pdu(h, bytes(nbytes))
        return steps
    pe = [CLOSE((0x04, 0x09)), REJECT_THEN((0x04, 0x09))]
    case('immediate/over-first-burst', 'ffp', imm(65536 + 4, 131072), pe)
    case('immediate/over-edtl', 'ffp', imm(1024, 512), pe)
    case('immediate/edtl-zero', 'ffp', imm(512, 0), pe)
    case('immediate/when-immediatedata-no', 'ffp', imm(512, 512), pe,
         ops={'ImmediateData': 'No'})
    case('immediate/on-read', 'ffp', send_hdr(
        lambda c: c.scsi_bhs(cdb_read10(0, 1), F | CMD_R, 512, dsl=512),
        data=bytes(512)), REJECT_CLOSE((0x04,)))
    case('immediate/bidi', 'ffp', imm(512, 512, F | CMD_W | CMD_R),
         pe + [CHECK_CONDITION(5)])


# ====================================================================
# 6. CmdSN outside the window (RFC 7143 3.2.2.1: dropped silently).

def gen_cmdsn():
    where = (
        ('maxcmdsn+1', lambda c: c.maxcmdsn + 1),
        ('maxcmdsn+2', lambda c: c.maxcmdsn + 2),
        ('exp+1000', lambda c: c.cmdsn + 1000),
        ('exp+2^31-1', lambda c: c.cmdsn + 0x7fffffff),
        ('exp+2^31', lambda c: c.cmdsn + 0x80000000),
        ('exp-1', lambda c: c.cmdsn - 1),
        ('exp-2', lambda c: c.cmdsn - 2),
        ('exp-1000', lambda c: c.cmdsn - 1000),
        ('exp-2^31+1', lambda c: c.cmdsn - 0x7fffffff),
    )
    what = (
        ('nop', lambda c, sn: c.nop_bhs(cmdsn=sn)),
        ('tur', lambda c, sn: c.scsi_bhs(cdb_tur(), F, 0, cmdsn=sn)),
        ('text', lambda c, sn: c.text_bhs(0, cmdsn=sn)),
        ('tmf', lambda c, sn: c.tmf_bhs(1, rtt=0x777, imm=False,
                                        cmdsn=sn)),
        ('logout', lambda c, sn: c.logout_bhs(0, imm=False, cmdsn=sn)),
    )
    for wname, sn in where:
        for oname, build in what:
            def send(c, ctx, sn=sn, build=build):
                # One good command first, so that exp-1 is a duplicate.
                if c.ping() is not True:
                    raise Closed('ping failed')
                h = build(c, sn(c) & 0xffffffff)
                ctx['off'], ctx['itt'] = h, itt_of(h)
                c.send_pdu(h)
            case('cmdsn/%s-%s' % (oname, wname), 'ffp', send, [IGNORED()],
                 quick=wname in ('maxcmdsn+1', 'exp-1'))
    # An immediate command is delivered whatever its CmdSN.
    case('cmdsn/immediate-tur-any-cmdsn', 'ffp', send_hdr(
        lambda c: c.scsi_bhs(cdb_tur(), F, 0, imm=True,
                             cmdsn=c.cmdsn + 5000)), [SCSI_STATUS(0)])


# ====================================================================
# 7. Digests (CRC32C header and data digests negotiated).

def flip(d):
    return bytes([d[0] ^ 1]) + d[1:]


def zero(d):
    return bytes(4)


def swapped(d):      # big endian instead of little endian
    return d[::-1] if d != d[::-1] else flip(d)


CORRUPT = (('flip', flip), ('zero', zero), ('byteswap', swapped))


def gen_digests():
    def hdr_builders():
        return (
            ('nop', lambda c: (c.nop_bhs(), b'')),
            ('nop-data', lambda c: (c.nop_bhs(dsl=100), bytes(100))),
            ('tur', lambda c: (c.scsi_bhs(cdb_tur(), F, 0), b'')),
            ('read', lambda c: (c.scsi_bhs(cdb_read10(0, 1), F | CMD_R,
                                           512), b'')),
            ('write-imm', lambda c: (c.scsi_bhs(
                cdb_write10(SCRATCH_LBA, 1), F | CMD_W, 512, dsl=512),
                bytes(512))),
            ('text', lambda c: (c.text_bhs(0), b'')),
            ('tmf', lambda c: (c.tmf_bhs(5), b'')),
            ('logout', lambda c: (c.logout_bhs(0), b'')),
            ('data-out', lambda c: (c.dataout_bhs(0x4444, 0, 512),
                                    bytes(512))),
            ('snack', lambda c: (c.snack_bhs(), b'')),
        )
    # A header digest error at ErrorRecoveryLevel 0: the header cannot be
    # trusted, so the connection ends (RFC 7143 7.8); discarding the PDU
    # silently would do too.  Never an answer to the PDU itself.
    for name, build in hdr_builders():
        for cname, bad in CORRUPT:
            def send(c, ctx, build=build, bad=bad):
                h, d = build(c)
                ctx['off'], ctx['itt'] = h, itt_of(h)
                c.send_pdu(h, d, bad_hd=bad)
            case('digest/header-%s-%s' % (cname, name), 'ffp', send,
                 [CLOSE(), IGNORED()], ops=DIGESTS,
                 quick=cname == 'flip' and name in ('nop', 'write-imm'))
    # A data digest error: Reject "data digest error" (RFC 7143 7.8.1,
    # 11.17.1) and discard, or end the connection at ERL 0.
    for name, build in (
            ('nop', lambda c, n: c.nop_bhs(dsl=n)),
            ('write-imm', lambda c, n: c.scsi_bhs(
                cdb_write10(SCRATCH_LBA, 1), F | CMD_W, 512, dsl=n)),
            ('text', lambda c, n: c.text_bhs(n)),
            ('data-out', None)):
        for cname, bad in CORRUPT[:2]:
            def send(c, ctx, build=build, bad=bad, name=name):
                if name == 'data-out':
                    itt = start_write(c, 4096)
                    h = c.dataout_bhs(itt, 0, 512, final=False)
                    d = bytes(512)
                else:
                    d = b'SendTargets=\0' if name == 'text' else \
                        bytes(range(256)) * 2
                    h = build(c, len(d))
                ctx['off'], ctx['itt'] = h, itt_of(h)
                c.send_pdu(h, d, bad_dd=bad)
            case('digest/data-%s-%s' % (cname, name), 'ffp', send,
                 [REJECT_THEN((0x02,)), CLOSE((0x02,))], ops=DIGESTS,
                 quick=cname == 'flip')
    # A digest left out: the next PDU's bytes are taken as the digest.
    case('digest/header-missing', 'ffp', send_raw(
        lambda c: c.pdu_bytes(c.nop_bhs(), hd=False) +
        c.pdu_bytes(c.nop_bhs()), shut=False), [CLOSE((0x04, 0x05, 0x09))],
        ops=DIGESTS)
    case('digest/data-missing', 'ffp', send_raw(
        lambda c: c.pdu_bytes(c.nop_bhs(dsl=8), bytes(8), dd=False) +
        c.pdu_bytes(c.nop_bhs()), shut=False),
        [CLOSE((0x02, 0x04, 0x05, 0x09)), REJECT_THEN((0x02,))],
        ops=DIGESTS)


# ====================================================================
# 8. Text requests.

def gen_text():
    def text_case(name, payload, expects=None, phase='ffp', quick=True):
        def send(c, ctx, payload=payload):
            d = payload(c) if callable(payload) else payload
            h = c.text_bhs(len(d))
            ctx['off'], ctx['itt'] = h, itt_of(h)
            c.send_pdu(h, d)
        case('text/%s%s' % ('disc-' if phase == 'disc' else '', name),
             phase, send,
             expects or [TEXT_REFUSED(), REJECT_THEN((0x04, 0x09),
                                                     'alive')],
             quick=quick)

    # RFC 7143 6.1: key names up to 63 characters, values up to 255
    # (unless the key says otherwise), every pair NUL terminated.
    for n in (64, 200, 1000, 4000):
        text_case('key-%d-chars' % n, b'K' * n + b'=1\0', quick=n == 64)
    for n in (256, 4000):
        text_case('value-%d-bytes' % n, b'X-org.kiss.v=' + b'v' * n + b'\0',
                  quick=n == 256)
    text_case('unterminated', b'SendTargets=All')
    text_case('unterminated-long', b'SendTargets=' + b'a' * 3000)
    text_case('no-equals', b'SendTargets\0')
    text_case('empty-key', b'=All\0')
    text_case('only-nuls', b'\0\0\0\0',
              [TEXT_OK(), TEXT_REFUSED(), REJECT_THEN((0x04, 0x09), 'alive')])
    text_case('binary', bytes(range(1, 256)) * 4)
    text_case('key-with-space', b'Send Targets=All\0')
    text_case('duplicate-key', b'MaxRecvDataSegmentLength=8192\0'
              b'MaxRecvDataSegmentLength=8192\0')
    text_case('over-8192-one-pdu', b'X-org.kiss.a=b\0' * 600)
    text_case('login-only-key', b'HeaderDigest=CRC32C\0')
    text_case('unknown-key', b'X-org.kiss.bogus=1\0')
    text_case('sendtargets-all-normal-session', b'SendTargets=All\0')
    text_case('mrdsl-0', b'MaxRecvDataSegmentLength=0\0')
    text_case('mrdsl-huge', b'MaxRecvDataSegmentLength=16777216\0')
    text_case('sendtargets-own', b'SendTargets=\0', [TEXT_OK()])
    text_case('empty', b'', [TEXT_OK()])
    for phase in ('disc',):
        text_case('key-1000-chars', b'K' * 1000 + b'=1\0', phase=phase)
        text_case('unterminated', b'SendTargets=All', phase=phase)
        text_case('sendtargets-all', b'SendTargets=All\0', [TEXT_OK()],
                  phase=phase)

    # A TTT the target never gave: a format error (kiss ends the
    # connection; a Reject first is fine).
    case('text/unknown-ttt', 'ffp', send_hdr(
        lambda c: c.text_bhs(13, ttt=0x1234), data=b'SendTargets=\0'),
        [CLOSE((0x04, 0x09)), REJECT_THEN((0x04, 0x09))])

    # C=1 continuation beyond 8192 bytes of text: refused.
    def continued(c, ctx):
        ttt = RSV
        itt = c.next_itt()
        for i in range(4):
            sn = c.sn()
            d = (b'X-org.kiss.k%d=' % i) + b'v' * 250 + b'\0'
            d = d * 12
            h = mk(TEXT_REQ, TEXT_C, dsl=len(d), itt=itt,
                   w=(ttt, sn, c.expstatsn))
            ctx['off'], ctx['itt'] = h, itt
            c.send_pdu(h, d)
            p = c.recv_nonping()
            if p.op != TEXT_RSP:
                # the refusal: leave it for the verdict
                c.rbuf[0:0] = p.bhs + p.data.ljust((len(p.data) + 3) & ~3,
                                                   b'\0')
                return
            ttt = p.ttt
        raise Closed('no refusal after 4 x 3 KiB of continued text')
    case('text/continued-over-8192', 'ffp', continued,
         [REJECT_THEN((0x04,), 'alive'), TEXT_REFUSED()])

    # Requests a discovery session must refuse (RFC 7143 13.21? SessionType
    # Discovery allows Text, Login, Logout only).
    for op in (SCSI_CMD, TMF_REQ, DATA_OUT, SNACK_REQ):
        case('disc/%s' % opname(op), 'disc',
             send_hdr(lambda c, op=op: valid_hdr(c, op, imm=op != SCSI_CMD)),
             REJECT_CLOSE((0x04,)), quick=op == SCSI_CMD)


# ====================================================================
# 9. Login.

def gen_login():
    def first(name, kv=None, raw=None, flags=LOGIN_T | 1, vmax=0, vmin=0,
              expects=None, ahs=b'', quick=True, dsl=None, phase='raw'):
        def send(c, ctx):
            bhs, data = c.login_pdu(flags, kv if kv is not None else
                                    first_login_kv(), raw_text=raw,
                                    vmax=vmax, vmin=vmin)
            if ahs:
                bhs[4] = len(ahs) // 4
            if dsl is not None:
                bhs[5:8] = dsl.to_bytes(3, 'big')
            ctx['off'], ctx['itt'] = bhs, itt_of(bhs)
            c.send(bytes(bhs) + ahs + pad4(data))
        case('login/%s' % name, phase, send, expects, quick=quick)

    # Version-max/Version-min (RFC 7143 11.12.4): kiss speaks version 0;
    # a range without it is answered "unsupported version" (02/05).
    for vmax, vmin in ((1, 1), (2, 1), (0xff, 0x80), (0xff, 0xff)):
        first('version-%d-%d' % (vmax, vmin), vmax=vmax, vmin=vmin,
              expects=[LOGIN_FAIL(2, 5)], quick=vmax == 1)
    for vmax, vmin in ((0, 1), (1, 0xff)):
        first('version-min-above-max-%d-%d' % (vmax, vmin), vmax=vmax,
              vmin=vmin, expects=[LOGIN_FAIL(2, 5)] + LOGIN_FORMAT_ERROR())

    # Stage fields (RFC 7143 11.12.1-11.12.3): T and C never together,
    # CSG 2 is reserved, NSG only forwards.
    for name, flags in (('transit-and-continue', 0xc1),
                        ('csg2', 0x08), ('csg3', 0x0c), ('csg2-t', 0x8b),
                        ('csg3-t', 0x8f), ('csg0-t-nsg0', 0x80),
                        ('csg0-t-nsg2', 0x82), ('csg1-t-nsg0', 0x84),
                        ('csg1-t-nsg1', 0x85), ('csg1-t-nsg2', 0x86)):
        first('flags-%s' % name, flags=flags, expects=LOGIN_FORMAT_ERROR(),
              quick=name in ('csg2', 'transit-and-continue'))
    first('ahs', ahs=ahs_entry(1, b'\0' * 5), expects=LOGIN_FORMAT_ERROR())
    first('dsl-over-8192', raw=text_kv(first_login_kv()) +
          b'X-org.kiss.pad=' + b'p' * 8192 + b'\0',
          expects=LOGIN_FORMAT_ERROR())
    first('dsl-16MiB-1', dsl=0xffffff, expects=LOGIN_FORMAT_ERROR())

    # The text of the first request: status class 02 (initiator error)
    # with the detail RFC 7143 11.13.5 gives.
    kv = first_login_kv
    T = (
        ('no-initiatorname', kv(InitiatorName=None), 0x07),
        ('no-targetname', kv(TargetName=None), 0x07),
        ('unknown-target', kv(TargetName='iqn.2026-11.org.kiss:nosuch'),
         0x03),
        ('targetname-230-chars', kv(TargetName='iqn.2026-11.org.kiss:' +
                                    'x' * 209), 0x03),
        ('bad-initiatorname', kv(InitiatorName='not an iqn'), None),
        ('sessiontype-bogus', kv(SessionType='Bogus'), None),
        ('authmethod-chap', kv(AuthMethod='CHAP'), 0x01),
        ('authmethod-bogus', kv(AuthMethod='Bogus'), 0x01),
        ('authmethod-reject', kv(AuthMethod='Reject'), None),
        ('op-key-in-security', dict(kv(), MaxBurstLength='512'), None),
        ('target-only-key', dict(kv(), TargetPortalGroupTag='1'), None),
        ('targetaddress', dict(kv(), TargetAddress='1.2.3.4:3260,1'),
         None),
        ('ffp-only-key', dict(kv(), SendTargets='All'), None),
    )
    for name, k, detail in T:
        first('text-%s' % name, kv=k, expects=[LOGIN_FAIL(2, detail)],
              quick=name in ('no-initiatorname', 'unknown-target'))
    base = text_kv(first_login_kv())
    R = (
        ('duplicate-initiatorname', base +
         b'InitiatorName=iqn.2026-11.org.kiss:other\0'),
        ('key-64-chars', base + b'K' * 64 + b'=1\0'),
        ('key-1000-chars', base + b'K' * 1000 + b'=1\0'),
        ('value-256', base + b'InitiatorAlias=' + b'a' * 256 + b'\0'),
        ('unterminated', base[:-1]),
        ('empty', b''),
        ('binary', bytes(range(1, 256))),
        ('no-equals', base + b'Garbage\0'),
        ('empty-key', base + b'=x\0'),
        ('nul-in-key', base.replace(b'AuthMethod', b'Auth\0Method')),
    )
    for name, raw in R:
        first('text-%s' % name, raw=raw, expects=[LOGIN_FAIL(2)],
              quick=name in ('unterminated', 'key-64-chars'))
    # Operational stage first (no security stage), bad declarations.
    for name, val in (('0', '0'), ('511', '511'),
                      ('16777216', '16777216'), ('abc', 'abc')):
        first('mrdsl-%s' % name, flags=LOGIN_T | (1 << 2) | 3,
              kv=dict(first_login_kv(AuthMethod=None),
                      MaxRecvDataSegmentLength=val),
              expects=[LOGIN_FAIL(2)], quick=name == '0')

    # TSIH of a session that does not exist (RFC 7143 11.13.5: 02/0a).
    def tsih(c, ctx):
        c.tsih = 0x4321
        c.login_itt = 7
        p = c.login_exchange(LOGIN_T | 1, first_login_kv())
        if p.bhs[36] != 0:
            c.rbuf[0:0] = p.bhs + pad4(p.data)
            return
        bhs, data = c.login_pdu(LOGIN_T | (1 << 2) | 3, {})
        ctx['off'], ctx['itt'] = bhs, itt_of(bhs)
        c.send_pdu(bhs, data, hd=False, dd=False)
    case('login/tsih-unknown', 'raw', tsih, [LOGIN_FAIL(2, 0x0a)])

    # Login text continued (C=1) past 8192 bytes.
    def continued(c, ctx):
        pairs = text_kv(first_login_kv())
        for i in range(4):
            d = pairs if i == 0 else b''
            d += (b'X-org.kiss.k%d=' % i) + b'v' * 250 + b'\0'
            d = d + (b'X-org.kiss.p%d=' % i + b'q' * 200 + b'\0') * 12
            bhs, _ = c.login_pdu(TEXT_C, {}, raw_text=d)
            ctx['off'], ctx['itt'] = bhs, itt_of(bhs)
            c.send_pdu(bhs, d, hd=False, dd=False)
            p = c.recv_nonping()
            if p.op != LOGIN_RSP or p.bhs[36] != 0:
                c.rbuf[0:0] = p.bhs + pad4(p.data)
                return
        raise Closed('no refusal after 4 x 3 KiB of continued login text')
    case('login/continued-over-8192', 'raw', continued, [LOGIN_FAIL(2)])

    # Mid-login (after a first request and its answer): any other PDU is
    # answered with a Login reject "invalid during login" (02/0b) and the
    # connection closes (RFC 7143 6, "once the Login Phase has started").
    for op in NONLOGIN:
        case('login/mid-login-op-%s' % opname(op), 'login1',
             send_hdr(lambda c, op=op: valid_hdr(c, op, imm=True)),
             [LOGIN_FAIL(2, 0x0b)], quick=op in (SCSI_CMD, NOP_OUT))
    # A stage the target did not agree to move to.
    first('mid-login-csg-skips-ahead', flags=LOGIN_T | (1 << 2) | 3, kv={},
          phase='login1', expects=[LOGIN_FAIL(2, 0)])
    first('mid-login-transit-and-continue', flags=0xc1, kv={},
          phase='login1', expects=LOGIN_FORMAT_ERROR())
    first('mid-login-initiatorname-changes', flags=0, phase='login1',
          kv={'InitiatorName': 'iqn.2026-11.org.kiss:someone-else'},
          expects=[LOGIN_FAIL(2)])
    first('mid-login-version-out-of-range', flags=0, kv={}, vmax=3, vmin=3,
          phase='login1', expects=[LOGIN_FAIL(2, 5)] + LOGIN_FORMAT_ERROR())


# ====================================================================
# 10. Task management and logout.

def gen_tmf_logout():
    def tmf(name, fn, codes, rtt=0x7777, lun=0, imm=True, alt=(),
            quick=True):
        case('tmf/%s' % name, 'ffp', send_hdr(
            lambda c: c.tmf_bhs(fn, rtt=rtt, lun=lun, imm=imm)),
            [TMF(codes)] + list(alt), quick=quick)
    # RFC 7143 11.6.1: a task that does not exist is "function complete"
    # or "task does not exist"; unsupported functions "function not
    # supported" or "function rejected".
    tmf('abort-unknown-task', 1, {0, 1})
    tmf('abort-unknown-task-not-immediate', 1, {0, 1}, imm=False)
    tmf('abort-rtt-reserved', 1, {0, 1}, rtt=RSV)
    tmf('abort-task-set', 2, {0})
    tmf('clear-task-set', 4, {0})
    tmf('lun-reset', 5, {0})
    tmf('target-warm-reset', 6, {0})
    tmf('clear-aca', 3, {0, 5, 255})
    # RFC 7143 11.5.1: after a cold reset the target drops the
    # connections, after its answer or instead of it.
    tmf('target-cold-reset', 7, {0, 5, 255},
        alt=[Expect('close', after='close'),
             Expect('tmf 0 then close', want=V.p_tmf({0}), after='close')])
    tmf('task-reassign', 8, {4, 5, 255})
    for fn in (0, 9, 14, 0x7f):
        tmf('function-%d' % fn, fn, {5, 255}, quick=fn == 0)
    tmf('lun-reset-no-such-lun', 5, {0, 2}, lun=200)
    tmf('abort-task-set-no-such-lun', 2, {0, 2}, lun=200)

    def abort_waiting(c, ctx):
        itt = start_write(c, 8192)
        h = c.tmf_bhs(1, rtt=itt)
        ctx['off'], ctx['itt'] = h, itt_of(h)
        c.send_pdu(h)
    case('tmf/abort-write-waiting-for-data', 'ffp', abort_waiting,
         [TMF({0})])

    def abort_race(c):
        """ABORT TASK sent right behind a complete write, many times:
        the target may finish the write (GOOD, then "task does not
        exist") or abort it ("function complete" and no response for it,
        RFC 7143 4.2.3.4), never both.  A ping after each round proves
        that no late response follows the TMF answer."""
        counts = {'good': 0, 'aborted': 0}
        data = bytes(8 * BLOCK)
        for i in range(200):
            itt = c.next_itt()
            w = c.scsi_bhs(cdb_write10(SCRATCH_LBA, 8), F | CMD_W,
                           len(data), itt=itt, dsl=len(data))
            t = c.next_itt()
            c.send(c.pdu_bytes(w, data) +
                   c.pdu_bytes(c.tmf_bhs(1, rtt=itt, itt=t)))
            got = c.wait_for(t)
            if got[-1].op != TMF_RSP:
                return False, 'round %d: %s' % (i, got[-1].describe())
            tmf = got[-1].bhs[2]
            n = c.next_itt()
            c.send_pdu(c.nop_bhs(itt=n))
            late = c.wait_for(n)
            if late[-1].op != NOP_IN:
                return False, 'round %d: ping: %s' % (i, late[-1].describe())
            got += late[:-1]
            rsp = [p for p in got if p.op == SCSI_RSP and p.itt == itt]
            if tmf == 1 and len(rsp) == 1 and rsp[0].bhs[3] == 0:
                counts['good'] += 1
            elif tmf == 0 and not rsp:
                counts['aborted'] += 1
            else:
                return False, 'round %d: TMF response %d after %s' % (
                    i, tmf, [p.describe() for p in got[:-1]])
        return True, '200 rounds: %(good)d written, %(aborted)d aborted' % \
            counts
    case('tmf/abort-racing-write', 'ffp', custom=abort_race)

    def logout(name, reason, expects, cid=0, pending=False, quick=True):
        def send(c, ctx):
            if pending:
                start_write(c, 8192)
            h = c.logout_bhs(reason, cid=cid)
            ctx['off'], ctx['itt'] = h, itt_of(h)
            c.send_pdu(h)
        case('logout/%s' % name, 'ffp', send, expects, quick=quick)
    # RFC 7143 11.15.1.
    logout('close-session', 0, [LOGOUT(0, 'close')])
    logout('close-connection', 1, [LOGOUT(0, 'close')])
    logout('close-connection-wrong-cid', 1, [LOGOUT(1, 'alive')], cid=7)
    logout('remove-for-recovery-erl0', 2, [LOGOUT(2, 'alive')])
    logout('with-write-waiting-for-data', 0, [LOGOUT(0, 'close')],
           pending=True)

    # SNACK at ErrorRecoveryLevel 0 (RFC 7143 11.16): not supported.
    for typ in (0, 1, 2, 3):
        case('snack/type-%d' % typ, 'ffp',
             send_hdr(lambda c, typ=typ: c.snack_bhs(typ)),
             [REJECT_THEN((0x03, 0x04, 0x05))], quick=typ == 0)


# ====================================================================
# 11. Well-formed traffic the battery relies on (controls: if these fail
#     the battery itself is wrong), and SCSI-level refusals.

def gen_controls():
    def ping(c, ctx):
        itt = c.next_itt()
        h = c.nop_bhs(itt=itt, dsl=4096)
        ctx['off'], ctx['itt'] = h, itt
        c.send_pdu(h, bytes(range(256)) * 16)
    nop = Expect('NOP-In echo', want=V.p_nop(), after='alive')
    case('control/ping-4k', 'ffp', ping, [nop])
    case('control/ping-4k-digests', 'ffp', ping, [nop], ops=DIGESTS)
    case('control/nop-rsv-itt-immediate', 'ffp', send_hdr(
        lambda c: c.nop_bhs(itt=RSV, imm=True, ttt=RSV)), [IGNORED()])
    case('control/nop-answer-to-no-ping', 'ffp', send_hdr(
        lambda c: c.nop_bhs(itt=RSV, imm=True, ttt=0x40001234)),
        [IGNORED()])
    # The echo must fit the initiator's MaxRecvDataSegmentLength (65536):
    # kiss refuses a bigger ping it could not answer.
    case('ffp/nop-echo-over-initiator-mrdsl', 'ffp',
         send_hdr(lambda c: c.nop_bhs(dsl=65536 + 4), data=bytes(65540)),
         [REJECT_THEN((0x04,), 'alive')])

    def wr(ops, n):
        def custom(c):
            data = bytes((i * 13 + n) & 0xff for i in range(n))
            st, _, p = c.scsi(cdb_write10(SCRATCH_LBA, n // BLOCK),
                              write=data)
            if st != 0:
                return False, 'write: %s' % p.describe()
            st, got, p = c.scsi(cdb_read10(SCRATCH_LBA, n // BLOCK),
                                read_len=n)
            if st != 0 or got != data:
                return False, 'read back: %s, %d bytes, %s' % (
                    p.describe(), len(got),
                    'same' if got == data else 'different')
            return True, 'wrote and read back %d bytes' % n
        return custom
    case('control/write-read-200k', 'ffp', custom=wr({}, 200 * 1024))
    case('control/write-read-96k-digests', 'ffp', ops=DIGESTS,
         custom=wr({}, 96 * 1024))
    case('control/write-read-initialr2t', 'ffp',
         ops={'InitialR2T': 'Yes', 'ImmediateData': 'No'},
         custom=wr({}, 70 * 1024))

    def unsolicited(c):
        itt = start_write(c, 8192)
        for i in range(2):
            c.send_pdu(c.dataout_bhs(itt, 4096 * i, 4096, datasn=i,
                                     final=i == 1), bytes([i + 1]) * 4096)
        p = c.recv_nonping()
        if p.op != SCSI_RSP or p.bhs[3] != 0:
            return False, p.describe()
        return True, 'unsolicited Data-Out write: %s' % p.describe()
    case('control/unsolicited-data-out', 'ffp', custom=unsolicited)

    def defects(c):
        """READ DEFECT DATA(10) and (12): both lists valid and empty,
        in the format asked for (SBC-3 5.16, 5.17)."""
        st, d, p = c.scsi(bytes([0x37, 0, 0x18 | 5, 0, 0, 0, 0, 0, 16, 0]),
                          read_len=16)
        if st != 0 or d != bytes([0, 0x18 | 5, 0, 0]):
            return False, '(10): %s %s' % (p.describe(), d.hex())
        st, d, p = c.scsi(bytes([0xb7, 0x08 | 4, 0, 0, 0, 0, 0, 0, 0, 16,
                                 0, 0]), read_len=16)
        if st != 0 or d != bytes([0, 0x08 | 4]) + bytes(6):
            return False, '(12): %s %s' % (p.describe(), d.hex())
        return True, 'empty lists, headers of 4 and 8 bytes'
    case('control/read-defect-data', 'ffp', custom=defects)

    def scsi(name, cdb, flags, edtl, key, lun=0):
        case('scsi/%s' % name, 'ffp', send_hdr(
            lambda c: c.scsi_bhs(cdb, flags, edtl, lun=lun)),
            [CHECK_CONDITION(key)])
    scsi('unknown-opcode', bytes([0xff]) + bytes(15), F, 0, 5)
    scsi('read-past-end', cdb_read10(0xfffffff0, 1), F | CMD_R, 512, 5)
    scsi('no-such-lun', cdb_tur(), F, 0, 5, lun=77)

    def login_version(vmax, vmin):
        def custom(c):
            p = c.login_exchange(LOGIN_T | 1, first_login_kv(), vmax=vmax,
                                 vmin=vmin)
            if p.bhs[36] != 0 or p.bhs[3] != 0:
                return False, p.describe()
            return True, '%s, version-active %d' % (p.describe(), p.bhs[3])
        return custom
    case('control/login-version-1-0', 'raw', custom=login_version(1, 0))
    case('control/login-version-255-0', 'raw',
         custom=login_version(0xff, 0))

    def sec_to_ffp(c):
        p = c.login_exchange(LOGIN_T | 3, first_login_kv())
        if p.bhs[36] != 0 or (p.flags & 0x83) != 0x83:
            return False, 'security -> FFP: %s flags %#x' % (p.describe(),
                                                              p.flags)
        c.cmdsn = p.expcmdsn
        c.clear_unit_attention()  # POWER ON OCCURRED, once
        st, _, p = c.scsi(cdb_tur())
        return st == 0, 'security stage straight to FFP, TUR %s' % (
            p.describe())
    case('control/login-security-to-ffp', 'raw', custom=sec_to_ffp)


# ====================================================================
# 12. Connection limits of a portal (configfs portals/NAME/max_connections
#     and max_per_source, kernel/portal.c): set low for the case, then
#     put back.  Loopback takes every address of 127/8, so binding the
#     client socket gives each connection the source address it needs.

CFS = '/sys/kernel/config/kiss'


def portal_dir():
    """The configfs directory of the portal listening on ADDR."""
    root = os.path.join(CFS, 'portals')
    for name in sorted(os.listdir(root)):
        d = os.path.join(root, name)
        try:
            with open(os.path.join(d, 'addr')) as f:
                addr = f.read().strip()
            with open(os.path.join(d, 'port')) as f:
                port = int(f.read())
        except (OSError, ValueError):
            continue
        if port == ADDR[1] and addr in (ADDR[0], '0.0.0.0'):
            return d
    raise OSError('no portal on %s:%d in %s' % (ADDR[0], ADDR[1], root))


class Limits:
    """with Limits(max_per_source=2): the portal's limits for a while."""

    def __init__(self, **limits):
        self.limits, self.old, self.dir = limits, {}, None

    def __enter__(self):
        self.dir = portal_dir()
        for k, v in self.limits.items():
            with open(os.path.join(self.dir, k)) as f:
                self.old[k] = f.read().strip()
            with open(os.path.join(self.dir, k), 'w') as f:
                f.write('%d\n' % v)
        return self

    def __exit__(self, *exc):
        for k, v in self.old.items():
            with open(os.path.join(self.dir, k), 'w') as f:
                f.write(v + '\n')


def limit_wait():
    return 10.0 if QUICK else 5.0


def try_admit(source):
    """A connection from @source that the target took: it answers the
    first login request (and then waits in login).  None if it was
    closed instead."""
    c = Conn(ADDR, source=source)
    try:
        c.login_exchange(0, first_login_kv())
        return c
    except Closed:
        c.close()
        return None


def admit(source, opened):
    """try_admit() for a few seconds: a connection that just ended may
    still count until kiss has freed it (a work item)."""
    deadline = time.monotonic() + limit_wait()
    while True:
        c = try_admit(source)
        if c:
            opened.append(c)
            return c
        if time.monotonic() > deadline:
            raise Closed('a connection from %s was refused for %.0f s' %
                         (source, limit_wait()))
        time.sleep(0.1)


def refused(source):
    """Is a connection from @source closed at once, before any answer?
    A first login request goes out; what comes back must be EOF or a
    reset, well before the 15 s login timeout."""
    c = Conn(ADDR, source=source)
    t0 = time.monotonic()
    try:
        bhs, data = c.login_pdu(0, first_login_kv())
        try:
            c.send_pdu(bhs, data, hd=False, dd=False)
        except Closed:
            pass
        try:
            p = c.recv_pdu(limit_wait())
            return False, 'from %s: answered with %s' % (source,
                                                        p.describe())
        except Closed as e:
            return True, 'from %s closed after %.2f s (%s)' % (
                source, time.monotonic() - t0, e)
        except Timeout:
            return False, 'from %s: still open after %.0f s' % (
                source, limit_wait())
    finally:
        c.close()


def full_login(source, opened):
    """Log in all the way from @source, TEST UNIT READY; the session
    stays (the caller logs out or closes)."""
    deadline = time.monotonic() + limit_wait()
    while True:
        c = Conn(ADDR, source=source)
        opened.append(c)
        try:
            c.login(INITIATOR, TARGET, ops=OPS)
            break
        except Closed:
            c.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    st, _, p = c.scsi(cdb_tur())
    if st != 0:
        raise Closed('TUR from %s: %s' % (source, p.describe()))
    return c


def logout(c):
    p = c.logout()
    if p.op != LOGOUT_RSP or p.bhs[2] != 0:
        raise Closed('logout: %s' % p.describe())
    c.close()


def gen_limits():
    def per_source(c):
        """max_per_source=4: four connections from 127.0.0.1 sit in
        login, the fifth is closed at once; 127.0.0.2 still gets in;
        when one of the four goes, a new one logs in all the way."""
        opened = [c]
        try:
            with Limits(max_per_source=4):
                c.close()       # taken before the limit: start afresh
                four = [admit('127.0.0.1', opened) for _ in range(4)]
                ok, what = refused('127.0.0.1')
                if not ok:
                    return False, 'fifth ' + what
                other = full_login('127.0.0.2', opened)
                four[0].close()
                c2 = full_login('127.0.0.1', opened)
                ok2, what2 = refused('127.0.0.1')
                if not ok2:
                    return False, 'at the limit again: ' + what2
                logout(c2)
                logout(other)
                return True, '4 from 127.0.0.1 in login, fifth %s; ' \
                    '127.0.0.2 logged in; one closed, a new one logged ' \
                    'in' % what
        finally:
            for x in opened:
                x.close()
    case('limits/per-source', 'raw', custom=per_source)

    def per_portal(c):
        """max_connections=4: connections from four addresses in login,
        a fifth from a new address and one from a known one are closed
        at once; when one goes, a new one logs in all the way."""
        opened = [c]
        try:
            with Limits(max_connections=4):
                c.close()
                srcs = ('127.0.0.1', '127.0.0.1', '127.0.0.2', '127.0.0.3')
                conns = [admit(a, opened) for a in srcs]
                for a in ('127.0.0.4', '127.0.0.1'):
                    ok, what = refused(a)
                    if not ok:
                        return False, 'fifth ' + what
                conns[3].close()
                c2 = full_login('127.0.0.5', opened)
                logout(c2)
                return True, '4 in login from 3 addresses, fifth ' \
                    'closed at once; one closed, a new one logged in'
        finally:
            for x in opened:
                x.close()
    case('limits/per-portal', 'raw', custom=per_portal)

    def logged_in(c):
        """Sessions in Full Feature Phase count too, and a logout gives
        the place back: max_per_source=2, two sessions, the third
        connection is closed at once until one logs out."""
        opened = [c]
        try:
            with Limits(max_per_source=2):
                c.close()
                s1 = full_login('127.0.0.1', opened)
                full_login('127.0.0.1', opened)
                ok, what = refused('127.0.0.1')
                if not ok:
                    return False, 'third ' + what
                logout(s1)
                logout(full_login('127.0.0.1', opened))
                return True, '2 sessions, third %s; after a logout a ' \
                    'new session' % what
        finally:
            for x in opened:
                x.close()
    case('limits/logged-in', 'raw', custom=logged_in)

    def login_failure(c):
        """A login the target refuses ends the connection, and kiss gives
        its place back without the initiator closing: max_per_source=1,
        a login to an unknown target (02/03), then a whole login from the
        same address."""
        opened = [c]
        try:
            with Limits(max_per_source=1):
                c.close()
                deadline = time.monotonic() + limit_wait()
                while True:
                    x = Conn(ADDR, source='127.0.0.1')
                    opened.append(x)     # left open: kiss must close it
                    try:
                        p = x.login_exchange(0, first_login_kv(
                            TargetName=TARGET + '-nonexistent'))
                        break
                    except Closed:
                        # refused: the connection before still counts
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.1)
                if p.bhs[36] != 2:
                    return False, 'login to an unknown target: %s' % (
                        p.describe())
                logout(full_login('127.0.0.1', opened))
                return True, 'login failure %02x/%02x, then a new ' \
                    'session from the same address' % (p.bhs[36], p.bhs[37])
        finally:
            for x in opened:
                x.close()
    case('limits/login-failure', 'raw', custom=login_failure)

    def target_disable(c):
        """Sessions closed by disabling the target give their places
        back: max_per_source=1, a session, enable=0 then 1, a new
        session."""
        opened = [c]
        en = os.path.join(CFS, 'targets', TARGET, 'enable')
        try:
            with Limits(max_per_source=1):
                c.close()
                s1 = full_login('127.0.0.1', opened)
                ok, what = refused('127.0.0.1')
                if not ok:
                    return False, 'second ' + what
                with open(en, 'w') as f:
                    f.write('0\n')
                with open(en, 'w') as f:
                    f.write('1\n')
                try:
                    s1.recv_nonping(limit_wait())
                    return False, 'the session outlived enable=0'
                except Closed:
                    pass
                s1.close()
                logout(full_login('127.0.0.1', opened))
                return True, 'second %s; enable=0 closed the session, ' \
                    'then a new one' % what
        finally:
            with open(en, 'w') as f:
                f.write('1\n')
            for x in opened:
                x.close()
    case('limits/target-disable', 'raw', custom=target_disable)


# ====================================================================
# 13. Many outstanding commands.

class Reader(threading.Thread):
    """Receives PDUs on a connection while the main thread sends."""

    def __init__(self, c, stop):
        super().__init__(daemon=True)
        self.c, self.stop, self.pdus, self.error = c, stop, [], None
        self.cv = threading.Condition()

    def run(self):
        try:
            while True:
                p = self.c.recv_pdu(20.0)
                with self.cv:
                    if not p.is_ping:
                        self.pdus.append(p)
                    self.cv.notify_all()
                    if self.stop(self.pdus):
                        return
        except (Closed, Timeout, BadDigest) as e:
            with self.cv:
                self.error = e
                self.cv.notify_all()


def bulk_count():
    return 512 if QUICK else 4096


def gen_bulk():
    def window(c):
        """N READs of one block, keeping the CmdSN window full."""
        n = bulk_count()
        win = (c.maxcmdsn - c.cmdsn + 1) & 0xffffffff
        first_itt = c.itt + 1
        c.s.settimeout(None)
        done = {}

        def stop(pdus):
            return len(pdus) >= n
        r = Reader(c, stop)
        r.start()
        sent = 0
        seen = 0
        t0 = time.monotonic()
        while sent < n:
            with r.cv:
                while r.error is None and \
                        V_sn_gt(c.cmdsn, r.c.maxcmdsn):
                    r.cv.wait(5.0)
                    if time.monotonic() - t0 > 120:
                        break
                if r.error:
                    break
            batch = []
            while sent < n and not V_sn_gt(c.cmdsn, c.maxcmdsn):
                batch.append(c.pdu_bytes(c.scsi_bhs(
                    cdb_read10(sent % 8, 1), F | CMD_R, 512)))
                sent += 1
            if batch:
                c.send(b''.join(batch))
            if time.monotonic() - t0 > 120:
                return False, 'stuck after %d commands' % sent
        r.join(120)
        for p in r.pdus:
            if p.op == DATA_IN and p.flags & 1:
                i = p.itt - first_itt
                exp = PATTERN[(i % 8) * BLOCK:(i % 8 + 1) * BLOCK]
                done[p.itt] = p.bhs[3] == 0 and p.data == exp
            else:
                seen += 1
        bad = [i for i, ok in done.items() if not ok]
        if r.error and len(done) < n:
            return False, '%d of %d answered, then %s' % (len(done), n,
                                                          r.error)
        if len(done) != n or bad or seen:
            return False, '%d answered, %d wrong, %d other PDUs' % (
                len(done), len(bad), seen)
        return True, '%d READs through a window of %d, all GOOD with ' \
            'the right data' % (n, win)
    case('bulk/reads-in-window', 'ffp', custom=window)

    def blast(c):
        """N TURs at once with consecutive CmdSNs, ignoring MaxCmdSN:
        those beyond the window are dropped (RFC 7143 3.2.2.1), so the
        answered ones are a prefix of at least the window at login."""
        n = bulk_count()
        win = (c.maxcmdsn - c.cmdsn + 1) & 0xffffffff
        first_itt = c.itt + 1
        first_sn = c.cmdsn
        c.s.settimeout(None)
        r = Reader(c, lambda pdus: False)
        r.start()
        c.send(b''.join(c.pdu_bytes(c.scsi_bhs(cdb_tur(), F, 0))
                        for _ in range(n)))
        time.sleep(2.0 if not QUICK else 5.0)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with r.cv:
                k = len(r.pdus)
            time.sleep(0.5)
            with r.cv:
                if len(r.pdus) == k:
                    break
        with r.cv:
            pdus = list(r.pdus)
        got = sorted(p.itt - first_itt for p in pdus
                     if p.op == SCSI_RSP and p.bhs[3] == 0)
        other = [p for p in pdus if p.op != SCSI_RSP or p.bhs[3] != 0]
        if other:
            return False, 'unexpected %s' % other[0].describe()
        if got != list(range(len(got))) or len(got) < win:
            return False, '%d answered (window %d), not a prefix' % (
                len(got), win)
        # The next command carries the CmdSN after the last one taken.
        c.cmdsn = (first_sn + len(got)) & 0xffffffff
        r.stop = lambda pdus: True
        itt = c.next_itt()
        c.send_pdu(c.nop_bhs(itt=itt))
        t = time.monotonic() + 5
        while time.monotonic() < t:
            with r.cv:
                if any(p.op == NOP_IN and p.itt == itt for p in r.pdus):
                    return True, '%d of %d sent answered (window %d), ' \
                        'rest dropped, ping with CmdSN %d ok' % (
                            len(got), n, win, c.cmdsn - 1)
                r.cv.wait(0.5)
        return False, '%d answered; no answer to the ping with CmdSN %d' % (
            len(got), (c.cmdsn - 1) & 0xffffffff)
    case('bulk/tur-blast-past-window', 'ffp', custom=blast)

    def immediate(c):
        """N immediate TURs: each gets a response or an "immediate
        command reject" (RFC 7143 11.17.1, reason 6)."""
        n = bulk_count()
        first_itt = c.itt + 1
        c.s.settimeout(None)
        r = Reader(c, lambda pdus: len(pdus) >= n)
        r.start()
        c.send(b''.join(c.pdu_bytes(c.scsi_bhs(cdb_tur(), F, 0, imm=True))
                        for _ in range(n)))
        r.join(120)
        seen = {}
        for p in r.pdus:
            if p.op == SCSI_RSP and p.bhs[3] == 0:
                k = p.itt
            elif p.op == REJECT and p.bhs[2] == 6 and len(p.data) >= 48:
                k = itt_of(p.data)
            else:
                return False, 'unexpected %s' % p.describe()
            if k in seen:
                return False, 'itt %#x answered twice' % k
            seen[k] = p.op
        if sorted(seen) != list(range(first_itt, first_itt + n)):
            return False, '%d of %d answered%s' % (
                len(seen), n, ', %s' % r.error if r.error else '')
        rej = sum(1 for v in seen.values() if v == REJECT)
        return True, '%d immediate TURs: %d GOOD, %d rejected (reason 6)' % (
            n, n - rej, rej)
    case('bulk/immediate-tur-flood', 'ffp', custom=immediate)

    def nops(c):
        """N non-immediate NOP-Out pings at once: they take no command
        slot, so the window never closes and every one is answered."""
        n = bulk_count()
        first_itt = c.itt + 1
        c.s.settimeout(None)
        r = Reader(c, lambda pdus: len(pdus) >= n)
        r.start()
        c.send(b''.join(c.pdu_bytes(c.nop_bhs(dsl=16), b'0123456789abcdef')
                        for _ in range(n)))
        r.join(120)
        itts = [p.itt for p in r.pdus if p.op == NOP_IN]
        if itts != list(range(first_itt, first_itt + n)):
            return False, '%d NOP-Ins of %d%s' % (
                len(itts), n, ', %s' % r.error if r.error else '')
        return True, '%d pings answered in order' % n
    case('bulk/nop-flood', 'ffp', custom=nops)

    def writes_waiting(c):
        """N WRITEs that each wait for an R2T's data, which never comes;
        then a logout: the target must drop them and log out."""
        n = bulk_count()
        win = (c.maxcmdsn - c.cmdsn + 1) & 0xffffffff
        c.s.settimeout(None)
        r = Reader(c, lambda pdus: any(p.op == LOGOUT_RSP for p in pdus))
        r.start()
        c.send(b''.join(c.pdu_bytes(c.scsi_bhs(
            cdb_write10(SCRATCH_LBA + i % 64, 1), F | CMD_W, 512))
            for i in range(n)))
        time.sleep(1.0 if not QUICK else 3.0)
        itt = c.next_itt()
        c.send_pdu(c.logout_bhs(0, itt=itt))
        r.join(60)
        r2ts = sum(1 for p in r.pdus if p.op == R2T)
        lo = [p for p in r.pdus if p.op == LOGOUT_RSP]
        other = [p for p in r.pdus if p.op not in (R2T, LOGOUT_RSP)]
        if other or not lo or lo[0].bhs[2] != 0 or r2ts < win:
            return False, '%d R2Ts (window %d), %s%s' % (
                r2ts, win, lo[0].describe() if lo else 'no logout response',
                ', unexpected %s' % other[0].describe() if other else '')
        try:
            c.recv_pdu(5.0)
            return False, 'connection still open after logout'
        except Closed:
            pass
        except Timeout:
            return False, 'connection still open 5 s after logout'
        return True, '%d WRITEs sent, %d R2Ts, logout ok, closed' % (n, r2ts)
    case('bulk/writes-waiting-then-logout', 'ffp', custom=writes_waiting)


def V_sn_gt(a, b):
    """a > b in serial number arithmetic (RFC 1982)."""
    return a != b and ((a - b) & 0xffffffff) < 0x80000000


# ====================================================================
# Running

def setup(cs):
    c = Conn(ADDR)
    if cs.phase == 'raw':
        return c
    if cs.phase == 'login1':
        p = c.login_exchange(0, first_login_kv())
        if p.bhs[36] != 0:
            raise Closed('first login request refused: %s' % p.describe())
        return c
    if cs.phase == 'disc':
        ops = dict(DISC_OPS)
        ops.update(cs.ops)
        c.login(INITIATOR, discovery=True, ops=ops)
        return c
    ops = dict(OPS)
    ops.update(cs.ops)
    c.login(INITIATOR, TARGET, ops=ops)
    return c


def health():
    """A fresh login, TEST UNIT READY, READ of the pattern, logout."""
    c = None
    try:
        c = Conn(ADDR)
        c.login(INITIATOR, TARGET, ops=OPS)
        st, _, p = c.scsi(cdb_tur())
        if st != 0:
            return False, 'TUR: %s' % p.describe()
        st, data, p = c.scsi(cdb_read10(0, 8), read_len=8 * BLOCK)
        if st != 0:
            return False, 'READ: %s' % p.describe()
        if data != PATTERN:
            return False, 'READ returned other data than was written'
        p = c.logout()
        if p.op != LOGOUT_RSP or p.bhs[2] != 0:
            return False, 'logout: %s' % p.describe()
        return True, ''
    except (Closed, Timeout, BadDigest, OSError) as e:
        return False, 'health check: %s: %s' % (type(e).__name__, e)
    finally:
        if c:
            c.close()


def run_case(cs):
    try:
        c = setup(cs)
    except (Closed, Timeout, BadDigest, OSError) as e:
        return False, 'setup (%s) failed: %s: %s' % (cs.phase,
                                                     type(e).__name__, e)
    ctx = {}
    try:
        if cs.custom:
            try:
                return cs.custom(c)
            except (Closed, Timeout, BadDigest, OSError) as e:
                return False, '%s: %s' % (type(e).__name__, e)
        try:
            cs.send(c, ctx)
        except Closed:
            pass        # the target closed while we sent: judged below
        except (Timeout, BadDigest) as e:
            return False, 'while sending: %s: %s' % (type(e).__name__, e)
        ok, what = V.judge(c, cs.expects, ctx)
        if not ok and ctx.get('off') is not None:
            what += '; header sent: %s' % bytes(ctx['off']).hex()
        return ok, what
    finally:
        c.close()


def load_xfail(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith('#'):
                    continue
                pat, _, why = line.partition(' ')
                out.append((pat, why.strip()))
    except FileNotFoundError:
        pass
    return out


def prepare():
    """Write the pattern the health check reads back."""
    c = Conn(ADDR)
    try:
        c.login(INITIATOR, TARGET, ops=OPS)
        st, _, p = c.scsi(cdb_write10(0, 8), write=PATTERN)
        if st != 0:
            raise Closed('pattern write: %s' % p.describe())
        c.logout()
    finally:
        c.close()


def generate():
    gen_opcodes()
    gen_header_fields()
    gen_truncated()
    gen_ahs()
    gen_data_out()
    gen_cmdsn()
    gen_digests()
    gen_text()
    gen_login()
    gen_tmf_logout()
    gen_controls()
    gen_limits()
    gen_bulk()


def main():
    global ADDR, TARGET, INITIATOR, QUICK
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--addr', default='127.0.0.1:3260')
    ap.add_argument('--target', default=TARGET)
    ap.add_argument('--initiator', default=INITIATOR)
    ap.add_argument('--quick', action='store_true',
                    default=os.environ.get('KISS_QUICK') == '1')
    ap.add_argument('--filter', action='append', default=[],
                    help='run only cases matching this glob (repeatable)')
    ap.add_argument('--list', action='store_true')
    ap.add_argument('--xfail', default=os.path.join(HERE,
                                                    'expected-failures.txt'))
    ap.add_argument('--no-health', action='store_true',
                    help='skip the health check after each case')
    args = ap.parse_args()
    host, _, port = args.addr.rpartition(':')
    ADDR = (host, int(port))
    TARGET, INITIATOR, QUICK = args.target, args.initiator, args.quick
    if QUICK:
        V.QUIET = 1.0
        V.CLOSE_TIMEOUT = 30.0

    generate()
    cases = [c for c in CASES if not args.filter or
             any(fnmatch.fnmatchcase(c.name, g) for g in args.filter)]
    if QUICK and not args.filter:
        cases = [c for c in cases if c.quick]
    if args.list:
        for c in cases:
            exp = c.expects and ' | '.join(map(repr, c.expects)) or 'custom'
            print('%-55s %-7s %s' % (c.name, c.phase, exp))
        print('%d cases' % len(cases))
        return 0
    xfail = load_xfail(args.xfail)

    prepare()
    passed = failed = xfailed = 0
    bad_health = 0
    t0 = time.monotonic()
    for cs in cases:
        if bad_health >= 5:
            print('FAIL %s: not run, the target stopped answering' % cs.name)
            failed += 1
            continue
        t = time.monotonic()
        ok, what = run_case(cs)
        if not args.no_health:
            hok, hwhat = health()
            if not hok:
                ok = False
                what += '; AFTERWARDS %s' % hwhat
                bad_health += 1
            else:
                bad_health = 0
        known = [why for pat, why in xfail
                 if fnmatch.fnmatchcase(cs.name, pat)]
        dt = time.monotonic() - t
        if known and not ok:
            xfailed += 1
            print('XFAIL %s: %s (known: %s) [%.2fs]' % (cs.name, what,
                                                        known[0], dt))
        elif known:
            failed += 1
            print('XPASS %s: %s (listed in expected-failures.txt: remove '
                  'it) [%.2fs]' % (cs.name, what, dt))
        elif ok:
            passed += 1
            print('PASS %s: %s [%.2fs]' % (cs.name, what, dt))
        else:
            failed += 1
            print('FAIL %s: %s [%.2fs]' % (cs.name, what, dt))
        sys.stdout.flush()
    print('%d cases, %d passed, %d failed, %d expected failures (%.0f s)' %
          (len(cases), passed, failed, xfailed, time.monotonic() - t0))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
