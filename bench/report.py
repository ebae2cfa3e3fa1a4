#!/usr/bin/env python3
"""report.py DIR: the kiss/LIO/raw table from a bench run's DIR/bench/.
report.py --areas-regex: the functions of PERF_AREAS, for perf report -p.

DIR/bench/raw/rROUND-JOB-TARGET.{json,before,after}: fio's JSON and the
/proc snapshots bench/guest.sh took around each fio run.  Prints the table
(medians over the rounds) to stdout.
"""
import glob
import json
import os
import re
import statistics
import sys

CLK_TCK = 100          # USER_HZ: /proc/PID/stat and /proc/stat ticks
TICK_US = 1e6 / CLK_TCK
TARGETS = ("kiss", "lio", "raw")
JOB_DESC = {
    "rr4k-qd1": "4k randread QD1",
    "rr4k-qd32": "4k randread QD32",
    "rw4k-qd1": "4k randwrite QD1",
    "rw4k-qd32": "4k randwrite QD32",
    "sr128k-qd8": "128k seq read QD8",
    "sw128k-qd8": "128k seq write QD8",
    "scale": "4k randread, N sessions x QD32",
    "lib-rr4k-qd32": "4k randread QD32, libiscsi's iscsi-perf as the initiator "
                     "(I/Os counted on the device; no latency, no raw run)",
}

# Kernel threads of each target, by name (comm).
THREADS = {
    "kiss": {"rx": re.compile(r"^kiss_rx$"), "tx": re.compile(r"^kiss_tx/\d+$"),
             "np": re.compile(r"^kiss_accept$")},
    "lio": {"rx": re.compile(r"^iscsi_trx$"), "tx": re.compile(r"^iscsi_ttx$"),
            "np": re.compile(r"^iscsi_np$")},
}
# Workqueues whose kworkers count as the target's (the name a kworker shows
# is that of the workqueue it ran last: kworker/1:2-target_completion).
TARGET_WQ = {"kiss": ("kiss",), "lio": ("target_completion", "target_submission")}
KWORKER = re.compile(r"^kworker/(u?)\d+:\d+(H?)(?:[-+](.*))?$")


def read_snap(path):
    stat, tasks = {}, {}
    section = None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("@"):
                section = line.split()[0]
                if section == "@uptime":
                    stat["uptime"] = float(line.split()[1])
                continue
            if not line:
                continue
            if section == "@blk":
                # /sys/block/NAME/stat:fields (grep -H)
                path, _, fields = line.partition(":")
                stat.setdefault("blk", {})[path.split("/")[3]] = [int(x) for x in fields.split()]
            elif section == "@net":
                # /proc/net/{snmp,netstat}: a line of names, then one of
                # values, both starting with "Tcp:" or "TcpExt:"
                w = line.split()
                net = stat.setdefault("net", {})
                if w[0] in net.get("_names", {}):
                    for k, v in zip(net["_names"].pop(w[0]), w[1:]):
                        net[w[0] + k] = int(v)
                else:
                    net.setdefault("_names", {})[w[0]] = w[1:]
            elif section == "@stat":
                w = line.split()
                stat[w[0]] = [int(x) for x in w[1:]]
            elif section == "@tasks":
                lp, rp = line.find("("), line.rfind(")")
                if lp < 0 or rp < 0:
                    continue
                pid = int(line[:lp])
                comm = line[lp + 1:rp]
                rest = line[rp + 2:].split()
                # rest[0] is field 3 (state): utime is field 14, stime 15
                tasks[pid] = (comm, int(rest[11]), int(rest[12]))
    return stat, tasks


def cpu_delta(before, after):
    """Per-thread CPU ticks (utime+stime) spent between the snapshots."""
    d = {}
    for pid, (comm, u, s) in after.items():
        u0, s0 = 0, 0
        if pid in before and before[pid][0].split("-")[0] == comm.split("-")[0]:
            u0, s0 = before[pid][1], before[pid][2]
        t = (u - u0) + (s - s0)
        if t > 0:
            d[pid] = (comm, t)
    return d


