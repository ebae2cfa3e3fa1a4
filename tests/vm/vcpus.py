#!/usr/bin/env python3
"""vcpus.py MONITOR_SOCKET SYSTEM_MAP [KALLSYMS_DIR]

Where a hung guest's CPUs are, from outside it: pause the VM through its
qemu monitor (HMP on a unix socket; it runs on after), and for each vCPU
print the instruction pointer and the kernel text addresses found in the
top of its stack, as symbol+offset.  run.sh calls it just before its time limit kills
qemu, so that a guest too stuck to dump its own tasks (no console output,
both CPUs spinning) still shows where it is.

Symbols: SYSTEM_MAP is the kernel's System.map; KALLSYMS_DIR, if given,
holds what the guest wrote of its running kernel (tests/vm/lib.sh
vm_note_symbols): "text" (the address of _text, for the KASLR offset),
"kernel" (its text symbols, where the System.map has none, as on Debian's
stock kernels) and "modules" (the module lines of /proc/kallsyms).  Words on the stack are
only candidates: a stale return address reads like a live one.
"""
import bisect
import os
import re
import socket
import sys
import time

STACK_WORDS = 256


class Monitor:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(20)
        self.sock.connect(path)
        self.read_prompt()

    def read_prompt(self):
        buf = b''
        while not buf.endswith(b'(qemu) '):
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError('monitor closed')
            buf += chunk
        return buf.decode('utf-8', 'replace')

    def cmd(self, line):
        self.sock.sendall(line.encode() + b'\n')
        out = self.read_prompt()
        # the monitor echoes the command line (with terminal escapes)
        lines = out.replace('\r', '').split('\n')[1:-1]
        return '\n'.join(lines)


def read_map(path):
    """Text symbols of a System.map or /proc/kallsyms extract: (address,
    name), the name followed by its [module] if the line has one."""
    syms = []
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[1] in 'tTwW':
                    syms.append((int(parts[0], 16), ' '.join(parts[2:4])))
    except OSError:
        pass
    return syms


def load_symbols(system_map, kdir):
    # the guest's own list (stock Debian kernels), else the System.map
    if kdir and os.path.exists(os.path.join(kdir, 'kernel')):
        syms = read_map(os.path.join(kdir, 'kernel'))
    else:
        syms = read_map(system_map)
        # KASLR: without where _text runs, System.map names would be wrong
        try:
            with open(os.path.join(kdir, 'text')) as f:
                running = int(f.read().split()[0], 16)
            built = next(a for a, n in syms if n == '_text')
            syms = [(a + running - built, n) for a, n in syms]
        except (OSError, ValueError, StopIteration, IndexError):
            print('(where the kernel runs is unknown: no kernel symbols)')
            syms = []
    if kdir:
        syms += read_map(os.path.join(kdir, 'modules'))
    syms.sort()
    return syms


def symbolize(syms, addrs, addr):
    i = bisect.bisect_right(addrs, addr) - 1
    if i < 0:
        return None
    base, name = syms[i]
    off = addr - base
    if off > 0x10000:
        return None
    return '%s+0x%x' % (name, off)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    mon = Monitor(sys.argv[1])
    syms = load_symbols(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else '')
    addrs = [a for a, _ in syms]
    mon.cmd('stop')
    try:
        dump_cpus(mon, syms, addrs)
    finally:
        # run.sh's limit, not this dump, ends a guest that is only slow
        mon.cmd('cont')


def dump_cpus(mon, syms, addrs):
    time.sleep(0.2)
    cpus = mon.cmd('info cpus')
    print(cpus)
    ncpu = len(re.findall(r'CPU #\d+', cpus))
    for cpu in range(ncpu):
        mon.cmd('cpu %d' % cpu)
        regs = mon.cmd('info registers')
        rip = re.search(r'RIP=([0-9a-f]+)', regs)
        rsp = re.search(r'RSP=([0-9a-f]+)', regs)
        hlt = re.search(r'HLT=(\d)', regs)
        eflags = re.search(r'RFL=([0-9a-f]+)', regs)
        if not rip or not rsp:
            print('cpu %d: no registers:\n%s' % (cpu, regs))
            continue
        ip = int(rip.group(1), 16)
        irq = 'on' if eflags and int(eflags.group(1), 16) & 0x200 else 'off'
        print('cpu %d: RIP %s (%s) RSP %s HLT=%s irqs %s' % (
            cpu, rip.group(1), symbolize(syms, addrs, ip) or '?',
            rsp.group(1), hlt.group(1) if hlt else '?', irq))
        dump = mon.cmd('x/%dgx 0x%s' % (STACK_WORDS, rsp.group(1)))
        words = []
        for line in dump.split('\n'):
            words += re.findall(r'0x([0-9a-f]{16})', line.split(':', 1)[-1])
        for word in words:
            name = symbolize(syms, addrs, int(word, 16))
            if name:
                print('    ? %s' % name)


if __name__ == '__main__':
    main()
