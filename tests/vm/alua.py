#!/usr/bin/env python3
"""Implicit ALUA on the wire (SPC-4 5.15), from a raw iSCSI session.

    alua.py ADDR:PORT TARGET INITIATOR CONFIGFS_TARGET_DIR

Run by tests/vm/alua.sh in the guest, against a kiss target with one LUN
(LUN 0, at least 16 blocks) whose ACL admits INITIATOR.  Checks INQUIRY's
TPGS, the port designators of VPD page 83h, REPORT TARGET PORT GROUPS in
both formats, the unit attention a state change raises (once per I_T
nexus), which commands each state lets through and the NOT READY sense it
refuses the rest with, and that the port identity cannot change while the
target is enabled.  Prints TAP lines; exits 1 on any failure.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'pdu'))
from iscsi import Conn, SCSI_RSP, cdb_tur, cdb_read10, cdb_write10  # noqa

checks = 0
failures = 0


def check(what, ok, detail=''):
    global checks, failures
    checks += 1
    if ok:
        print('ok %d - %s' % (checks, what))
    else:
        failures += 1
        print('not ok %d - %s%s' % (checks, what,
                                    ' (%s)' % detail if detail else ''))


def sense(p):
    """(key, asc, ascq) of a CHECK CONDITION, or None."""
    if p is None or p.op != SCSI_RSP or p.bhs[3] != 2 or len(p.data) < 16:
        return None
    s = p.data[2:]
    return (s[2] & 0xf, s[12], s[13])


def inquiry(c, page=None, alloc=255):
    cdb = bytes([0x12, 1 if page is not None else 0, page or 0]) + \
        struct.pack('>H', alloc) + b'\0'
    return c.scsi(cdb, read_len=alloc)


def rtpg(c, fmt=0, alloc=1024):
    cdb = bytes([0xa3, (fmt << 5) | 0x0a, 0, 0, 0, 0]) + \
        struct.pack('>I', alloc) + b'\0\0'
    return c.scsi(cdb, read_len=alloc)


def designators(vpd83):
    """{(association, type): identifier} of a Device Identification page."""
    out = {}
    off = 4
    end = 4 + struct.unpack_from('>H', vpd83, 2)[0]
    while off + 4 <= end:
        assoc = (vpd83[off + 1] >> 4) & 3
        typ = vpd83[off + 1] & 0xf
        n = vpd83[off + 3]
        out[(assoc, typ)] = vpd83[off + 4:off + 4 + n]
        off += 4 + n
    return out


def write_attr(path, value):
    """Write a configfs attribute; returns None or the OSError."""
    try:
        with open(path, 'w') as f:
            f.write(value)
        return None
    except OSError as e:
        return e


def read_attr(path):
    with open(path) as f:
        return f.read().strip()


# Commands whose fate depends on the state: name, CDB, read length,
# write data.
def commands():
    mode_sense = bytes([0x1a, 0, 0x3f, 0, 255, 0])
    rc10 = bytes([0x25]) + bytes(9)
    pr_in = bytes([0x5e, 0, 0, 0, 0, 0, 0, 0, 255, 0])
    report_luns = bytes([0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0])
    return [
        ('INQUIRY', bytes([0x12, 0, 0, 0, 96, 0]), 96, None),
        ('REPORT LUNS', report_luns, 256, None),
        ('REPORT TARGET PORT GROUPS',
         bytes([0xa3, 0x0a, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]), 256, None),
        ('MODE SENSE(6)', mode_sense, 255, None),
        ('READ CAPACITY(10)', rc10, 8, None),
        ('PERSISTENT RESERVE IN', pr_in, 255, None),
        ('TEST UNIT READY', cdb_tur(), 0, None),
        ('READ(10)', cdb_read10(0, 1), 512, None),
        ('WRITE(10)', cdb_write10(8, 1), 0, bytes(512)),
    ]


# What each state lets through (SPC-4 5.15.2.4); the rest is refused.
ALLOWED = {
    'active/optimized': None,           # everything
    'active/non-optimized': None,
    'standby': {'INQUIRY', 'REPORT LUNS', 'REPORT TARGET PORT GROUPS',
                'MODE SENSE(6)', 'READ CAPACITY(10)',
                'PERSISTENT RESERVE IN'},
    'unavailable': {'INQUIRY', 'REPORT LUNS', 'REPORT TARGET PORT GROUPS'},
    'transitioning': {'INQUIRY', 'REPORT LUNS',
                      'REPORT TARGET PORT GROUPS'},
}
REFUSAL = {'standby': (2, 0x04, 0x0b), 'unavailable': (2, 0x04, 0x0c),
           'transitioning': (2, 0x04, 0x0a)}
CODE = {'active/optimized': 0, 'active/non-optimized': 1, 'standby': 2,
        'unavailable': 3, 'transitioning': 0xf}


def main():
    host, port = sys.argv[1].rsplit(':', 1)
    target, initiator, tdir = sys.argv[2], sys.argv[3], sys.argv[4]
    alua = os.path.join(tdir, 'alua')
    addr = (host, int(port))

    c = Conn(addr)
    c.login(initiator, target)
    c2 = Conn(addr)             # a second I_T nexus (another ISID)
    c2.login(initiator, target)

    st, d, p = inquiry(c)
    check('INQUIRY: TPGS 01b (implicit ALUA)',
          st == 0 and (d[5] >> 4) & 3 == 1, d[5:6].hex() if d else p)

    st, d, p = inquiry(c, 0x83)
    ids = designators(d) if st == 0 else {}
    check('VPD 83h: relative target port 1',
          ids.get((1, 4)) == b'\0\0\0\x01', ids.get((1, 4)))
    check('VPD 83h: target port group 1',
          ids.get((1, 5)) == b'\0\0\0\x01', ids.get((1, 5)))

    st, d, p = rtpg(c, 0)
    # length 12; AO, T/U/S/AN/AO supported, group 1, one port; port 1
    want = bytes.fromhex('0000000c' + '008f000100000001' + '00000001')
    check('RTPG: one group, id 1, active/optimized, port 1',
          st == 0 and d == want, d.hex() if d else p.describe())
    st, d, p = rtpg(c, 1)
    check('RTPG extended header: format 001b, then the same descriptor',
          st == 0 and len(d) == 20 and d[4] == 0x10 and
          struct.unpack_from('>I', d)[0] == 16 and d[8:] == want[4:],
          d.hex() if d else p.describe())
    st, d, p = rtpg(c, 0, alloc=6)
    check('RTPG: cut to the allocation length', st == 0 and len(d) == 6,
          len(d))

    # The identifiers are the initiators' view of the path: fixed while
    # the target is enabled.
    e = write_attr(os.path.join(alua, 'group_id'), '2')
    check('group_id refused while enabled',
          e is not None and e.errno == 16, e)
    e = write_attr(os.path.join(alua, 'rel_port_id'), '2')
    check('rel_port_id refused while enabled',
          e is not None and e.errno == 16, e)
    e = write_attr(os.path.join(alua, 'state'), 'active')
    check('a state that does not exist is refused',
          e is not None and e.errno == 22, e)
    check('state reads back active/optimized',
          read_attr(os.path.join(alua, 'state')) == 'active/optimized')

    for state in ('standby', 'unavailable', 'transitioning',
                  'active/non-optimized', 'active/optimized'):
        e = write_attr(os.path.join(alua, 'state'), state + '\n')
        check('state := %s' % state, e is None and
              read_attr(os.path.join(alua, 'state')) == state, e)
        # The change is reported once, to each nexus (SPC-4 5.15.2.6).
        for n, conn in (('first', c), ('second', c2)):
            st, _, p = conn.scsi(cdb_tur())
            check('%s: unit attention 2A/06 on the %s nexus' % (state, n),
                  sense(p) == (6, 0x2a, 0x06),
                  p.describe() if p is not None else st)
        st, d, p = rtpg(c, 0)
        check('%s: RTPG reports it' % state,
              st == 0 and len(d) >= 5 and d[4] & 0x0f == CODE[state],
              d.hex() if d else p.describe())
        allowed = ALLOWED[state]
        for name, cdb, rlen, wdata in commands():
            if wdata is not None:
                st, _, p = c.scsi(cdb, write=wdata)
            else:
                st, _, p = c.scsi(cdb, read_len=rlen)
            if allowed is None or name in allowed:
                check('%s: %s runs' % (state, name), st == 0,
                      p.describe() if p is not None else st)
            else:
                check('%s: %s refused %x/%02x/%02x' %
                      ((state, name) + REFUSAL[state]),
                      sense(p) == REFUSAL[state],
                      p.describe() if p is not None else st)
    e = write_attr(os.path.join(alua, 'state'), 'active/optimized')
    st, _, p = c.scsi(cdb_tur())
    check('setting the state it has raises no unit attention',
          e is None and st == 0, p.describe() if p is not None else e)

    e = write_attr(os.path.join(alua, 'preferred'), '1')
    st, d, p = rtpg(c, 0)
    check('preferred: PREF bit set', e is None and st == 0 and
          d[4] & 0x80 == 0x80, d.hex() if d else e)
    write_attr(os.path.join(alua, 'preferred'), '0')

    c.logout()
    c2.logout()
    c.close()
    c2.close()

    # A disabled target takes a new identity; a new session sees it.
    check('target disabled', write_attr(os.path.join(tdir, 'enable'),
                                        '0') is None)
    check('group_id := 7', write_attr(os.path.join(alua, 'group_id'),
                                      '7') is None)
    check('rel_port_id := 3', write_attr(os.path.join(alua, 'rel_port_id'),
                                         '3') is None)
    e = write_attr(os.path.join(alua, 'group_id'), '0')
    check('group_id 0 refused', e is not None and e.errno == 22, e)
    check('target enabled', write_attr(os.path.join(tdir, 'enable'),
                                       '1') is None)
    c = Conn(addr)
    c.login(initiator, target)
    st, d, p = inquiry(c, 0x83)
    ids = designators(d) if st == 0 else {}
    check('VPD 83h: the new port and group',
          ids.get((1, 4)) == b'\0\0\0\x03' and
          ids.get((1, 5)) == b'\0\0\0\x07', ids)
    st, d, p = rtpg(c, 0)
    check('RTPG: the new port and group', st == 0 and
          d[6:8] == b'\0\x07' and d[14:16] == b'\0\x03',
          d.hex() if d else p.describe())
    # A LUN other nodes export too: no reservations, since each node
    # would keep its own.
    lun = os.path.join(tdir, 'luns', '0')
    e = write_attr(os.path.join(lun, 'shared'), '1')
    check('shared refused while the LUN is enabled',
          e is not None and e.errno == 16, e)
    c.logout()
    c.close()
    check('LUN disabled', write_attr(os.path.join(lun, 'enable'),
                                     '0') is None)
    check('shared := 1', write_attr(os.path.join(lun, 'shared'),
                                    '1') is None)
    check('LUN enabled', write_attr(os.path.join(lun, 'enable'),
                                    '1') is None)
    c = Conn(addr)
    c.login(initiator, target)
    pr_in = bytes([0x5e, 0, 0, 0, 0, 0, 0, 0, 255, 0])
    st, _, p = c.scsi(pr_in, read_len=255)
    check('shared LUN: PERSISTENT RESERVE IN is not offered (05/20/00)',
          sense(p) == (5, 0x20, 0), p.describe() if p is not None else st)
    st, _, p = c.scsi(bytes([0x16, 0, 0, 0, 0, 0]))
    check('shared LUN: RESERVE(6) is not offered (05/20/00)',
          sense(p) == (5, 0x20, 0), p.describe() if p is not None else st)
    rsoc = bytes([0xa3, 0x0c, 0, 0, 0, 0]) + struct.pack('>I', 8192) + \
        b'\0\0'
    st, d, p = c.scsi(rsoc, read_len=8192)
    ops = {d[i] for i in range(4, len(d), 8)} if st == 0 else set()
    check('shared LUN: REPORT SUPPORTED OPCODES lists no PR command',
          st == 0 and 0x28 in ops and not ops & {0x5e, 0x5f, 0x16, 0x17},
          sorted(ops))
    st, _, p = c.scsi(cdb_read10(0, 1), read_len=512)
    check('shared LUN: reads as before', st == 0,
          p.describe() if p is not None else st)
    c.logout()
    c.close()

    print('# alua.py: %d checks, %d failed' % (checks, failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
