/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiss in Cockpit.  The page keeps no model of configfs of its own: it
 * shows what `kissctl show --json` prints (polled every few seconds) and
 * changes things only by running a kissctl subcommand, whose error message,
 * if any, is shown next to the button that ran it.
 */
"use strict";

const POLL_MS = 5000;

const kiss = {
	tree: null,
	devices: [],
	cards: new Map(),	/* target name -> card (DOM and last data) */
	generation: 0,		/* renders of a fresh `show --json` */
	timer: null,
	asked: 0,		/* show --json requests sent ... */
	shown: 0,		/* ... and the newest one rendered */
};

/* --- kissctl and lsblk --- */

function spawn(argv, superuser) {
	const opts = { err: "message" };

	if (superuser)
		opts.superuser = "require";
	return new Promise((resolve, reject) => {
		cockpit.spawn(argv, opts).then(out => resolve(out),
					       ex => reject(ex));
	});
}

function kissctl(args) {
	return spawn(["kissctl"].concat(args), true);
}

/* kissctl's own words when it said something, else Cockpit's. */
function error_text(ex) {
	if (ex && ex.problem === "not-found")
		return "kissctl not found: install kiss (make install) first";
	if (ex && typeof ex.message === "string" && ex.message.trim())
		return ex.message.trim();
	if (ex && ex.problem === "access-denied")
		return "Not permitted: turn on administrative access (top right) to manage iSCSI targets";
	if (ex && ex["exit-status"] !== undefined)
		return "kissctl exited with status " + ex["exit-status"];
	return cockpit.message(ex);
}

/* --- DOM helpers --- */

function el(tag, props, ...children) {
	const e = document.createElement(tag);

	for (const [k, v] of Object.entries(props || {})) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k === "class")
			e.className = v;
		else if (k === "text")
			e.textContent = v;
		else if (k.startsWith("on"))
			e.addEventListener(k.slice(2), v);
		else if (k === "data")
			Object.assign(e.dataset, v);
		else
			e.setAttribute(k, v === true ? "" : v);
	}
	for (const c of children.flat()) {
		if (c !== null && c !== undefined)
			e.append(c instanceof Node ? c : String(c));
	}
	return e;
}

function show_error(box, text) {
	box.textContent = text || "";
	box.hidden = !text;
}

function human_bytes(n) {
	const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
	let v = Number(n) || 0;
	let u = 0;

	while (v >= 1024 && u < units.length - 1) {
		v /= 1024;
		u++;
	}
	return u ? v.toFixed(1) + " " + units[u] : v + " B";
}

function plural(n, one, many) {
	return n + " " + (n === 1 ? one : many);
}

/*
 * Run kissctl ARGS for a button: its error box is cleared, the button is
 * busy meanwhile, kissctl's message lands in the box on failure.  Resolves
 * to true on success.  The tree is read again either way.
 */
function act(button, box, args) {
	show_error(box, "");
	if (button)
		button.disabled = true;
	document.body.dataset.busy = String(Number(document.body.dataset.busy || 0) + 1);
	return kissctl(args)
			.then(() => true,
			      ex => {
				      show_error(box, error_text(ex));
				      return false;
			      })
			.then(ok => {
				if (button)
					button.disabled = false;
				document.body.dataset.busy = String(Number(document.body.dataset.busy) - 1);
				return refresh(args[0] === "lun").then(() => ok);
			});
}

/* --- block devices, for "Add LUN" --- */

/* Every device with a size; d.held: it or something on it is mounted. */
function flatten_lsblk(devs, out) {
	let held = false;

	for (const d of devs || []) {
		const at = out.length;

		d.held = flatten_lsblk(d.children, out) || !!d.mountpoint;
		if (d.path && Number(d.size) > 0)
			out.splice(at, 0, d);
		held = held || d.held;
	}
	return held;
}

