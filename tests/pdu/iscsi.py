"""Raw iSCSI initiator side for the PDU battery: BHS builders, CRC32C
digests, a connection that frames PDUs, and the login/SCSI helpers the
battery needs.  Python 3 standard library only.

Everything here is deliberately dumb: it builds exactly the bytes it is
told to, so that the battery can break any field it wants.
"""
import socket
import struct
import time

# Initiator opcodes (RFC 7143 11.1.1).
NOP_OUT, SCSI_CMD, TMF_REQ, LOGIN_REQ, TEXT_REQ, DATA_OUT, LOGOUT_REQ = \
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
SNACK_REQ = 0x10
INITIATOR_OPS = (NOP_OUT, SCSI_CMD, TMF_REQ, LOGIN_REQ, TEXT_REQ, DATA_OUT,
                 LOGOUT_REQ, SNACK_REQ)
# Target opcodes.
NOP_IN, SCSI_RSP, TMF_RSP, LOGIN_RSP, TEXT_RSP, DATA_IN, LOGOUT_RSP = \
    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26
R2T, ASYNC_MSG, REJECT = 0x31, 0x32, 0x3f
TARGET_OPS = (NOP_IN, SCSI_RSP, TMF_RSP, LOGIN_RSP, TEXT_RSP, DATA_IN,
              LOGOUT_RSP, R2T, ASYNC_MSG, REJECT)
RESERVED_OPS = tuple(op for op in range(64)
                     if op not in INITIATOR_OPS and op not in TARGET_OPS)
OP_NAMES = {
    NOP_OUT: 'nop-out', SCSI_CMD: 'scsi-cmd', TMF_REQ: 'tmf', LOGIN_REQ:
    'login', TEXT_REQ: 'text', DATA_OUT: 'data-out', LOGOUT_REQ: 'logout',
    SNACK_REQ: 'snack', NOP_IN: 'nop-in', SCSI_RSP: 'scsi-rsp', TMF_RSP:
    'tmf-rsp', LOGIN_RSP: 'login-rsp', TEXT_RSP: 'text-rsp', DATA_IN:
    'data-in', LOGOUT_RSP: 'logout-rsp', R2T: 'r2t', ASYNC_MSG: 'async',
    REJECT: 'reject',
}

F = 0x80            # Final
IMM = 0x40          # Immediate delivery (byte 0)
CMD_R, CMD_W = 0x40, 0x20
TEXT_C = 0x40       # Continue (Text/Login)
LOGIN_T = 0x80      # Transit
RSV = 0xffffffff    # reserved tag

REJECT_REASONS = {
    0x02: 'data digest error', 0x03: 'SNACK reject', 0x04: 'protocol error',
    0x05: 'command not supported', 0x06: 'immediate command reject',
    0x07: 'task in progress', 0x08: 'invalid data ack',
    0x09: 'invalid PDU field', 0x0a: 'out of resources',
    0x0c: 'waiting for logout',
}


def opname(op):
    return OP_NAMES.get(op & 0x3f, 'op%#04x' % (op & 0x3f))


# ---------------------------------------------------------------- CRC32C

def _crc_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


_CRC = _crc_table()


def crc32c(data):
    crc = 0xffffffff
    t = _CRC
    for b in data:
        crc = t[(crc ^ b) & 0xff] ^ (crc >> 8)
    return crc ^ 0xffffffff


assert crc32c(b'123456789') == 0xe3069283


def digest(data):
    """The 4 wire bytes of the CRC32C digest of data (least significant
    byte first, as iSCSI sends it)."""
    return struct.pack('<I', crc32c(data))


def pad4(b):
    return b + b'\0' * (-len(b) & 3)


# ------------------------------------------------------------- builders

def lun_bytes(lun):
    if lun < 256:
        return bytes([0, lun, 0, 0, 0, 0, 0, 0])
    return bytes([0x40 | (lun >> 8), lun & 0xff, 0, 0, 0, 0, 0, 0])


def mk(op, flags=0, imm=False, b2=0, b3=0, ahslen=0, dsl=0, lun=0, itt=0,
       w=(), tail=b'', b8=None):
    """A 48-byte BHS: byte 0 opcode (+I), 1 flags, 2-3, TotalAHSLength,
    DataSegmentLength, bytes 8-15 (LUN or b8), ITT, then 32-bit words
    from byte 20 (w) and raw bytes at the end (tail, e.g. a CDB)."""
    h = bytearray(48)
    h[0] = (op & 0x3f) | (IMM if imm else 0)
    h[1] = flags & 0xff
    h[2] = b2 & 0xff
    h[3] = b3 & 0xff
    h[4] = ahslen & 0xff
    h[5:8] = (dsl & 0xffffff).to_bytes(3, 'big')
    h[8:16] = b8 if b8 is not None else lun_bytes(lun)
    struct.pack_into('>I', h, 16, itt & 0xffffffff)
    for i, v in enumerate(w):
        struct.pack_into('>I', h, 20 + 4 * i, v & 0xffffffff)
    if tail:
        h[48 - len(tail):] = tail
    return h