def fio_metrics(path):
    with open(path) as f:
        text = f.read()
    # fio may print warnings before the JSON
    j = json.loads(text[text.index("{"):])["jobs"][0]
    ios = bw = iops = 0
    lat_sum = 0.0
    p99 = 0.0
    for rw in ("read", "write"):
        s = j[rw]
        n = s["total_ios"]
        if n == 0:
            continue
        ios += n
        bw += s["bw_bytes"]
        iops += s["iops"]
        lat = s.get("lat_ns") or s["clat_ns"]
        lat_sum += lat["mean"] * n
        pct = lat.get("percentile") or s["clat_ns"].get("percentile", {})
        p99 = max(p99, pct.get("99.000000", 0.0))
    return {
        "ios": ios, "iops": iops, "mbs": bw / 1e6,
        "lat_mean": lat_sum / ios / 1e3 if ios else float("nan"),
        "lat_p99": p99 / 1e3,
    }


def device_metrics(sb, sa, dev):
    """The I/Os the device DEV completed between two snapshots: for an
    initiator that reports no count of its own for the snapshot window."""
    b, a = sb["blk"][dev], sa["blk"][dev]
    # /sys/block/DEV/stat: reads, merged, sectors, ms, writes, merged, sectors, ...
    ios = (a[0] - b[0]) + (a[4] - b[4])
    sectors = (a[2] - b[2]) + (a[6] - b[6])
    wall = sa["uptime"] - sb["uptime"]
    if ios <= 0 or wall <= 0:
        raise ValueError("no I/O on %s between the snapshots" % dev)
    return {"ios": ios, "iops": ios / wall, "mbs": sectors * 512 / wall / 1e6,
            "lat_mean": float("nan"), "lat_p99": float("nan")}


def run_metrics(base, tgt, meta):
    sb, tb = read_snap(base + ".before")
    sa, ta = read_snap(base + ".after")
    if os.path.exists(base + ".libiscsi"):
        dev = os.path.basename(meta.get(tgt + "_dev", "?"))
        m = device_metrics(sb, sa, dev)
    else:
        m = fio_metrics(base + ".json")
    ios = m["ios"] or 1
    d = cpu_delta(tb, ta)
    thr = {"rx": 0, "tx": 0, "np": 0}
    kw_tgt = kw_other = 0
    wq = {}
    for comm, t in d.values():
        if tgt in THREADS:
            for k, rx in THREADS[tgt].items():
                if rx.match(comm):
                    thr[k] += t
        km = KWORKER.match(comm)
        if km:
            name = km.group(3) or ""
            wq[name] = wq.get(name, 0) + t
            if tgt in TARGET_WQ and name in TARGET_WQ[tgt]:
                kw_tgt += t
            else:
                kw_other += t
    cb, ca = sb["cpu"], sa["cpu"]
    delta = [a - b for a, b in zip(ca, cb)]
    # user nice system idle iowait irq softirq steal ...
    busy = sum(delta) - delta[3] - delta[4]
    nb, na = sb.get("net", {}), sa.get("net", {})

    def net(key):
        if key not in nb or key not in na:
            return float("nan")
        return (na[key] - nb[key]) / ios

    m.update({
        "segs": net("Tcp:OutSegs"),
        "pure_acks": net("TcpExt:TCPPureAcks"),
        "thr_rx": thr["rx"] * TICK_US / ios,
        "thr_tx": thr["tx"] * TICK_US / ios,
        "kw_tgt": kw_tgt * TICK_US / ios,
        "tgt_cpu": (thr["rx"] + thr["tx"] + thr["np"] + kw_tgt) * TICK_US / ios,
        "kw_other": kw_other * TICK_US / ios,
        "softirq": delta[6] * TICK_US / ios,
        "total_cpu": busy * TICK_US / ios,
        "wall": sa["uptime"] - sb["uptime"],
        "wq": {k: v * TICK_US / ios for k, v in wq.items()},
    })
    return m


def fmt(v, unit=""):
    if v is None or v != v:
        return "-"
    if abs(v) >= 10000:
        return "%.0f" % v
    if abs(v) >= 100:
        return "%.0f" % v
    if abs(v) >= 10:
        return "%.1f" % v
    return "%.2f" % v