function load_devices() {
	/* --all: brd RAM disks (major 1) are left out without it */
	return spawn(["lsblk", "--json", "--bytes", "--all",
		      "-o", "NAME,PATH,SIZE,TYPE,RO,MOUNTPOINT"], false)
			.then(out => {
				const devs = [];

				flatten_lsblk(JSON.parse(out).blockdevices, devs);
				kiss.devices = devs;
			})
			.catch(ex => console.warn("lsblk:", error_text(ex)));
}

/* Which LUN of which target exports @path. */
function device_user(path) {
	for (const t of (kiss.tree && kiss.tree.targets) || [])
		for (const l of t.luns || [])
			if (l.path === path)
				return "LUN " + l.id + " of " + t.name;
	return null;
}

function fill_devices(select) {
	const want = kiss.devices.map(d => {
		const notes = [human_bytes(d.size), d.type];
		const user = device_user(d.path);

		if (d.mountpoint)
			notes.push("mounted at " + d.mountpoint);
		else if (d.held)
			notes.push("in use");
		if (user)
			notes.push("exported as " + user);
		return [d.path, d.path + " (" + notes.join(", ") + ")"];
	});
	const key = JSON.stringify(want);

	if (select.dataset.key === key)
		return;
	/* what the administrator picked stays; else a free device */
	const keep = select.dataset.picked ? select.value : null;
	select.replaceChildren(...want.map(([v, label]) => el("option", { value: v, text: label })));
	if (want.some(([v]) => v === keep)) {
		select.value = keep;
	} else {
		/* first pick: a device that is neither mounted nor exported */
		const free = kiss.devices.find(d => !d.held && !device_user(d.path));

		if (free)
			select.value = free.path;
	}
	select.dataset.key = key;
}

/* --- one card per target --- */

function labelled(text, input) {
	return el("label", {}, text, input);
}