def login_bhs(flags, isid, itt=0, tsih=0, cid=0, cmdsn=0, expstatsn=0,
              dsl=0, vmax=0, vmin=0, ahslen=0, op=LOGIN_REQ, imm=True):
    h = bytearray(48)
    h[0] = op | (IMM if imm else 0)
    h[1] = flags
    h[2] = vmax
    h[3] = vmin
    h[4] = ahslen
    h[5:8] = dsl.to_bytes(3, 'big')
    h[8:14] = isid
    struct.pack_into('>HIH', h, 14, tsih, itt, cid)
    struct.pack_into('>II', h, 24, cmdsn, expstatsn)
    return h


def text_kv(pairs):
    """key=value pairs (a dict or list of tuples) as NUL-terminated text."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return b''.join(('%s=%s' % (k, v)).encode() + b'\0' for k, v in items)


def parse_text(data):
    out = {}
    for kv in data.split(b'\0'):
        if b'=' in kv:
            k, v = kv.split(b'=', 1)
            out[k.decode(errors='replace')] = v.decode(errors='replace')
    return out


def cdb_tur():
    return bytes(6)


def cdb_rw10(op, lba, nblocks):
    return struct.pack('>BBIBHB', op, 0, lba, 0, nblocks, 0)


def cdb_read10(lba, n):
    return cdb_rw10(0x28, lba, n)


def cdb_write10(lba, n):
    return cdb_rw10(0x2a, lba, n)


# ----------------------------------------------------------- connection

class Closed(Exception):
    pass


class Timeout(Exception):
    pass


class BadDigest(Exception):
    pass


class PDU:
    def __init__(self, bhs, ahs=b'', data=b''):
        self.bhs = bytes(bhs)
        self.ahs = ahs
        self.data = data

    op = property(lambda s: s.bhs[0] & 0x3f)
    flags = property(lambda s: s.bhs[1])
    itt = property(lambda s: struct.unpack_from('>I', s.bhs, 16)[0])
    ttt = property(lambda s: struct.unpack_from('>I', s.bhs, 20)[0])
    statsn = property(lambda s: struct.unpack_from('>I', s.bhs, 24)[0])
    expcmdsn = property(lambda s: struct.unpack_from('>I', s.bhs, 28)[0])
    maxcmdsn = property(lambda s: struct.unpack_from('>I', s.bhs, 32)[0])
    dsl = property(lambda s: int.from_bytes(s.bhs[5:8], 'big'))

    def w(self, off):
        return struct.unpack_from('>I', self.bhs, off)[0]

    @property
    def is_ping(self):
        """A NOP-In the target sends on its own (keepalive)."""
        return self.op == NOP_IN and self.itt == RSV

    def advances_statsn(self):
        if self.op == DATA_IN:
            return bool(self.flags & 0x01)
        if self.op in (R2T, ASYNC_MSG):
            return self.op == ASYNC_MSG
        if self.op == NOP_IN:
            return self.ttt == RSV
        return True

    def describe(self):
        op = self.op
        s = opname(op)
        if op == REJECT:
            r = self.bhs[2]
            s += ' reason %#x (%s)' % (r, REJECT_REASONS.get(r, '?'))
            if len(self.data) >= 48:
                s += ' of %s' % opname(self.data[0])
        elif op == LOGIN_RSP:
            s += ' status %02x/%02x' % (self.bhs[36], self.bhs[37])
        elif op == SCSI_RSP:
            s += ' status %#x' % self.bhs[3]
            if self.bhs[3] == 2 and len(self.data) >= 2 + 14:
                sense = self.data[2:]
                s += ' sense %x/%02x/%02x' % (sense[2] & 0xf, sense[12],
                                             sense[13])
        elif op == TMF_RSP:
            s += ' response %d' % self.bhs[2]
        elif op == LOGOUT_RSP:
            s += ' response %d' % self.bhs[2]
        elif op == TEXT_RSP:
            s += ' %r' % self.data[:60]
        return s + ' itt %#x' % self.itt

    def sense_key(self):
        if self.op != SCSI_RSP or len(self.data) < 2 + 14:
            return None
        return self.data[2 + 2] & 0xf


class Conn:
    isid_counter = 0

    def __init__(self, addr, timeout=5.0, source=None):
        """source: the local address to connect from (default: any)."""
        self.addr = addr
        self.s = socket.create_connection(
            addr, timeout=timeout,
            source_address=(source, 0) if source else None)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rbuf = bytearray()
        self.hd = self.dd = False
        self.cmdsn = 1
        self.expstatsn = 0
        self.maxcmdsn = 1
        self.itt = 0x100
        self.params = {}
        self.closed = False
        Conn.isid_counter += 1
        self.isid = bytes([0x80, 0x23, 0x00]) + \
            (Conn.isid_counter & 0xffffff).to_bytes(3, 'big')
        self.tsih = 0
        self.send_error = None

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass

    def next_itt(self):
        self.itt += 1
        return self.itt

    def sn(self, imm=False):
        """CmdSN for the next request; advances unless immediate."""
        v = self.cmdsn
        if not imm:
            self.cmdsn = (self.cmdsn + 1) & 0xffffffff
        return v

    # -- sending
    def send(self, b):
        try:
            self.s.sendall(b)
        except (BrokenPipeError, ConnectionResetError, socket.timeout,
                OSError) as e:
            self.send_error = e
            raise Closed('send: %s' % e)

    def pdu_bytes(self, bhs, data=b'', ahs=b'', hd=None, dd=None,
                  bad_hd=None, bad_dd=None, padding=True):
        """Frame a PDU.  hd/dd: include digests (default: as negotiated).
        bad_hd/bad_dd: a function mapping the right digest to the wrong
        one."""
        hd = self.hd if hd is None else hd
        dd = self.dd if dd is None else dd
        out = bytearray(bhs) + ahs
        if hd:
            d = digest(bytes(bhs) + ahs)
            out += bad_hd(d) if bad_hd else d
        if data:
            p = pad4(data) if padding else data
            out += p
            if dd:
                d = digest(pad4(data))
                out += bad_dd(d) if bad_dd else d
        return bytes(out)

    def send_pdu(self, bhs, data=b'', **kw):
        self.send(self.pdu_bytes(bhs, data, **kw))

    # -- receiving
    def _fill(self, n, deadline):
        while len(self.rbuf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout()
            self.s.settimeout(left)
            try:
                b = self.s.recv(max(65536, n - len(self.rbuf)))
            except socket.timeout:
                raise Timeout()
            except (ConnectionResetError, OSError) as e:
                self.closed = True
                raise Closed('recv: %s' % e)
            if not b:
                self.closed = True
                raise Closed('EOF')
            self.rbuf += b

    def _take(self, n):
        b = bytes(self.rbuf[:n])
        del self.rbuf[:n]
        return b

    def recv_pdu(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        self._fill(48, deadline)
        bhs = self.rbuf[:48]
        ahslen = bhs[4] * 4
        dsl = int.from_bytes(bhs[5:8], 'big')
        total = 48 + ahslen + (4 if self.hd else 0)
        if dsl:
            total += (dsl + 3) & ~3
            if self.dd:
                total += 4
        self._fill(total, deadline)
        bhs = self._take(48)
        ahs = self._take(ahslen)
        if self.hd:
            d = self._take(4)
            if d != digest(bhs + ahs):
                raise BadDigest('target sent a bad header digest on %s' %
                                opname(bhs[0]))
        data = b''
        if dsl:
            padded = self._take((dsl + 3) & ~3)
            data = padded[:dsl]
            if self.dd:
                d = self._take(4)
                if d != digest(padded):
                    raise BadDigest('target sent a bad data digest on %s' %
                                    opname(bhs[0]))
        p = PDU(bhs, ahs, data)
        self.track(p)
        return p

    def track(self, p):
        if p.op in (LOGIN_RSP,):
            return
        if p.advances_statsn():
            self.expstatsn = (p.statsn + 1) & 0xffffffff
        self.maxcmdsn = p.maxcmdsn
        self.expcmdsn = p.expcmdsn

    def recv_nonping(self, timeout=5.0):
        """The next PDU that is not a keepalive NOP-In."""
        deadline = time.monotonic() + timeout
        while True:
            p = self.recv_pdu(max(0.0, deadline - time.monotonic()))
            if not p.is_ping:
                return p

    # -- login
    def login_pdu(self, flags, kv, itt=None, tsih=None, vmax=0, vmin=0,
                  raw_text=None):
        data = raw_text if raw_text is not None else text_kv(kv)
        itt = self.login_itt if itt is None else itt
        return login_bhs(flags, self.isid, itt=itt,
                         tsih=self.tsih if tsih is None else tsih,
                         cmdsn=self.cmdsn, expstatsn=self.expstatsn,
                         dsl=len(data), vmax=vmax, vmin=vmin), data

    def login_exchange(self, flags, kv, **kw):
        """Send one login request, return the login response."""
        bhs, data = self.login_pdu(flags, kv, **kw)
        self.send_pdu(bhs, data, hd=False, dd=False)
        p = self.recv_nonping()
        if p.op != LOGIN_RSP:
            raise Closed('expected a login response, got %s' % p.describe())
        self.expstatsn = (p.statsn + 1) & 0xffffffff
        return p

    login_itt = 0x1

    def login(self, initiator, target=None, discovery=False, ops=None,
              security=True, tsih=0, clear_ua=True):
        """A whole login: security stage (AuthMethod=None), operational
        stage with ops, into Full Feature Phase.  Raises Closed if it
        fails.  A normal session then clears the unit attention a new
        I_T nexus starts with (POWER ON OCCURRED), as initiators do,
        unless clear_ua is False."""
        self.tsih = tsih
        first = {'InitiatorName': initiator}
        if discovery:
            first['SessionType'] = 'Discovery'
        else:
            first['SessionType'] = 'Normal'
            first['TargetName'] = target
        ops = dict(ops or {})
        if security:
            kv = dict(first)
            kv['AuthMethod'] = 'None'
            p = self.login_exchange(LOGIN_T | (0 << 2) | 1, kv)
            if p.bhs[36] != 0:
                raise Closed('security stage failed: %s' % p.describe())
            self.params.update(parse_text(p.data))
            if not p.flags & LOGIN_T:
                raise Closed('target did not leave security stage')
            kv = ops
        else:
            kv = dict(first)
            kv.update(ops)
        for _ in range(4):
            p = self.login_exchange(LOGIN_T | (1 << 2) | 3, kv)
            if p.bhs[36] != 0:
                raise Closed('operational stage failed: %s' % p.describe())
            got = parse_text(p.data)
            self.params.update(got)
            if p.flags & LOGIN_T and (p.flags & 3) == 3:
                break
            # The target offered keys: accept its values.
            kv = {k: v for k, v in got.items()
                  if k not in ('TargetPortalGroupTag', 'TargetAlias',
                               'MaxRecvDataSegmentLength')}
        else:
            raise Closed('login did not reach full feature phase')
        self.tsih = struct.unpack_from('>H', p.bhs, 14)[0]
        self.cmdsn = p.expcmdsn
        self.expcmdsn = p.expcmdsn
        self.maxcmdsn = p.maxcmdsn
        self.hd = self.params.get('HeaderDigest') == 'CRC32C'
        self.dd = self.params.get('DataDigest') == 'CRC32C'
        if clear_ua and not discovery:
            self.clear_unit_attention()
        return p

    def clear_unit_attention(self, lun=0):
        """TEST UNIT READY until it stops reporting a unit attention."""
        for _ in range(8):
            st, _, q = self.scsi(cdb_tur(), lun=lun)
            if st != 2 or q.sense_key() != 6:
                return
        raise Closed('unit attentions do not clear')

    @property
    def target_mrdsl(self):
        return int(self.params.get('MaxRecvDataSegmentLength', 8192))

    # -- full feature phase requests
    def nop_bhs(self, itt=None, imm=False, dsl=0, ttt=RSV, cmdsn=None,
                flags=F):
        itt = self.next_itt() if itt is None else itt
        sn = self.sn(imm) if cmdsn is None else cmdsn
        return mk(NOP_OUT, flags, imm=imm, dsl=dsl, itt=itt,
                  w=(ttt, sn, self.expstatsn))

    def scsi_bhs(self, cdb, flags, edtl, itt=None, imm=False, dsl=0, lun=0,
                 cmdsn=None, ahslen=0):
        itt = self.next_itt() if itt is None else itt
        sn = self.sn(imm) if cmdsn is None else cmdsn
        return mk(SCSI_CMD, flags, imm=imm, dsl=dsl, lun=lun, itt=itt,
                  ahslen=ahslen, w=(edtl, sn, self.expstatsn),
                  tail=bytes(cdb).ljust(16, b'\0'))

    def dataout_bhs(self, itt, offset, dsl, datasn=0, ttt=RSV, final=True,
                    lun=0, flags=None):
        fl = (F if final else 0) if flags is None else flags
        return mk(DATA_OUT, fl, dsl=dsl, lun=lun, itt=itt,
                  w=(ttt, 0, self.expstatsn, 0, datasn, offset))

    def tmf_bhs(self, function, rtt=RSV, lun=0, itt=None, imm=True,
                cmdsn=None, refcmdsn=0, flags=F):
        itt = self.next_itt() if itt is None else itt
        sn = self.sn(imm) if cmdsn is None else cmdsn
        return mk(TMF_REQ, flags | (function & 0x7f), imm=imm, lun=lun,
                  itt=itt, w=(rtt, sn, self.expstatsn, refcmdsn, 0))

    def text_bhs(self, dsl, itt=None, flags=F, ttt=RSV, imm=False,
                 cmdsn=None):
        itt = self.next_itt() if itt is None else itt
        sn = self.sn(imm) if cmdsn is None else cmdsn
        return mk(TEXT_REQ, flags, imm=imm, dsl=dsl, itt=itt,
                  w=(ttt, sn, self.expstatsn))

    def logout_bhs(self, reason=0, itt=None, imm=True, cid=0, cmdsn=None,
                   flags=F):
        itt = self.next_itt() if itt is None else itt
        sn = self.sn(imm) if cmdsn is None else cmdsn
        return mk(LOGOUT_REQ, flags | (reason & 0x7f), imm=imm, itt=itt,
                  b8=bytes(8), w=((cid & 0xffff) << 16, sn, self.expstatsn))

    def snack_bhs(self, typ=0, itt=None, flags=F, dsl=0):
        itt = self.next_itt() if itt is None else itt
        return mk(SNACK_REQ, flags | typ, dsl=dsl, itt=itt,
                  w=(RSV, 0, self.expstatsn, 0, 0, 0, 0))

    # -- synchronous helpers for correct traffic
    def wait_for(self, itt, timeout=5.0, want=None):
        """PDUs until the one that ends task itt (a response, or want)."""
        deadline = time.monotonic() + timeout
        got = []
        while True:
            p = self.recv_nonping(max(0.0, deadline - time.monotonic()))
            got.append(p)
            if want and want(p):
                return got
            if p.itt == itt and p.op in (SCSI_RSP, NOP_IN, TMF_RSP,
                                         TEXT_RSP, LOGOUT_RSP):
                return got
            if p.op == DATA_IN and p.itt == itt and p.flags & 0x01:
                return got
            if p.op == REJECT:
                return got

    def ping(self, imm=False, data=b'', timeout=5.0):
        """NOP-Out ping; True if the NOP-In echo came back."""
        itt = self.next_itt()
        self.send_pdu(self.nop_bhs(itt=itt, imm=imm, dsl=len(data)), data)
        got = self.wait_for(itt, timeout)
        p = got[-1]
        return p.op == NOP_IN and p.itt == itt and p.data == data

    def scsi(self, cdb, read_len=0, write=None, imm_data=True, lun=0,
             timeout=10.0, final=True):
        """Run one command to completion, answering R2Ts.  Returns
        (status, data_in, last_pdu)."""
        itt = self.next_itt()
        if write is not None:
            edtl = len(write)
            fb = self.params.get('FirstBurstLength', '65536')
            fb = int(fb) if fb.isdigit() else 0
            imm = write[:min(fb, self.target_mrdsl)] if (
                imm_data and self.params.get('ImmediateData') == 'Yes') \
                else b''
            self.send_pdu(self.scsi_bhs(cdb, (F if final else 0) | CMD_W,
                                        edtl, itt=itt, dsl=len(imm),
                                        lun=lun), imm)
        else:
            self.send_pdu(self.scsi_bhs(cdb, F | (CMD_R if read_len else 0),
                                        read_len, itt=itt, lun=lun))
        data = bytearray()
        deadline = time.monotonic() + timeout
        while True:
            p = self.recv_nonping(max(0.0, deadline - time.monotonic()))
            if p.itt != itt and p.op != REJECT:
                continue
            if p.op == R2T:
                off, length = p.w(40), p.w(44)
                mx = self.target_mrdsl
                sn = 0
                for o in range(off, off + length, mx):
                    chunk = write[o:min(o + mx, off + length)]
                    self.send_pdu(self.dataout_bhs(
                        itt, o, len(chunk), datasn=sn, ttt=p.ttt,
                        final=o + mx >= off + length), chunk)
                    sn += 1
            elif p.op == DATA_IN:
                off = p.w(40)
                data[off:off + len(p.data)] = p.data
                if p.flags & 0x01:
                    return p.bhs[3], bytes(data), p
            elif p.op == SCSI_RSP:
                return p.bhs[3], bytes(data), p
            else:
                return None, bytes(data), p

    def logout(self, timeout=5.0):
        itt = self.next_itt()
        self.send_pdu(self.logout_bhs(0, itt=itt))
        got = self.wait_for(itt, timeout)
        return got[-1]
