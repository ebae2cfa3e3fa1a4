"""What the battery accepts after a malformed PDU.

An Expect describes one acceptable outcome:

  want   a predicate on one PDU that must arrive (None: nothing must)
  allow  a predicate on PDUs that may also arrive (None: nothing else)
  after  'close'  the target must close the connection,
         'alive'  it must stay up: a NOP-Out ping (with the CmdSN the
                  target expects) must be answered,
         'any'    either.
  name   the verdict, as printed

A case lists one or more Expects; it passes when the observed PDUs and
connection state match any of them.
"""
import time

from iscsi import (Closed, Timeout, BadDigest, REJECT, LOGIN_RSP, SCSI_RSP,
                   TMF_RSP, TEXT_RSP, LOGOUT_RSP, NOP_IN, DATA_IN,
                   REJECT_REASONS, opname)

CLOSE_TIMEOUT = 10.0    # for a close or a reply the target must send
QUIET = 0.25            # for "nothing comes back"


class Expect:
    def __init__(self, name, want=None, allow=None, after='any'):
        self.name, self.want, self.allow, self.after = \
            name, want, allow, after

    def __repr__(self):
        return self.name


# ------------------------------------------------------------ predicates

def p_reject(reasons, echo=True):
    """A Reject with a reason in reasons whose data segment is the
    header that was sent (ctx['off'])."""
    reasons = set(reasons) if reasons is not None else None

    def f(p, ctx):
        if p.op != REJECT:
            return False
        if reasons is not None and p.bhs[2] not in reasons:
            return False
        off = ctx.get('off')
        if echo and off is not None and p.data[:48] != bytes(off[:48]):
            return False
        return True
    f.desc = 'Reject%s' % (
        ' reason ' + '/'.join('%#x' % r for r in sorted(reasons))
        if reasons else '')
    return f


def p_login(cls, detail=None):
    def f(p, ctx):
        return p.op == LOGIN_RSP and p.bhs[36] == cls and \
            (detail is None or p.bhs[37] == detail)
    f.desc = 'Login Response status %02x/%s' % (
        cls, '%02x' % detail if detail is not None else '*')
    return f


def p_scsi(status=None, key=None):
    def f(p, ctx):
        if p.op == DATA_IN and p.flags & 1 and p.itt == ctx.get('itt'):
            return status in (None, p.bhs[3]) and key is None
        if p.op != SCSI_RSP or p.itt != ctx.get('itt'):
            return False
        if status is not None and p.bhs[3] != status:
            return False
        return key is None or p.sense_key() == key
    f.desc = 'SCSI Response%s%s' % (
        ' status %#x' % status if status is not None else '',
        ' sense key %#x' % key if key is not None else '')
    return f


def p_tmf(codes):
    def f(p, ctx):
        return p.op == TMF_RSP and p.itt == ctx.get('itt') and \
            p.bhs[2] in codes
    f.desc = 'TMF Response %s' % '/'.join(map(str, sorted(codes)))
    return f


def p_logout(code):
    def f(p, ctx):
        return p.op == LOGOUT_RSP and p.itt == ctx.get('itt') and \
            p.bhs[2] == code
    f.desc = 'Logout Response %d' % code
    return f


def p_text_refused():
    """A Text Response that refuses (a key answered Reject or
    NotUnderstood)."""
    def f(p, ctx):
        return p.op == TEXT_RSP and p.itt == ctx.get('itt') and \
            (b'=Reject' in p.data or b'=NotUnderstood' in p.data)
    f.desc = 'Text Response with Reject/NotUnderstood'
    return f


def p_text_ok():
    def f(p, ctx):
        return p.op == TEXT_RSP and p.itt == ctx.get('itt') and p.flags & 0x80
    f.desc = 'final Text Response'
    return f


def p_nop(ctx_key='itt'):
    def f(p, ctx):
        return p.op == NOP_IN and p.itt == ctx.get(ctx_key)
    f.desc = 'NOP-In'
    return f


def p_any_of(*preds):
    def f(p, ctx):
        return any(q(p, ctx) for q in preds)
    f.desc = ' or '.join(q.desc for q in preds)
    return f


# ----------------------------------------------------------- verdicts

def CLOSE(rejects=()):
    """Connection closed; a Reject (with one of these reasons) may come
    first."""
    allow = p_reject(rejects) if rejects else None
    return Expect('close' + ('(reject %s ok)' % '/'.join(
        '%#x' % r for r in rejects) if rejects else ''),
        allow=allow, after='close')


def REJECT_THEN(reasons, after='any', allow=None):
    return Expect('reject %s then %s' % ('/'.join('%#x' % r for r in reasons),
                                         after),
                  want=p_reject(reasons), allow=allow, after=after)


def p_r2t():
    """An R2T for the task of the case (a write that asked for data)."""
    def f(p, ctx):
        from iscsi import R2T
        return p.op == R2T and p.itt == ctx.get('itt')
    f.desc = 'R2T'
    return f