function make_card(iqn) {
	const c = { iqn, last: {} };

	c.badge = el("span", { class: "pf-c-label" });
	c.nsessions = el("span", { class: "kiss-muted kiss-nsessions" });
	c.toggle = el("button", { type: "button", class: "pf-c-button pf-m-secondary kiss-toggle" });
	c.del = el("button", { type: "button", class: "pf-c-button pf-m-danger kiss-delete", text: "Delete" });
	c.error = el("div", { class: "kiss-error kiss-target-error", role: "alert", hidden: true });
	c.confirm = el("div", { class: "kiss-confirm", hidden: true });
	c.portals = el("dd", { class: "kiss-target-portals" });
	c.access = el("dd", { class: "kiss-target-access" });

	c.lun_rows = el("tbody");
	c.lun_table = el("table", { class: "pf-c-table kiss-table kiss-luns" },
			 el("thead", {}, el("tr", {},
					    ["LUN", "Device", "Size", "Block size", "Access", "State", "Serial", ""]
							    .map(h => el("th", { text: h })))),
			 c.lun_rows);
	c.lun_id = el("input", { type: "text", class: "pf-c-form-control kiss-narrow kiss-lun-id", inputmode: "numeric" });
	c.lun_dev = el("select", { class: "pf-c-form-select kiss-lun-device" });
	c.lun_ro = el("input", { type: "checkbox", class: "kiss-lun-readonly" });
	c.lun_add = el("button", { type: "submit", class: "pf-c-button pf-m-secondary kiss-lun-add", text: "Add LUN" });
	c.lun_error = el("div", { class: "kiss-error kiss-lun-error", role: "alert", hidden: true });
	c.lun_form = el("form", { class: "kiss-form kiss-lun-form", autocomplete: "off" },
			labelled("LUN", c.lun_id),
			labelled("Block device", c.lun_dev),
			el("label", { class: "kiss-check" }, c.lun_ro, "Read-only"),
			c.lun_add);
	c.lun_form.addEventListener("submit", ev => { ev.preventDefault(); add_lun(c) });
	c.lun_dev.addEventListener("focus", () => load_devices().then(() => fill_devices(c.lun_dev)));
	c.lun_dev.addEventListener("change", () => { c.lun_dev.dataset.picked = "1" });

	c.acl_rows = el("tbody");
	c.acl_table = el("table", { class: "pf-c-table kiss-table kiss-acls" },
			 el("thead", {}, el("tr", {},
					    ["Initiator", "CHAP", "Mutual CHAP", "Access", ""]
							    .map(h => el("th", { text: h })))),
			 c.acl_rows);
	c.acl_ini = el("input", {
		type: "text", class: "pf-c-form-control kiss-wide kiss-acl-initiator",
		placeholder: "iqn.1993-08.org.debian:01:host1"
	});
	c.acl_user = el("input", { type: "text", class: "pf-c-form-control kiss-narrow kiss-acl-user" });
	c.acl_secret = el("input", { type: "password", class: "pf-c-form-control kiss-acl-secret", autocomplete: "new-password" });
	c.acl_muser = el("input", { type: "text", class: "pf-c-form-control kiss-narrow kiss-acl-muser" });
	c.acl_msecret = el("input", { type: "password", class: "pf-c-form-control kiss-acl-msecret", autocomplete: "new-password" });
	c.acl_ro = el("input", { type: "checkbox", class: "kiss-acl-readonly" });
	c.acl_add = el("button", { type: "submit", class: "pf-c-button pf-m-secondary kiss-acl-add", text: "Add ACL" });
	c.acl_error = el("div", { class: "kiss-error kiss-acl-error", role: "alert", hidden: true });
	c.acl_form = el("form", { class: "kiss-form kiss-acl-form", autocomplete: "off" },
			labelled("Initiator name (IQN)", c.acl_ini),
			el("fieldset", { class: "kiss-chap" },
			   el("legend", { text: "CHAP (optional): the initiator proves" }),
			   labelled("User", c.acl_user), labelled("Secret (12-255 characters)", c.acl_secret)),
			el("fieldset", { class: "kiss-chap" },
			   el("legend", { text: "Mutual CHAP (optional): the target proves" }),
			   labelled("User", c.acl_muser), labelled("Secret", c.acl_msecret)),
			el("label", { class: "kiss-check" }, c.acl_ro, "Read-only"),
			c.acl_add);
	c.acl_form.addEventListener("submit", ev => { ev.preventDefault(); add_acl(c) });

	c.sess_rows = el("tbody");
	c.sess_table = el("table", { class: "pf-c-table kiss-table kiss-sessions" },
			  el("thead", {}, el("tr", {},
					     ["Initiator", "Peer", "Local", "Header digest", "Data digest",
					      "Commands", "Read", "Written", "Errors", "TMFs"]
							     .map(h => el("th", { text: h })))),
			  c.sess_rows);
	c.sess_empty = el("p", { class: "kiss-empty", text: "No initiator is logged in." });

	c.toggle.addEventListener("click", () => toggle_target(c));
	c.del.addEventListener("click", () => delete_target(c));

	c.root = el("section", { class: "pf-c-card kiss-target", data: { iqn } },
		    el("header", { class: "kiss-card-header" },
		       el("h2", { class: "pf-c-card__title kiss-target-name", text: iqn }),
		       c.badge, c.nsessions,
		       el("div", { class: "kiss-actions" }, c.toggle, c.del)),
		    c.error, c.confirm,
		    el("dl", { class: "kiss-dl" },
		       el("dt", { text: "Portals" }), c.portals,
		       el("dt", { text: "Access" }), c.access),
		    el("h3", { text: "LUNs" }), c.lun_table, c.lun_form, c.lun_error,
		    el("h3", { text: "Access control (ACLs)" }), c.acl_table, c.acl_form, c.acl_error,
		    el("h3", { text: "Sessions" }), c.sess_table, c.sess_empty);
	return c;
}

/* Replace @tbody's rows when @data differs from what they show. */
function rows(c, name, tbody, data, row) {
	const key = JSON.stringify(data);

	if (c.last[name] === key)
		return;
	c.last[name] = key;
	tbody.replaceChildren(...data.map(row));
}