def ratio(a, b):
    if a is None or b is None or a != a or b != b or b == 0:
        return "-"
    return "%.2f" % (a / b)


def main():
    if sys.argv[1:] == ["--areas-regex"]:
        print(areas_regex())
        return
    d = sys.argv[1]
    bd = os.path.join(d, "bench") if os.path.isdir(os.path.join(d, "bench")) else d
    meta = {}
    if os.path.exists(os.path.join(bd, "meta")):
        for line in open(os.path.join(bd, "meta")):
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    runs = {}
    for js in sorted(glob.glob(os.path.join(bd, "raw", "r*.json")) +
                     glob.glob(os.path.join(bd, "raw", "r*.libiscsi"))):
        m = re.match(r"r(\d+)-(.+)-(kiss|lio|raw)\.(json|libiscsi)$", os.path.basename(js))
        if not m:
            continue
        r, job, tgt = int(m.group(1)), m.group(2), m.group(3)
        try:
            runs.setdefault((job, tgt), []).append(run_metrics(js[:js.rindex(".")], tgt, meta))
        except (OSError, ValueError, KeyError, IndexError) as e:
            print("report: %s: %s" % (js, e), file=sys.stderr)
    jobs = [j for j in meta.get("jobs", "").split() if any((j, t) in runs for t in TARGETS)]
    if not jobs:
        jobs = sorted({j for j, _ in runs})

    def med(job, tgt, key):
        v = [x[key] for x in runs.get((job, tgt), []) if x[key] == x[key]]
        return statistics.median(v) if v else None

    def spread(job, tgt, key):
        v = [x[key] for x in runs.get((job, tgt), [])]
        if len(v) < 2 or not statistics.median(v):
            return None
        return 100.0 * (max(v) - min(v)) / statistics.median(v)

    nr = max((len(v) for v in runs.values()), default=0)
    out = []
    p = out.append
    if not runs:
        print("\n".join(["no fio runs in %s" % bd] + perf_summary(bd)))
        return
    nmin = min((len(v) for v in runs.values()), default=0)
    p("kiss vs LIO vs raw null_blk -- kernel %s, %s vCPUs under qemu TCG, fio %s s per run, "
      "median of %s rounds%s" % (meta.get("kernel", "?"), meta.get("cpus", "?"),
                                 meta.get("runtime", "?"),
                                 nr if nmin == nr else "%d-%d" % (nmin, nr),
                                 "" if nmin == nr or not meta.get("rounds") else
                                 " (of %s planned: the run was cut short; n = rounds per job)"
                                 % meta["rounds"]))
    p("devices: kiss %s, LIO %s (%s), raw %s; open-iscsi over loopback, %s sessions per target "
      "(single-session jobs use the first)" % (
          meta.get("kiss_dev", "?"), meta.get("lio_dev", "?"),
          "same device" if meta.get("shared_device") == "yes" else
          "a second null_blk with the same configuration: kiss and LIO both open exclusively",
          "/dev/nullb0", meta.get("sessions", "?")))
    p("NOISY: the host's CPUs are shared with other VMs; absolute numbers mean little, "
      "compare ratios (IOPS, MB/s: >1 = kiss better; latency, CPU: <1 = kiss better)")
    p("")
    p("Summary (medians)")
    hdr = "%-13s %2s %9s %9s %9s %8s %8s %7s %7s %9s %9s %8s" % (
        "job", "n", "kiss IOPS", "LIO IOPS", "raw IOPS", "kiss/LIO", "kiss/raw",
        "kiss±%", "LIO±%", "kiss us/IO", "LIO us/IO", "kiss/LIO")
    p(hdr)
    p("-" * len(hdr))
    for job in jobs:
        k, l, r = (med(job, t, "iops") for t in TARGETS)
        kc, lc = med(job, "kiss", "tgt_cpu"), med(job, "lio", "tgt_cpu")
        sk, sl = spread(job, "kiss", "iops"), spread(job, "lio", "iops")
        n = min(len(runs.get((job, t), [])) for t in TARGETS
                if t != "raw" or not job.startswith("lib-"))
        p("%-13s %2d %9s %9s %9s %8s %8s %7s %7s %9s %9s %8s" % (
            job, n, fmt(k), fmt(l), fmt(r), ratio(k, l), ratio(k, r),
            "%.0f" % sk if sk is not None else "-", "%.0f" % sl if sl is not None else "-",
            fmt(kc), fmt(lc), ratio(kc, lc)))
    p("(n: rounds with all three targets (lib-*: kiss and LIO); kiss±%, LIO±%: (max-min)/median of IOPS over the rounds; "
      "us/IO: target CPU per I/O, see below)")
    p("")
    p("Per job (medians)")
    rows = [
        ("IOPS", "iops"), ("MB/s", "mbs"), ("lat mean us", "lat_mean"),
        ("lat p99 us", "lat_p99"),
        ("tgt CPU us/IO", "tgt_cpu"), ("  rx thread", "thr_rx"), ("  tx thread", "thr_tx"),
        ("  tgt kworkers", "kw_tgt"), ("other kworkers", "kw_other"),
        ("softirq us/IO", "softirq"), ("total CPU us/IO", "total_cpu"),
        ("TCP segs/IO", "segs"), ("  pure ACKs rcvd", "pure_acks"),
    ]
    hdr = "%-18s %10s %10s %10s %9s %9s" % ("", "kiss", "LIO", "raw", "kiss/LIO", "kiss/raw")
    for job in jobs:
        p("%s: %s" % (job, JOB_DESC.get(job, job).replace("N sessions", "%s sessions" % meta.get("sessions", "N"))))
        p(hdr)
        for label, key in rows:
            v = {t: med(job, t, key) for t in TARGETS}
            if key in ("tgt_cpu", "thr_rx", "thr_tx", "kw_tgt"):
                v["raw"] = None
            p("%-18s %10s %10s %10s %9s %9s" % (
                label, fmt(v["kiss"]), fmt(v["lio"]), fmt(v["raw"]),
                ratio(v["kiss"], v["lio"]), ratio(v["kiss"], v["raw"])))
        p("")
    # Where the kworker time went, by the workqueue each kworker ran last.
    p("kworker CPU us/IO by last workqueue (median over rounds; top 4 per target)")
    for job in jobs:
        parts = []
        for t in TARGETS:
            names = {}
            for x in runs.get((job, t), []):
                for k, v in x["wq"].items():
                    names.setdefault(k, []).append(v)
            top = sorted(((statistics.median(v + [0] * (nr - len(v))), k or "?")
                          for k, v in names.items()), reverse=True)[:4]
            parts.append("%s: %s" % (t, ", ".join("%s %.2f" % (k, v) for v, k in top if v > 0) or "-"))
        p("  %-11s %s" % (job, "; ".join(parts)))
    p("")
    p("CPU columns: tgt CPU = utime+stime of the target's named kernel threads (kiss: kiss_rx, "
      "kiss_tx/N, kiss_accept; LIO: iscsi_trx, iscsi_ttx, iscsi_np) + kworkers whose last "
      "workqueue is the target's (kiss; target_completion), from /proc/PID/stat before/after "
      "each run, divided by the I/Os fio completed (lib-*: the I/Os the device completed between the snapshots, taken inside iscsi-perf's run).  A kworker's name only tells the workqueue it ran "
      "last, so target work in shared kworkers can show up as events*/mm_percpu_wq under 'other "
      "kworkers' (0 in 'tgt kworkers' means none was caught by name).  The kernel has no IRQ time accounting, so "
      "softirq work that ran on a thread's time (e.g. loopback TCP delivery to the initiator "
      "when the target sends) is in that thread's stime AND in the system-wide softirq column.  "
      "total CPU = all busy CPU from /proc/stat (fio, initiator, target, softirq) per I/O.  "
      "TCP segs/IO: segments sent over loopback per I/O, both ends (Tcp OutSegs); pure ACKs "
      "rcvd: of those, ACKs without data (TcpExt TCPPureAcks).")
    out += perf_summary(bd)
    print("\n".join(out))