def LOGIN_FAIL(cls, detail=None):
    return Expect('login-fail %02x/%s' % (
        cls, '%02x' % detail if detail is not None else '*'),
        want=p_login(cls, detail), after='close')


def IGNORED(allow=None):
    return Expect('ignored', allow=allow, after='alive')


def CHECK_CONDITION(key):
    return Expect('CHECK CONDITION key %#x' % key, want=p_scsi(2, key),
                  after='alive')


def SCSI_STATUS(status=None):
    return Expect('SCSI response' + (' status %#x' % status
                                     if status is not None else ''),
                  want=p_scsi(status), after='alive')


def TMF(codes):
    return Expect('TMF response %s' % '/'.join(map(str, sorted(codes))),
                  want=p_tmf(set(codes)), after='alive')


def LOGOUT(code, after='alive'):
    return Expect('logout response %d' % code, want=p_logout(code),
                  after=after)


def TEXT_REFUSED():
    return Expect('text refused', want=p_text_refused(), after='alive')


def TEXT_OK():
    return Expect('text response', want=p_text_ok(), after='alive')


# Format errors during login: RFC 7143 7.9 says close; a Login Response
# with an initiator-error status (class 02) first is also fine.
def LOGIN_FORMAT_ERROR(rejects=(0x04, 0x09)):
    return [LOGIN_FAIL(0x02), CLOSE(rejects)]


# ----------------------------------------------------------- engine

def observe(conn, expects, ctx):
    """Collect what the target sends after the case's PDUs."""
    needs_reply = all(e.want is not None or e.after == 'close'
                      for e in expects)
    timeout = CLOSE_TIMEOUT if needs_reply else QUIET
    pdus, closed, err = [], conn.closed, None
    deadline = time.monotonic() + timeout
    while not closed:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            p = conn.recv_pdu(left)
        except Timeout:
            break
        except Closed:
            closed = True
            break
        except BadDigest as e:
            err = str(e)
            break
        if p.is_ping:
            continue
        pdus.append(p)
        # A PDU no outcome accepts decides the case: no need to wait on.
        if not any((e.want and e.want(p, ctx)) or (e.allow and
                                                   e.allow(p, ctx))
                   for e in expects):
            break
        # A reply that settles an 'alive' or 'any' outcome ends the wait;
        # outcomes that need a close wait for it.
        for e in expects:
            if e.want and e.want(p, ctx) and e.after != 'close':
                deadline = min(deadline, time.monotonic() + 0.05)
    return pdus, closed, err


def describe(pdus, closed):
    s = ', '.join(p.describe() for p in pdus) or 'no PDU'
    return s + (', closed' if closed else ', still open')


def static_match(e, pdus, closed, ctx):
    wanted = False
    for p in pdus:
        if e.want and e.want(p, ctx):
            wanted = True
            continue
        if e.allow and e.allow(p, ctx):
            continue
        return False, 'unexpected %s' % p.describe()
    if e.want and not wanted:
        return False, 'no %s' % e.want.desc
    if e.after == 'close' and not closed:
        return False, 'connection not closed'
    if e.after == 'alive' and closed:
        return False, 'connection closed'
    return True, ''


def probe_alive(conn):
    """A non-immediate NOP-Out ping with the CmdSN the target expects."""
    try:
        itt = conn.next_itt()
        conn.send_pdu(conn.nop_bhs(itt=itt, cmdsn=conn.cmdsn))
        conn.cmdsn = (conn.cmdsn + 1) & 0xffffffff
        deadline = time.monotonic() + CLOSE_TIMEOUT
        while True:
            p = conn.recv_pdu(max(0.0, deadline - time.monotonic()))
            if p.is_ping:
                continue
            if p.op == NOP_IN and p.itt == itt:
                return True, ''
            return False, 'ping answered by %s' % p.describe()
    except Timeout:
        return False, 'no answer to a NOP-Out ping'
    except (Closed, BadDigest) as e:
        return False, 'ping: %s' % e


def judge(conn, expects, ctx):
    """(ok, what happened)"""
    pdus, closed, err = observe(conn, expects, ctx)
    seen = describe(pdus, closed)
    if err:
        return False, '%s; %s' % (seen, err)
    reasons = []
    alive_needed = []
    for e in expects:
        ok, why = static_match(e, pdus, closed, ctx)
        if not ok:
            reasons.append('%s: %s' % (e.name, why))
            continue
        if e.after == 'alive':
            alive_needed.append(e)
        else:
            return True, '%s [%s]' % (seen, e.name)
    if alive_needed:
        # Use the ExpCmdSN the target announced last, if it said one.
        if pdus and pdus[-1].op != LOGIN_RSP:
            conn.cmdsn = pdus[-1].expcmdsn
        ok, why = probe_alive(conn)
        if ok:
            return True, '%s, ping ok [%s]' % (seen, alive_needed[0].name)
        reasons.append('%s: %s' % (alive_needed[0].name, why))
    return False, '%s; expected %s' % (seen, ' | '.join(reasons))