function on_off(v) {
	return v ? "on" : "off";
}

function update_card(c, t) {
	const sessions = t.sessions || [];

	c.data = t;
	c.root.dataset.enabled = t.enable ? "1" : "0";
	c.badge.textContent = t.enable ? "Enabled" : "Disabled";
	c.badge.className = "pf-c-label kiss-badge " + (t.enable ? "pf-m-green" : "pf-m-grey");
	c.nsessions.textContent = plural(sessions.length, "session", "sessions");
	c.toggle.textContent = t.enable ? "Disable" : "Enable";
	c.portals.textContent = (t.portals || []).join(", ") || "none (not reachable)";
	if (t.allow_any_initiator)
		c.access.textContent = "any initiator, CHAP " + on_off(t.auth && t.auth.userid);
	else
		c.access.textContent = "initiators with an ACL";

	rows(c, "luns", c.lun_rows, t.luns || [], l => {
		const del = el("button", { type: "button", class: "pf-c-button pf-m-link kiss-lun-del", text: "Remove" });

		del.addEventListener("click", () => delete_lun(c, l, del));
		return el("tr", { data: { lun: String(l.id) } },
			  el("td", { class: "kiss-lun-num", text: l.id }),
			  el("td", { class: "kiss-lun-path", text: l.path || "(no device)" }),
			  el("td", { class: "kiss-lun-size", text: human_bytes(l.size) }),
			  el("td", { text: l.block_size ? l.block_size + " B" : "" }),
			  el("td", { class: "kiss-lun-ro", text: l.readonly ? "read-only" : "read-write" }),
			  el("td", { text: l.enable ? "enabled" : "disabled" }),
			  el("td", { class: "kiss-mono", text: l.serial || "" }),
			  el("td", {}, del));
	});
	c.lun_table.hidden = !(t.luns || []).length;
	let next = 0;
	while ((t.luns || []).some(l => l.id === next))
		next++;
	c.lun_id.placeholder = String(next);
	fill_devices(c.lun_dev);

	rows(c, "acls", c.acl_rows, t.acls || [], a => {
		const del = el("button", { type: "button", class: "pf-c-button pf-m-link kiss-acl-del", text: "Remove" });
		const auth = a.auth || {};

		del.addEventListener("click", () => delete_acl(c, a, del));
		return el("tr", { data: { initiator: a.initiator } },
			  el("td", { class: "kiss-acl-name", text: a.initiator }),
			  el("td", { class: "kiss-acl-chap", text: auth.userid ? "on (user " + auth.userid + ")" : "off" }),
			  el("td", { class: "kiss-acl-mutual", text: auth.userid_mutual ? "on (user " + auth.userid_mutual + ")" : "off" }),
			  el("td", { text: a.readonly ? "read-only" : "read-write" }),
			  el("td", {}, del));
	});
	c.acl_table.hidden = !(t.acls || []).length;

	rows(c, "sessions", c.sess_rows, sessions, s => el("tr", { data: { initiator: s.initiator || "" } },
		el("td", { class: "kiss-sess-initiator", text: s.initiator }),
		el("td", { class: "kiss-sess-peer", text: s.peer }),
		el("td", { text: s.local }),
		el("td", { text: s.hdgst }),
		el("td", { text: s.ddgst }),
		el("td", { text: s.cmds }),
		el("td", { text: human_bytes(s.read_bytes) }),
		el("td", { text: human_bytes(s.write_bytes) }),
		el("td", { text: s.errors }),
		el("td", { text: s.tmfs })));
	c.sess_table.hidden = !sessions.length;
	c.sess_empty.hidden = !!sessions.length;
}

/* --- actions --- */

/*
 * Ask in the card before @run(): @text says what will happen.  Only one
 * question per card at a time.
 */