PERF_LINE = re.compile(r"^\s*([\d.]+)%\s+(\S+)\s+(\S+)\s+\[(.)\]\s+(.*?)\s*$")
# the idle loop's symbols (6.12 under qemu: pv_native_safe_halt)
IDLE_SYMS = ("native_safe_halt", "pv_native_safe_halt", "default_idle")
# the target's threads in a profile: as in the CPU columns, its named
# kernel threads and the kworkers whose last workqueue was the target's
TARGET_COMM = {"kiss": re.compile(r"^(kiss_|kworker/.*[-+]kiss$)"),
               "lio": re.compile(r"^(iscsi_t|kworker/.*[-+]target_(completion|submission)$)")}
# the profiled jobs of bench/guest.sh, by the name in perf-TARGET-NAME.data.txt
PERF_JOBS = {"seqread": "128k seq read QD8", "seqwrite": "128k seq write QD8",
             "rw4kqd1": "4k random write QD1"}


def thread_names(path):
    """A function naming the threads of perf report's "TID:comm" column
    (--sort pid) by the names bench/guest.sh saved (ps) during the job, in
    perf-TARGET-JOB.comms: perf can miss a kernel thread's name (6.12
    shows threads named while its events were off as kthreadd, 6.1 a
    thread that ended before perf report as ":TID")."""
    names = {}
    if os.path.exists(path):
        for line in open(path, errors="replace"):
            f = line.split(None, 1)
            if len(f) == 2:
                names[f[0]] = f[1].strip()

    def name(c):
        m = re.match(r"^(\d*):(.*)$", c)
        if not m:
            return c
        tid, comm = (m.group(1), m.group(2)) if m.group(1) else (m.group(2), "")
        return names.get(tid) or comm or c
    return name


