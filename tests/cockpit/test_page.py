#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The kiss Cockpit page in headless Chromium (run by tests/vm/cockpit.sh).

Expects cockpit-ws serving the page at --url and a kiss tree with target
--target (LUN 0 on --device1, an ACL for --initiator with CHAP secret
--secret) made with kissctl; --session: that initiator is logged in.
Checks through the DOM that the page shows them; creates a second target,
a LUN and an ACL through the page and checks with `kissctl show --json`
that they exist; types bad values and checks that kissctl's own error is
shown and nothing changed; disables and enables a target, saves, and
deletes the first target (asked first when it has a session).  Prints one
"ok N - ..." or "not ok N - ..." line per check and a screenshot of each
step into --out.  Exit status: the number of failed checks (at most 100).
"""
import argparse
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402

T2 = "iqn.2026-11.org.kiss:web2"
I2 = "iqn.1993-08.org.debian:01:kissweb2"
CHAP2 = ("webuser", "websecret1234")
MUTUAL2 = ("tgtuser", "tgtsecret5678")

# The page's document: the page itself, or its frame in Cockpit's shell.
FRAME = ("(document.getElementById('kiss-page') ? document : "
         "(document.querySelector('iframe[name=\"cockpit1:localhost/kiss\"]') || {}).contentDocument)")

# In the page's document d: card(iqn), text(e), set(e, value), shown(iqn).
HELPERS = r"""
const card = iqn => [...d.querySelectorAll('.kiss-target')].find(c => c.dataset.iqn === iqn) || null;
const text = e => e ? e.textContent.trim() : null;
const set = (e, v) => {
    e.value = v;
    e.dispatchEvent(new Event('input', { bubbles: true }));
    e.dispatchEvent(new Event('change', { bubbles: true }));
};
const visible = e => !!e && !e.hidden && e.offsetParent !== null;
const shown = iqn => {
    const c = card(iqn);
    if (!c)
        return null;
    const rows = sel => [...c.querySelectorAll(sel)];
    return {
        enabled: text(c.querySelector('.kiss-badge')),
        portals: text(c.querySelector('.kiss-target-portals')),
        luns: rows('.kiss-luns tbody tr').map(r => ({
            id: r.dataset.lun, path: text(r.querySelector('.kiss-lun-path')),
            size: text(r.querySelector('.kiss-lun-size')), ro: text(r.querySelector('.kiss-lun-ro')) })),
        acls: rows('.kiss-acls tbody tr').map(r => ({
            initiator: r.dataset.initiator, chap: text(r.querySelector('.kiss-acl-chap')),
            mutual: text(r.querySelector('.kiss-acl-mutual')) })),
        sessions: rows('.kiss-sessions tbody tr').map(r => ({
            initiator: r.dataset.initiator, peer: text(r.querySelector('.kiss-sess-peer')) })),
    };
};
"""


class Test:
    def __init__(self, args):
        self.args = args
        self.n = 0
        self.failed = 0
        self.shot_n = 0
        self.b = None

    # --- reporting ---

    def ok(self, what, cond, *detail):
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, what), flush=True)
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, what), flush=True)
            for d in detail:
                for line in str(d).splitlines():
                    print("#   " + line, flush=True)
        return cond

    def shot(self, name):
        self.shot_n += 1
        path = os.path.join(self.args.out, "cockpit-%02d-%s.png" % (self.shot_n, name))
        try:
            self.b.screenshot(path)
            print("# screenshot %s" % os.path.basename(path), flush=True)
        except cdp.BrowserError as e:
            print("# screenshot %s failed: %s" % (name, e), flush=True)

    # --- the page and kissctl ---

    def js(self, body, **kw):
        """Evaluate @body (statements ending in a return) in the page's frame."""
        expr = "(() => { const d = %s; if (!d || !d.getElementById('kiss-page')) return null;\n%s\n%s })()" % (
            FRAME, HELPERS, body)
        return self.b.eval(expr, **kw)

    def wait(self, body, what, timeout=30):
        expr = "(() => { const d = %s; if (!d || !d.getElementById('kiss-page')) return null;\n%s\n%s })()" % (
            FRAME, HELPERS, body)
        return self.b.wait(expr, timeout=timeout, what=what)

    def kissctl(self, *args):
        return subprocess.run([self.args.kissctl] + list(args), capture_output=True, text=True)

    def tree(self):
        r = self.kissctl("show", "--json")
        if r.returncode:
            raise RuntimeError("kissctl show --json failed: " + r.stderr)
        return json.loads(r.stdout)

    def target(self, iqn):
        return next((t for t in self.tree()["targets"] if t["name"] == iqn), None)

    @staticmethod
    def without_sessions(tree):
        # Counters of a live session move by themselves (NOP-In).
        for t in tree["targets"]:
            t.pop("sessions", None)
        return tree

    def click(self, selector_js, what):
        """Click the element @selector_js evaluates to in the frame."""
        found = self.js("const e = %s; if (!e) return false; e.click(); return true;" % selector_js)
        if not found:
            raise cdp.BrowserError("nothing to click: " + what)

    # --- the steps ---

    def step_shows_kissctl_target(self):
        a = self.args
        T1 = a.target
        self.wait("return d.getElementById('kiss-page').dataset.state === 'ready' && card(%s) !== null;" % json.dumps(T1),
                  "target %s on the page" % T1, timeout=90)
        if a.session:
            self.wait("const s = shown(%s); return s && s.sessions.length > 0;" % json.dumps(T1),
                      "the session of %s on the page" % T1, timeout=30)
        s = self.js("return shown(%s);" % json.dumps(T1))
        self.shot("kissctl-target")
        t = self.target(T1)
        self.ok("page shows target %s" % T1, s is not None)
        if s is None:
            return
        self.ok("page shows it enabled", s["enabled"] == "Enabled", s)
        self.ok("page shows its portal", t["portals"][0] in s["portals"], s["portals"])
        self.ok("page shows LUN 0 on %s, 64.0 MiB, read-write" % a.device1,
                s["luns"] == [{"id": "0", "path": a.device1, "size": "64.0 MiB", "ro": "read-write"}],
                s["luns"])
        self.ok("page shows the ACL of %s with CHAP and mutual CHAP on" % a.initiator,
                len(s["acls"]) == 1 and s["acls"][0]["initiator"] == a.initiator
                and s["acls"][0]["chap"].startswith("on") and s["acls"][0]["mutual"].startswith("on"),
                s["acls"])
        html = self.js("return d.documentElement.outerHTML;")
        self.ok("page never shows the CHAP secret", a.secret not in html)
        if a.session:
            self.ok("page shows the live session of %s" % a.initiator,
                    [x["initiator"] for x in s["sessions"]] == [a.initiator]
                    and s["sessions"][0]["peer"].startswith("127.0.0.1:"), s["sessions"])
        # The same DOM checks find nothing for a target that is not there:
        # they can fail.
        self.ok("the DOM check finds no target that does not exist",
                self.js("return shown('iqn.2026-11.org.kiss:absent');") is None)
        self.ok("the DOM check sees a LUN that is not there as missing",
                s["luns"] != [{"id": "1", "path": a.device1, "size": "64.0 MiB", "ro": "read-write"}])

    def step_create_target(self):
        self.js("set(d.getElementById('kiss-create-iqn'), %s); set(d.getElementById('kiss-create-portals'), '127.0.0.1:3260'); return true;"
                % json.dumps(T2))
        self.click("d.getElementById('kiss-create-submit')", "Create")
        self.wait("return card(%s) !== null;" % json.dumps(T2), "the new target's card", timeout=30)
        t = self.target(T2)
        self.ok("target created through the page is in kissctl show --json", t is not None)
        self.ok("it is enabled and on portal 127.0.0.1:3260",
                t is not None and t["enable"] and t["portals"] == ["127.0.0.1:3260"], t)
        self.ok("create form is empty again",
                self.js("return d.getElementById('kiss-create-iqn').value === '' && !visible(d.getElementById('kiss-create-error'));"))

    def step_add_lun(self):
        dev = self.args.device2
        c = "card(%s)" % json.dumps(T2)
        self.wait("return [...%s.querySelectorAll('.kiss-lun-device option')].some(o => o.value === %s);"
                  % (c, json.dumps(dev)), "%s in the block device list" % dev, timeout=30)
        self.js("set(%s.querySelector('.kiss-lun-device'), %s); set(%s.querySelector('.kiss-lun-id'), '3'); %s.querySelector('.kiss-lun-readonly').checked = true; return true;"
                % (c, json.dumps(dev), c, c))
        self.click("%s.querySelector('.kiss-lun-add')" % c, "Add LUN")
        self.wait("const s = shown(%s); return s && s.luns.length === 1;" % json.dumps(T2), "the new LUN", timeout=30)
        t = self.target(T2)
        luns = t["luns"] if t else []
        self.ok("LUN added through the page is in kissctl show --json (LUN 3, %s, read-only)" % dev,
                len(luns) == 1 and luns[0]["id"] == 3 and luns[0]["path"] == dev and luns[0]["readonly"], luns)
        s = self.js("return shown(%s);" % json.dumps(T2))
        self.ok("page shows it", s["luns"] == [{"id": "3", "path": dev, "size": "64.0 MiB", "ro": "read-only"}], s["luns"])

    def fill_acl(self, c, ini, chap, mutual):
        self.js("""const c = %s;
            set(c.querySelector('.kiss-acl-initiator'), %s);
            set(c.querySelector('.kiss-acl-user'), %s); set(c.querySelector('.kiss-acl-secret'), %s);
            set(c.querySelector('.kiss-acl-muser'), %s); set(c.querySelector('.kiss-acl-msecret'), %s);
            return true;""" % (c, json.dumps(ini), json.dumps(chap[0]), json.dumps(chap[1]),
                               json.dumps(mutual[0]), json.dumps(mutual[1])))

    def step_add_acl(self):
        c = "card(%s)" % json.dumps(T2)
        self.fill_acl(c, I2, CHAP2, MUTUAL2)
        self.click("%s.querySelector('.kiss-acl-add')" % c, "Add ACL")
        self.wait("const s = shown(%s); return s && s.acls.length === 1;" % json.dumps(T2), "the new ACL", timeout=30)
        self.scroll(c)
        self.shot("created-target-lun-acl")
        t = self.target(T2)
        acls = t["acls"] if t else []
        self.ok("ACL added through the page is in kissctl show --json, CHAP user %s, mutual user %s"
                % (CHAP2[0], MUTUAL2[0]),
                len(acls) == 1 and acls[0]["initiator"] == I2
                and acls[0]["auth"] == {"userid": CHAP2[0], "userid_mutual": MUTUAL2[0]}, acls)
        s = self.js("return shown(%s);" % json.dumps(T2))
        self.ok("page shows it with CHAP and mutual CHAP on",
                s["acls"] == [{"initiator": I2, "chap": "on (user %s)" % CHAP2[0],
                               "mutual": "on (user %s)" % MUTUAL2[0]}], s["acls"])
        self.ok("the secrets are gone from the form and the page",
                self.js("const c = %s; return c.querySelector('.kiss-acl-secret').value === '' && c.querySelector('.kiss-acl-msecret').value === '';" % c)
                and CHAP2[1] not in self.js("return d.documentElement.outerHTML;"))

    def scroll(self, elem_js):
        self.js("%s.scrollIntoView(); return true;" % elem_js)

    def bad(self, name, fill, button, box, argv, must_say, shot=True):
        """Type a bad value: kissctl's error, word for word, and no change."""
        before = self.without_sessions(self.tree())
        want = self.kissctl(*argv)
        self.js(fill)
        self.click(button, name)
        got = self.wait("const e = %s; return visible(e) && text(e);" % box, "the error of " + name, timeout=30)
        if shot:
            self.shot("error-" + name.replace(" ", "-"))
        self.ok("%s: page shows kissctl's error" % name,
                want.returncode == 1 and got == want.stderr.strip() and must_say in got,
                "page: %r" % got, "kissctl: %r (exit %d)" % (want.stderr.strip(), want.returncode))
        after = self.without_sessions(self.tree())
        self.ok("%s: nothing changed" % name, before == after,
                json.dumps(before, sort_keys=True)[:400], json.dumps(after, sort_keys=True)[:400])

    def step_bad_values(self):
        a = self.args
        c = "card(%s)" % json.dumps(T2)
        bad_iqn = "iqn.2026-11.org.kiss:bad name"
        self.bad("IQN with a space",
                 "set(d.getElementById('kiss-create-iqn'), %s); set(d.getElementById('kiss-create-portals'), '127.0.0.1:3260'); return true;"
                 % json.dumps(bad_iqn),
                 "d.getElementById('kiss-create-submit')", "d.getElementById('kiss-create-error')",
                 ["target", "add", bad_iqn, "--portal", "127.0.0.1:3260"], "' ' not allowed")
        # The other two errors, side by side in the second target's card.
        self.scroll(c)
        self.ok("the target with a space is not on the page",
                self.js("return card(%s) === null;" % json.dumps(bad_iqn)))
        self.bad("LUN 70000",
                 "set(%s.querySelector('.kiss-lun-id'), '70000'); set(%s.querySelector('.kiss-lun-device'), %s); return true;"
                 % (c, c, json.dumps(a.device3)),
                 "%s.querySelector('.kiss-lun-add')" % c, "%s.querySelector('.kiss-lun-error')" % c,
                 ["lun", "add", T2, "70000", a.device3], "70000", shot=False)
        ini = "iqn.1993-08.org.debian:01:kissweb3"
        self.bad("CHAP secret of 5 characters",
                 """const c = %s; set(c.querySelector('.kiss-acl-initiator'), %s);
                    set(c.querySelector('.kiss-acl-user'), 'user3'); set(c.querySelector('.kiss-acl-secret'), 'abcde');
                    return true;""" % (c, json.dumps(ini)),
                 "%s.querySelector('.kiss-acl-add')" % c, "%s.querySelector('.kiss-acl-error')" % c,
                 ["acl", "add", T2, ini, "--chap", "user3:abcde"], "12 to 255")
        self.ok("the error stays until the next try",
                self.js("return visible(%s.querySelector('.kiss-acl-error'));" % c))
        self.js("const c = %s; set(c.querySelector('.kiss-acl-secret'), 'longenough123'); return true;" % c)
        self.click("%s.querySelector('.kiss-acl-add')" % c, "Add ACL")
        self.wait("const s = shown(%s); return s && s.acls.length === 2 && !visible(%s.querySelector('.kiss-acl-error'));"
                  % (json.dumps(T2), c), "the corrected ACL, no error", timeout=30)
        t = self.target(T2)
        self.ok("the corrected ACL is in kissctl show --json",
                t is not None and any(x["initiator"] == ini for x in t["acls"]))

    def step_disable_enable(self):
        c = "card(%s)" % json.dumps(T2)
        self.click("%s.querySelector('.kiss-toggle')" % c, "Disable")
        self.wait("return text(%s.querySelector('.kiss-badge')) === 'Disabled';" % c, "Disabled", timeout=30)
        t = self.target(T2)
        self.ok("Disable: kissctl shows the target disabled", t is not None and t["enable"] is False)
        self.click("%s.querySelector('.kiss-toggle')" % c, "Enable")
        self.wait("return text(%s.querySelector('.kiss-badge')) === 'Enabled';" % c, "Enabled", timeout=30)
        t = self.target(T2)
        self.ok("Enable: kissctl shows it enabled again", t is not None and t["enable"] is True)

    def step_save(self):
        cfg = self.args.config
        try:
            os.unlink(cfg)
        except FileNotFoundError:
            pass
        self.click("d.getElementById('kiss-save')", "Save configuration")
        got = self.wait("const s = text(d.getElementById('kiss-save-status')); const e = d.getElementById('kiss-save-error'); return s || (visible(e) && 'error: ' + text(e));",
                        "the save status", timeout=30)
        self.ok("Save configuration says where", got.startswith("Saved to "), got)
        try:
            with open(cfg) as f:
                saved = json.load(f)
        except (OSError, ValueError) as e:
            saved = {"error": str(e)}
        names = [t["name"] for t in saved.get("targets", [])]
        self.ok("%s has both targets" % cfg, self.args.target in names and T2 in names, saved)

    def step_delete(self):
        a = self.args
        T1 = a.target
        c = "card(%s)" % json.dumps(T1)
        self.scroll(c)
        self.click("%s.querySelector('.kiss-delete')" % c, "Delete")
        q = self.wait("const e = %s.querySelector('.kiss-confirm'); return visible(e) && text(e.querySelector('.kiss-confirm-text'));" % c,
                      "the delete question", timeout=30)
        self.shot("delete-asks")
        if a.session:
            self.ok("deleting a target with a live session asks first, naming it",
                    "1 live session" in q and a.initiator in q, q)
        else:
            self.ok("deleting a target asks first", T1 in q, q)
        self.ok("nothing deleted before the answer", self.target(T1) is not None)
        self.click("%s.querySelector('.kiss-confirm-yes')" % c, "the confirm button")
        self.wait("return card(%s) === null;" % json.dumps(T1), "the deleted target's card to go", timeout=60)
        self.ok("deleted through the page: gone from kissctl show --json", self.target(T1) is None)
        if a.session:
            r = self.kissctl("session", "list", "--json")
            self.ok("and its session is gone", r.returncode == 0 and
                    not [s for s in json.loads(r.stdout) if s.get("target") == T1], r.stdout)

    def step_menu(self):
        """cockpit-ws is up and lists the page in its menu as "iSCSI targets"."""
        u = urllib.parse.urljoin(self.args.url, "/cockpit/@localhost/manifests.json")
        end = time.monotonic() + self.args.ws_timeout
        while True:
            try:
                with urllib.request.urlopen(u, timeout=30) as f:
                    m = json.load(f)
                label = m["kiss"]["menu"]["index"]["label"]
                break
            except (OSError, ValueError, KeyError) as e:
                label = "(%s)" % e
            if time.monotonic() > end:
                break
            time.sleep(0.5)
        self.ok("Cockpit's menu has the page as \"iSCSI targets\"", label == "iSCSI targets", label)

    def step_shell(self):
        """The page inside Cockpit's shell, for the eye (slow under TCG)."""
        self.b.open(urllib.parse.urljoin(self.args.url, "/kiss"))
        self.wait("return d.getElementById('kiss-page').dataset.state === 'ready' && card(%s) !== null;"
                  % json.dumps(T2), "the page in Cockpit's shell", timeout=120)
        self.b.wait("[...document.querySelectorAll('a')].some(a => a.textContent.trim() === 'iSCSI targets')",
                    what="the menu entry", timeout=30)
        time.sleep(1)
        self.shot("in-cockpit")

    def run(self):
        a = self.args
        t0 = time.monotonic()
        # The browser starts while the caller sets up kiss and cockpit-ws:
        # under TCG, each takes a minute.
        try:
            self.b = cdp.Browser(log=os.path.join(a.out, "chromium.log"), timeout=a.browser_timeout)
        except (cdp.BrowserError, OSError) as e:
            self.ok("chromium starts", False, e)
            return
        self.ok("chromium starts (%.1fs)" % (time.monotonic() - t0), True)
        try:
            if a.wait_for:
                end = time.monotonic() + a.ws_timeout
                while not os.path.exists(a.wait_for) and time.monotonic() < end:
                    time.sleep(0.5)
                if not self.ok("the caller's set-up is done", os.path.exists(a.wait_for),
                               "no %s after %ds" % (a.wait_for, a.ws_timeout)):
                    return
            self.step_menu()
            t0 = time.monotonic()
            self.b.open(a.url)
            self.step_shows_kissctl_target()
            print("# page up and checked in %.1fs" % (time.monotonic() - t0), flush=True)
            for step in (self.step_create_target, self.step_add_lun, self.step_add_acl,
                         self.step_bad_values, self.step_disable_enable, self.step_save,
                         self.step_delete) + ((self.step_shell,) if a.shell_screenshot else ()):
                t0 = time.monotonic()
                step()
                print("# %s: %.1fs" % (step.__name__, time.monotonic() - t0), flush=True)
        except (cdp.BrowserError, RuntimeError) as e:
            self.shot("failure")
            self.ok("browser test ran to the end", False, e)
        finally:
            print("# chromium's busiest threads (CPU s): " +
                  ", ".join("%s %.1f" % (n, t) for t, n in self.b.cpu_times()), flush=True)
            self.b.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="http://127.0.0.1:9090/cockpit/@localhost/kiss/index.html")
    p.add_argument("--kissctl", default="kissctl")
    p.add_argument("--out", default=".")
    p.add_argument("--target", required=True)
    p.add_argument("--initiator", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--device1", required=True)
    p.add_argument("--device2", required=True)
    p.add_argument("--device3", required=True, help="a free device, for the bad LUN number")
    p.add_argument("--session", action="store_true")
    p.add_argument("--config", default="/etc/kiss/config.json")
    p.add_argument("--browser-timeout", type=int, default=180)
    p.add_argument("--ws-timeout", type=int, default=180,
                   help="seconds to wait for --wait-for and for cockpit-ws")
    p.add_argument("--wait-for", metavar="FILE",
                   help="start the browser, then wait for FILE before opening the page")
    p.add_argument("--shell-screenshot", action="store_true",
                   help="at the end, a screenshot of the page in Cockpit's shell")
    t = Test(p.parse_args())
    t.run()
    print("# %d checks, %d failed" % (t.n, t.failed))
    sys.exit(min(t.failed, 100))


if __name__ == "__main__":
    main()