function confirm_in(c, text, label, run) {
	const yes = el("button", { type: "button", class: "pf-c-button pf-m-danger kiss-confirm-yes", text: label });
	const no = el("button", { type: "button", class: "pf-c-button pf-m-link kiss-confirm-no", text: "Cancel" });

	yes.addEventListener("click", () => { c.confirm.hidden = true; run() });
	no.addEventListener("click", () => { c.confirm.hidden = true });
	c.confirm.replaceChildren(el("p", { class: "kiss-confirm-text", text }),
				  el("div", { class: "kiss-actions" }, yes, no));
	c.confirm.hidden = false;
	yes.focus();
}

/* The live sessions of target @iqn, fresh from kissctl. */
function live_sessions(iqn) {
	return kissctl(["session", "list", "--json", iqn]).then(out => JSON.parse(out));
}

function sessions_text(list) {
	return plural(list.length, "live session", "live sessions") + " (" +
		list.map(s => s.initiator + (s.peer ? " from " + s.peer : "")).join(", ") + ")";
}

function delete_target(c) {
	show_error(c.error, "");
	live_sessions(c.iqn).then(list => {
		const t = c.data || {};
		let text = "Delete target " + c.iqn + " with " +
			plural((t.luns || []).length, "LUN", "LUNs") + " and " +
			plural((t.acls || []).length, "ACL", "ACLs") + "?";

		if (list.length)
			text += " Its " + sessions_text(list) + " will be dropped.";
		confirm_in(c, text, list.length ? "Delete and drop sessions" : "Delete",
			   () => act(c.del, c.error, ["target", "del", c.iqn]));
	}, ex => show_error(c.error, error_text(ex)));
}

function toggle_target(c) {
	const on = !(c.data && c.data.enable);
	const run = () => act(c.toggle, c.error, ["target", "set", c.iqn, "enable=" + (on ? 1 : 0)]);

	show_error(c.error, "");
	if (on)
		return run();
	live_sessions(c.iqn).then(list => {
		if (!list.length)
			return run();
		confirm_in(c, "Disable target " + c.iqn + "? Its " + sessions_text(list) +
			   " will be dropped.", "Disable and drop sessions", run);
	}, ex => show_error(c.error, error_text(ex)));
}

function add_lun(c) {
	const id = c.lun_id.value.trim() || c.lun_id.placeholder;
	const args = ["lun", "add", c.iqn, id, c.lun_dev.value];

	if (c.lun_ro.checked)
		args.push("--readonly");
	act(c.lun_add, c.lun_error, args).then(ok => {
		if (ok) {
			c.lun_id.value = "";
			c.lun_ro.checked = false;
			delete c.lun_dev.dataset.picked;
			delete c.lun_dev.dataset.key;
			fill_devices(c.lun_dev);
		}
	});
}

function delete_lun(c, l, button) {
	const run = () => act(button, c.lun_error, ["lun", "del", c.iqn, String(l.id)]);

	show_error(c.lun_error, "");
	live_sessions(c.iqn).then(list => {
		if (!list.length)
			return run();
		confirm_in(c, "Remove LUN " + l.id + " (" + l.path + ") from " + c.iqn + "? " +
			   sessions_text(list) + " will lose it.", "Remove LUN", run);
	}, ex => show_error(c.lun_error, error_text(ex)));
}

function add_acl(c) {
	const args = ["acl", "add", c.iqn, c.acl_ini.value.trim()];
	const user = c.acl_user.value.trim(), secret = c.acl_secret.value;
	const muser = c.acl_muser.value.trim(), msecret = c.acl_msecret.value;

	if (user || secret)
		args.push("--chap", user + ":" + secret);
	if (muser || msecret)
		args.push("--mutual", muser + ":" + msecret);
	if (c.acl_ro.checked)
		args.push("--readonly");
	act(c.acl_add, c.acl_error, args).then(ok => {
		if (!ok)
			return;
		for (const i of [c.acl_ini, c.acl_user, c.acl_secret, c.acl_muser, c.acl_msecret])
			i.value = "";
		c.acl_ro.checked = false;
	});
}