def perf_ios(path):
    """I/Os the device completed during a profiled job (guest.sh), or 0."""
    try:
        return int(open(path).read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def perf_summary(bd):
    """Top symbols, threads and copies from perf-TARGET-JOB.data.txt."""
    out = []
    files = sorted(glob.glob(os.path.join(bd, "perf-*.data.txt")))
    jobs = dict(PERF_JOBS)
    if os.path.exists(os.path.join(bd, "perf.jobs")):
        # NAME RW BS QD, one per profiled job (BENCH_PERF_JOBS)
        for line in open(os.path.join(bd, "perf.jobs")):
            f = line.split()
            if len(f) == 4 and f[0] not in jobs:
                rw = "random READ(16) from iscsi-perf" if f[1] == "lib" else f[1]
                jobs[f[0]] = "%s %s QD%s" % (f[2], rw, f[3])
    windows, per_io = perf_windows(bd), {}
    ncpus = 2
    if os.path.exists(os.path.join(bd, "meta")):
        for line in open(os.path.join(bd, "meta")):
            if line.startswith("cpus="):
                ncpus = int(line.split("=", 1)[1])
    if os.path.exists(os.path.join(bd, "perf.skipped")):
        out += ["", "perf: " + open(os.path.join(bd, "perf.skipped")).read().strip()]
    for f in files:
        m = re.match(r"perf-(kiss|lio)-(\w+)\.data\.txt$", os.path.basename(f))
        if not m or m.group(2) not in jobs:
            continue
        tgt, job = m.groups()
        name = thread_names(f.replace(".data.txt", ".comms"))
        rows = []
        for line in open(f, errors="replace"):
            pm = PERF_LINE.match(line)
            if pm:
                rows.append((float(pm.group(1)), name(pm.group(2)), pm.group(3), pm.group(5)))
        if not rows:
            continue
        out.append("")
        out.append("perf, %s, %s (cpu-clock, both CPUs, %% of all samples):" % (
            "kiss" if tgt == "kiss" else "LIO", jobs[job]))

        def top(key, filt=lambda r: True, n=12):
            agg = {}
            for r in rows:
                if filt(r):
                    agg[key(r)] = agg.get(key(r), 0) + r[0]
            return sorted(((v, k) for k, v in agg.items()), reverse=True)[:n]
        busy = sum(r[0] for r in rows if r[3] not in IDLE_SYMS)
        out.append("  busy (not idle) %.1f%%" % busy)
        ios = perf_ios(f.replace(".data.txt", ".ios"))
        if ios:
            tgt_pct = sum(r[0] for r in rows if TARGET_COMM[tgt].match(r[1]))
            out.append("  I/Os in the window: %d; target threads %.2f%% of samples"
                       " per 1000 I/Os" % (ios, 1000 * tgt_pct / ios))
        out.append("  threads: " + ", ".join("%s %.1f" % (k, v) for v, k in top(lambda r: r[1], n=8)))
        out.append("  top symbols (any thread, idle excluded):")
        for v, k in top(lambda r: r[3], lambda r: r[3] not in IDLE_SYMS, 12):
            out.append("    %5.1f%%  %s" % (v, k))
        tc = TARGET_COMM[tgt]
        out.append("  target threads (%s), top symbols:" % (
            "kiss_rx, kiss_tx/N, kiss kworkers" if tgt == "kiss" else
            "iscsi_trx, iscsi_ttx, target_completion kworkers"))
        for v, k in top(lambda r: "%-12s %s" % (re.sub(r"/\d+$", "/N", r[1]), r[3]), lambda r: tc.match(r[1]), 10):
            out.append("    %5.1f%%  %s" % (v, k))
        copies = top(lambda r: "%-12s %s" % (re.sub(r"/\d+$", "/N", r[1]), r[3]),
                     lambda r: re.search(r"copy|memcpy|memmove|csum_partial", r[3]), 8)
        out.append("  copies (copy_*/memcpy/memmove/csum) by thread:" + ("" if copies else " none above 0.1%"))
        for v, k in copies:
            out.append("    %5.1f%%  %s" % (v, k))
        out += copy_chains(f.replace(".data.txt", ".chains.txt"), tc, name)
        agg, total = area_samples(f.replace(".data.txt", ".areas.txt"), tc, name)
        out += thread_areas(agg, total)
        if ios and job in windows.get(tgt, {}):
            # % of all samples -> CPU microseconds per I/O
            us = windows[tgt][job] * ncpus * 1e6 / 100 / ios
            per_io.setdefault(job, {})[tgt] = {a: v * us for a, v in agg.items()}
    out += areas_side_by_side(per_io, jobs)
    return out


def perf_windows(bd):
    """Seconds each profiled job ran, from perf.segments: {tgt: {job: s}}."""
    w = {}
    path = os.path.join(bd, "perf.segments")
    if os.path.exists(path):
        for line in open(path):
            f = line.split()
            if len(f) == 4:
                w.setdefault(f[0], {})[f[1]] = float(f[3]) - float(f[2])
    return w


def areas_side_by_side(per_io, jobs):
    """Each area's target CPU per I/O, kiss next to LIO."""
    out = []
    for job, t in sorted(per_io.items()):
        if "kiss" not in t or "lio" not in t:
            continue
        k, lio = t["kiss"], t["lio"]
        kt, lt = sum(k.values()), sum(lio.values())
        own = "the target's own code"
        out += ["", "perf, %s: target threads' CPU per I/O by area, kiss next to LIO "
                "(us, from the samples and the I/Os of each window)" % jobs[job],
                "    %-55s %7s %7s %9s" % ("area", "kiss", "LIO", "kiss/LIO")]
        for area in sorted(set(k) | set(lio), key=lambda a: -(k.get(a, 0) + lio.get(a, 0))):
            out.append("    %-55s %7.1f %7.1f %9s" % (area, k.get(area, 0), lio.get(area, 0),
                                                    ratio(k.get(area), lio.get(area))))
        out.append("    %-55s %7.1f %7.1f %9s" % ("all", kt, lt, ratio(kt, lt)))
        out.append("    %-55s %7.1f %7.1f %9s" % ("all but the target's own code",
                                                 kt - k.get(own, 0), lt - lio.get(own, 0),
                                                 ratio(kt - k.get(own, 0), lt - lio.get(own, 0))))
        out.append("    (if kiss's own code took no time at all, kiss/LIO would be %s)"
                   % ratio(kt - k.get(own, 0), lt))
    return out


# The functions that name an area of a thread's time, by area.  perf
# puts each sample under its nearest caller among them (bench/guest.sh
# passes areas_regex() to perf report --parent).
PERF_AREAS = [
    ("scheduler (sleep, switch)", ["__schedule"]),
    ("waking another thread", ["try_to_wake_up"]),
    ("softirq: net rx (loopback delivery, either end)", ["net_rx_action"]),
    # open-iscsi's receive, which loopback runs on the thread that sent to it
    ("the initiator's receive (open-iscsi, run by loopback)", ["iscsi_sw_tcp_data_ready"]),
    ("softirq: block completion", ["blk_complete_reqs"]),
    ("softirq: other", ["__do_softirq"]),
    ("TCP send", ["tcp_sendmsg_locked", "do_tcp_sendpages", "tcp_sendpage_locked"]),
    ("TCP receive", ["tcp_recvmsg_locked", "tcp_read_sock"]),
    ("socket backlog (ACKs)", ["__release_sock"]),
    ("block submission", ["submit_bio_noacct", "blk_finish_plug"]),
    ("block completion", ["bio_endio", "blk_mq_end_request"]),
    ("allocation and free", ["kmem_cache_alloc.*", "kmem_cache_free", "kfree",
                             "__kmalloc.*", "__alloc_pages", "__free_pages.*"]),
    ("the target's own code", ["kiss_.*", "iscsit_.*", "iscsi_target_.*", "transport_.*",
                               "target_.*", "iblock_.*", "sbc_.*", "core_.*"]),
]


def areas_regex():
    """Every function of PERF_AREAS, as one regex for perf report -p."""
    return "^(%s)$" % "|".join(f for _, fs in PERF_AREAS for f in fs)


AREA_LINE = re.compile(r"^\s*([\d.]+)%\s+(\S+)\s+(\S+)\s*$")


def area_samples(path, tc, name=lambda c: c):
    """The target threads' samples (% of all) by area (nearest naming
    caller), and their sum."""
    agg, total = {}, 0.0
    if not os.path.exists(path):
        return agg, total
    for line in open(path, errors="replace"):
        m = AREA_LINE.match(line)
        if not m or not tc.match(name(m.group(2))):
            continue
        pct, sym = float(m.group(1)), m.group(3)
        area = next((a for a, fs in PERF_AREAS
                     if any(re.fullmatch(f, sym) for f in fs)), "other")
        agg[area] = agg.get(area, 0) + pct
        total += pct
    return agg, total


def thread_areas(agg, total):
    """The target threads' time by area, in % of theirs."""
    if not total:
        return []
    out = ["  target threads' time by area (%.1f%% of samples = 100; each sample"
           " under its nearest caller naming one):" % total]
    for area, pct in sorted(agg.items(), key=lambda kv: -kv[1]):
        out.append("    %5.1f%%  %s" % (100 * pct / total, area))
    return out


CHAIN_HEAD = re.compile(r"^\s*([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(\S+)\s*$")


def copy_chains(path, tc, name=lambda c: c, depth=9):
    """The callers of each copy/clear symbol sampled in a target thread."""
    if not os.path.exists(path):
        return []
    out, cur = [], None
    for line in open(path, errors="replace"):
        m = CHAIN_HEAD.match(line)
        if m:
            cur = None
            comm = name(m.group(2))
            if tc.match(comm) and float(m.group(1)) >= 1.0:
                cur = []
                out.append("    %5.1f%%  %s %s, called from:" % (
                    float(m.group(1)), re.sub(r"/\d+$", "/N", comm), m.group(4)))
            continue
        if cur is None:
            continue
        # chain lines: "|", "---sym", "sym", "|--12.3%--sym"
        sym = re.sub(r"^[\s|`-]*(?:[\d.]+%-*)?", "", line).strip()
        if not sym or sym.startswith("-") or len(cur) >= depth:
            continue
        cur.append(sym)
        out.append("             " + "  " * (len(cur) - 1) + sym)
    if out:
        out.insert(0, "  call chains of those in the target threads (>= 1%, leaf first):")
    return out


if __name__ == "__main__":
    main()
