# SPDX-License-Identifier: GPL-2.0
"""Headless Chromium over the DevTools protocol, on a pipe.

Debian's chromium with --remote-debugging-pipe: commands go in on fd 3 and
answers and events come out on fd 4, each a JSON text ending in NUL.  No
port, no websocket library, nothing downloaded.  Only what the kiss page
test needs: open a URL, evaluate JavaScript, wait for a condition, take a
screenshot.
"""
import base64
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time


class BrowserError(Exception):
    pass


def find_chromium():
    """$KISS_CHROMIUM, or chromium-headless-shell (far quicker to start
    under TCG), or the full chromium."""
    if os.environ.get("KISS_CHROMIUM"):
        return os.environ["KISS_CHROMIUM"]
    # Debian's /usr/bin/chromium-headless-shell only runs this one.
    if os.access("/usr/lib/chromium/chromium-headless-shell", os.X_OK):
        return "/usr/lib/chromium/chromium-headless-shell"
    for name in ("chromium-headless-shell", "chromium"):
        path = shutil.which(name)
        if path:
            return path
    raise BrowserError("no chromium in PATH (apt-get install chromium)")


class Browser:
    def __init__(self, width=1200, height=900, log=None, timeout=120):
        self.profile = tempfile.mkdtemp(prefix="kiss-chromium-")
        self.log = log or os.path.join(self.profile, "chromium.log")
        self.lock = threading.Condition()
        self.answers = {}
        self.next_id = 0
        self.dead = None
        cmd_r, cmd_w = os.pipe()    # we write, chromium reads fd 3
        out_r, out_w = os.pipe()    # chromium writes fd 4, we read
        # Out of the way of 3 and 4 before the child moves them there.
        hi = [os.dup2(fd, 100 + i) for i, fd in enumerate((cmd_r, out_w))]
        for fd in (cmd_r, out_w):
            os.close(fd)
        args = [
            find_chromium(),
            "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions",
            "--user-data-dir=" + self.profile,
            "--window-size=%d,%d" % (width, height),
            "--force-device-scale-factor=1",
            "--hide-scrollbars",
            # One process: each one more costs seconds to start under TCG.
            "--single-process", "--no-zygote", "--in-process-gpu",
            "--disable-software-rasterizer",
            # No frames but the ones screenshot() asks for: under TCG,
            # drawing 60 empty frames a second costs a whole CPU.
            "--enable-begin-frame-control",
            "--run-all-compositor-stages-before-draw",
            # Code that V8 generates makes TCG translate again; its
            # interpreter alone is quicker there (no WebAssembly needed).
            "--js-flags=--jitless",
            # Talk to nothing but the machine itself.
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-pings", "--disable-domain-reliability",
            "--disable-client-side-phishing-detection",
            "--disable-features=Translate,OptimizationHints,MediaRouter,"
            "DialMediaRouteProvider,AutofillServerCommunication",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]",
            "--remote-debugging-pipe",
            "about:blank",
        ]

        def child_fds():
            os.dup2(hi[0], 3)
            os.dup2(hi[1], 4)

        self.logf = open(self.log, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=self.logf, stderr=self.logf,
                                     pass_fds=(3, 4), preexec_fn=child_fds)
        for fd in hi:
            os.close(fd)
        self.wfd = cmd_w
        self.rfd = out_r
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        # The first answer says the browser is up.
        self.call("Browser.getVersion", timeout=timeout)
        self.session = self._attach_page(timeout)
        self.page("Page.enable")
        self.page("Runtime.enable")

    def _read(self):
        buf = b""
        while True:
            try:
                chunk = os.read(self.rfd, 1 << 20)
            except OSError as e:
                chunk = b""
                self.dead = str(e)
            if not chunk:
                with self.lock:
                    self.dead = self.dead or "chromium closed its pipe (exit %s)" % self.proc.poll()
                    self.lock.notify_all()
                return
            buf += chunk
            while b"\0" in buf:
                msg, buf = buf.split(b"\0", 1)
                m = json.loads(msg)
                if "id" in m:
                    with self.lock:
                        self.answers[m["id"]] = m
                        self.lock.notify_all()

    def call(self, method, params=None, session=None, timeout=60):
        with self.lock:
            self.next_id += 1
            mid = self.next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        try:
            os.write(self.wfd, data)
        except OSError as e:
            raise BrowserError("%s: cannot write to chromium: %s; its log: %s"
                               % (method, e, self.log_tail()))
        end = time.monotonic() + timeout
        with self.lock:
            while mid not in self.answers:
                if self.dead:
                    raise BrowserError("%s: %s; its log: %s" % (method, self.dead, self.log_tail()))
                left = end - time.monotonic()
                if left <= 0:
                    raise BrowserError("%s: no answer from chromium in %ds; its log: %s"
                                       % (method, timeout, self.log_tail()))
                self.lock.wait(left)
            m = self.answers.pop(mid)
        if "error" in m:
            raise BrowserError("%s: %s" % (method, m["error"]))
        return m.get("result", {})

    def log_tail(self, n=15):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-n:]).strip() or "(empty)"
        except OSError:
            return "(none)"

    def _attach_page(self, timeout):
        end = time.monotonic() + timeout
        while True:
            pages = [t for t in self.call("Target.getTargets")["targetInfos"]
                     if t["type"] == "page"]
            if pages:
                break
            if time.monotonic() > end:
                raise BrowserError("chromium opened no page")
            time.sleep(0.2)
        return self.call("Target.attachToTarget",
                         {"targetId": pages[0]["targetId"], "flatten": True})["sessionId"]

    def page(self, method, params=None, timeout=60):
        return self.call(method, params, session=self.session, timeout=timeout)

    def open(self, url):
        r = self.page("Page.navigate", {"url": url})
        if r.get("errorText"):
            raise BrowserError("cannot open %s: %s" % (url, r["errorText"]))

    def eval(self, expr, timeout=60):
        """Value of the JavaScript expression (awaited if a promise)."""
        r = self.page("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                           "awaitPromise": True}, timeout=timeout)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            what = d.get("exception", {}).get("description") or d.get("text")
            raise BrowserError("JavaScript error: %s\n  in: %s" % (what, expr[:300]))
        return r["result"].get("value")

    def wait(self, expr, timeout=30, what=None):
        """Poll until @expr is truthy; its value, or BrowserError."""
        end = time.monotonic() + timeout
        last = None
        while True:
            try:
                v = self.eval(expr)
                if v:
                    return v
            except BrowserError as e:
                last = e
            if time.monotonic() > end:
                raise BrowserError("timed out after %ds waiting for %s%s"
                                   % (timeout, what or expr[:200],
                                      "; last error: %s" % last if last else ""))
            time.sleep(0.5)

    def screenshot(self, path):
        """Draw a frame (the only way one is drawn) and save it as PNG."""
        for _ in range(3):
            r = self.page("HeadlessExperimental.beginFrame",
                          {"screenshot": {"format": "png", "optimizeForSpeed": True}})
            if r.get("screenshotData"):
                with open(path, "wb") as f:
                    f.write(base64.b64decode(r["screenshotData"]))
                return
        raise BrowserError("no screenshot from HeadlessExperimental.beginFrame")

    def cpu_times(self, top=6):
        """The busiest threads of the browser: [(seconds, name)]."""
        out = []
        tick = os.sysconf("SC_CLK_TCK")
        try:
            for tid in os.listdir("/proc/%d/task" % self.proc.pid):
                with open("/proc/%d/task/%s/stat" % (self.proc.pid, tid)) as f:
                    st = f.read()
                name = st[st.index("(") + 1:st.rindex(")")]
                f = st[st.rindex(")") + 2:].split()
                out.append(((int(f[11]) + int(f[12])) / tick, name))
        except OSError:
            pass
        return sorted(out, reverse=True)[:top]

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except BrowserError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.wfd, self.rfd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.logf.close()
        shutil.rmtree(self.profile, ignore_errors=True)