function delete_acl(c, a, button) {
	const run = () => act(button, c.acl_error, ["acl", "del", c.iqn, a.initiator]);

	show_error(c.acl_error, "");
	live_sessions(c.iqn).then(list => {
		const mine = list.filter(s => s.initiator === a.initiator);

		if (!mine.length)
			return run();
		confirm_in(c, "Remove the ACL of " + a.initiator + "? Its " + sessions_text(mine) +
			   " will be dropped.", "Remove and drop sessions", run);
	}, ex => show_error(c.acl_error, error_text(ex)));
}

function create_target() {
	const iqn = document.getElementById("kiss-create-iqn");
	const portals = document.getElementById("kiss-create-portals");
	const args = ["target", "add", iqn.value.trim()];

	for (const p of portals.value.split(/[\s,]+/).filter(p => p))
		args.push("--portal", p);
	act(document.getElementById("kiss-create-submit"),
	    document.getElementById("kiss-create-error"), args).then(ok => {
		if (ok) {
			iqn.value = "";
			portals.value = "";
		}
	});
}

function save_config() {
	const status = document.getElementById("kiss-save-status");

	status.textContent = "";
	act(document.getElementById("kiss-save"),
	    document.getElementById("kiss-save-error"), ["save"]).then(ok => {
		if (ok)
			status.textContent = "Saved to /etc/kiss/config.json at " +
				new Date().toLocaleTimeString();
	});
}

/* --- the whole page --- */

function render_portals(portals) {
	const table = document.getElementById("kiss-portals-table");

	document.getElementById("kiss-portals-empty").hidden = !!portals.length;
	table.hidden = !portals.length;
	table.tBodies[0].replaceChildren(...portals.map(p => el("tr", { data: { portal: p.name } },
		el("td", { text: p.name }),
		el("td", { text: (p.addr.includes(":") ? "[" + p.addr + "]" : p.addr) + ":" + p.port }),
		el("td", { text: p.enable ? "listening" : "disabled" }))));
}

function render(tree) {
	const box = document.getElementById("kiss-targets");
	const seen = new Set();

	kiss.tree = tree;
	render_portals(tree.portals || []);
	for (const t of tree.targets || []) {
		let c = kiss.cards.get(t.name);

		if (!c) {
			c = make_card(t.name);
			kiss.cards.set(t.name, c);
		}
		update_card(c, t);
		box.append(c.root);	/* in kissctl's order */
		seen.add(t.name);
	}
	for (const [name, c] of kiss.cards) {
		if (!seen.has(name)) {
			c.root.remove();
			kiss.cards.delete(name);
		}
	}
	document.getElementById("kiss-no-targets").hidden = !!seen.size;
}

/*
 * Read the tree again now, and the block devices with @devices (when the
 * page opens and after a LUN is added or removed; opening the device list
 * reads them too).  Polling goes on from here.
 */
function refresh(devices) {
	const page = document.getElementById("kiss-page");
	const err = document.getElementById("kiss-load-error");
	const seq = ++kiss.asked;

	return Promise.all([kissctl(["show", "--json"]), devices ? load_devices() : null])
			.then(([out]) => {
				/* an older answer that arrives late is dropped */
				if (seq < kiss.shown)
					return;
				kiss.shown = seq;
				render(JSON.parse(out));
				show_error(err, "");
				page.dataset.state = "ready";
			}, ex => {
				show_error(err, error_text(ex));
				page.dataset.state = "error";
			})
			.then(() => {
				page.dataset.generation = String(++kiss.generation);
				window.clearTimeout(kiss.timer);
				kiss.timer = window.setTimeout(refresh, POLL_MS);
			});
}

document.addEventListener("DOMContentLoaded", () => {
	document.getElementById("kiss-create-form").addEventListener("submit", ev => {
		ev.preventDefault();
		create_target();
	});
	document.getElementById("kiss-save").addEventListener("click", save_config);
	cockpit.translate();
	refresh(true);
});
