// A member's seat: the steps as last graded (server-sent events), check, help, a raised hand, and a terminal per
// host over a websocket to that host's shell.
"use strict";
const token = document.body.dataset.token;
const seat = document.querySelector("main.seat").dataset.seat;
// the page's own words, in its language (the server translates them: src/airgaplab/locale/)
const words = JSON.parse(document.querySelector("main.seat").dataset.words || "{}");
const w = (text, args) => Object.entries(args || {}).reduce((s, [k, v]) => s.replace(`{${k}}`, v), words[text] || text);
// a page opened by a link sends its token; one opened by joining with a code, its cookie
const q = (path) => token ? `${path}?t=${encodeURIComponent(token)}` : path;
const post = (path, body) => fetch(q(path), {method: "POST", headers: {"Content-Type": "application/json"},
                                             body: JSON.stringify(body || {})});
let hand = false;
let asked = 0;  // when this page last asked for a grade (server time)
let graded = null;  // when the seat was last graded (server time)
const now = serverNow;  // clock.js

function tick() {
  showTimer(document.getElementById("timer"), w);
  const el = document.getElementById("graded");
  el.textContent = asked > (graded || 0) ? w("checking …") : graded == null ? w("grading …")
    : w("graded {n} s ago", {n: Math.max(0, Math.floor(now() - graded))});
  document.querySelectorAll("#notices .at").forEach((a) => {
    a.textContent = w("{n} s ago", {n: Math.max(0, Math.floor(now() - Number(a.dataset.at)))}); });
}

function show(s) {
  heardRoom(s.room);
  (s.steps || []).forEach((st) => {
    const el = document.getElementById(`step-${st.number}`);
    if (!el) return;
    el.classList.toggle("pass", st.passing);
    el.classList.toggle("fail", !st.passing);
    el.querySelector(".mark").textContent = st.passing ? "✓" : `${st.passed}/${st.total}`;
  });
  graded = s.graded_at;
  asked = Math.max(asked, s.asked_at || 0);
  hand = !!s.hand;
  const hb = document.getElementById("hand");
  hb.textContent = hand ? w("lower hand") : w("raise hand");
  hb.setAttribute("aria-pressed", String(hand));
  // what the leader said and did, newest first
  document.getElementById("notices").replaceChildren(...(s.notices || []).slice().reverse().slice(0, 5).map((n) => {
    const p = document.createElement("p");
    p.className = n.kind;
    p.textContent = n.kind === "action" ? w(n.text) : w("from the leader: {text}", {text: n.text});
    const at = document.createElement("span"); at.className = "at"; at.dataset.at = n.at; p.appendChild(at);
    return p; }));
  tick();
}

new EventSource(q(`/seat/${seat}/events`)).onmessage = (e) => show(JSON.parse(e.data));
document.getElementById("check").addEventListener("click", async () => {
  asked = now();  // "checking" from the click on, until a grade newer than it comes
  tick();
  const j = await (await post(`/seat/${seat}/check`)).json().catch(() => ({}));
  if (j.asked_at) { asked = j.asked_at; tick(); }
});
setInterval(tick, 1000);
document.getElementById("hand").addEventListener("click", () => post(`/seat/${seat}/hand`, {up: !hand}));
document.querySelectorAll(".step").forEach((el) => el.querySelectorAll("button[data-level]").forEach((b) =>
  b.addEventListener("click", async () => {
    const pre = el.querySelector(".help-text");
    pre.hidden = false;
    pre.textContent = "…";
    const r = await post(`/seat/${seat}/help`, {step: el.dataset.step, level: b.dataset.level,
                                                lang: document.documentElement.lang});
    const j = await r.json().catch(() => ({}));
    pre.textContent = j.text || j.detail || `${r.status}`;
  })));

// One terminal per host: xterm.js, fitted to its box; keys as bytes, resizes as JSON text. A shell that ends (a
// reset, a reboot of the host, `exit`) is opened again on its own, a little later each time.
const narrow = window.matchMedia("(max-width: 50rem)").matches;  // a phone: a smaller font, a command line's width
document.querySelectorAll(".term").forEach((box) => {
  const term = new Terminal({convertEol: false, fontSize: narrow ? 11 : 14, scrollback: 2000,
                             fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace, "Noto Sans KR"'});
  const fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(box);
  fit.fit();
  const proto = location.protocol === "https:" ? "wss" : "ws";
  const enc = new TextEncoder();
  let ws = null, wait = 1;
  const size = () => { if (ws && ws.readyState === 1) ws.send(JSON.stringify({cols: term.cols, rows: term.rows})); };
  const open = () => {
    ws = new WebSocket(`${proto}://${location.host}${q(`/seat/${seat}/term/${box.dataset.host}`)}`);
    ws.binaryType = "arraybuffer";
    ws.onopen = () => { wait = 1; size(); };
    ws.onmessage = (e) => term.write(new Uint8Array(e.data));
    ws.onclose = (e) => {
      const refused = e.code === 4403 || e.code === 4404;  // not this page's: opening again would not help
      term.write(`\r\n[${w("connection closed")}${e.reason ? ": " + e.reason : ""}${refused ? "" : " — " + w("reconnecting …")}]\r\n`);
      if (!refused) { setTimeout(open, wait * 1000); wait = Math.min(wait * 2, 8); }
    };
  };
  open();
  term.onData((d) => { if (ws && ws.readyState === 1) ws.send(enc.encode(d)); });
  term.onResize(size);  // the shell learns every new size (stty size, full-screen programs)
  new ResizeObserver(() => fit.fit()).observe(box);
  window.terminals = Object.assign(window.terminals || {}, {[box.dataset.host]: term});
});
