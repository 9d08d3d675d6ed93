// A member's seat: the steps as last graded (server-sent events), check, help, a raised hand, and a terminal per
// host over a websocket to that host's shell.
"use strict";
const token = document.body.dataset.token;
const seat = document.querySelector("main.seat").dataset.seat;
// the page's own words, in its language (the server translates them: src/airgaplab/locale/)
const words = JSON.parse(document.querySelector("main.seat").dataset.words || "{}");
const w = (text, args) => Object.entries(args || {}).reduce((s, [k, v]) => s.replace(`{${k}}`, v), words[text] || text);
const q = (path) => `${path}?t=${encodeURIComponent(token)}`;
const post = (path, body) => fetch(q(path), {method: "POST", headers: {"Content-Type": "application/json"},
                                             body: JSON.stringify(body || {})});
let hand = false;

function show(s) {
  (s.steps || []).forEach((st) => {
    const el = document.getElementById(`step-${st.number}`);
    if (!el) return;
    el.classList.toggle("pass", st.passing);
    el.classList.toggle("fail", !st.passing);
    el.querySelector(".mark").textContent = st.passing ? "✓" : `${st.passed}/${st.total}`;
  });
  hand = !!s.hand;
  const hb = document.getElementById("hand");
  hb.textContent = hand ? w("lower hand") : w("raise hand");
  hb.setAttribute("aria-pressed", String(hand));
  document.getElementById("graded").textContent = s.graded_s_ago == null ? w("grading …")
    : w("graded {n} s ago", {n: Math.round(s.graded_s_ago)});
  document.getElementById("hints").replaceChildren(...(s.hints || []).map((h) => {
    const p = document.createElement("p"); p.textContent = w("from the leader: {text}", {text: h.text}); return p; }));
}

new EventSource(q(`/seat/${seat}/events`)).onmessage = (e) => show(JSON.parse(e.data));
document.getElementById("check").addEventListener("click", () => {
  document.getElementById("graded").textContent = w("grading …");
  post(`/seat/${seat}/check`);
});
document.getElementById("hand").addEventListener("click", () => post(`/seat/${seat}/hand`, {up: !hand}));
document.querySelectorAll(".step").forEach((el) => el.querySelectorAll("button[data-level]").forEach((b) =>
  b.addEventListener("click", async () => {
    const pre = el.querySelector(".help");
    pre.hidden = false;
    pre.textContent = "…";
    const r = await post(`/seat/${seat}/help`, {step: el.dataset.step, level: b.dataset.level,
                                                lang: document.documentElement.lang});
    const j = await r.json().catch(() => ({}));
    pre.textContent = j.text || j.detail || `${r.status}`;
  })));

// One terminal per host: xterm.js, fitted to its box; keys as bytes, resizes as JSON text.
document.querySelectorAll(".term").forEach((box) => {
  const term = new Terminal({convertEol: false, fontSize: 14, scrollback: 2000});
  const fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(box);
  fit.fit();
  const proto = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${proto}://${location.host}${q(`/seat/${seat}/term/${box.dataset.host}`)}`);
  ws.binaryType = "arraybuffer";
  const size = () => { if (ws.readyState === 1) ws.send(JSON.stringify({cols: term.cols, rows: term.rows})); };
  ws.onopen = size;
  ws.onmessage = (e) => term.write(new Uint8Array(e.data));
  ws.onclose = (e) => term.write(`\r\n[${w("connection closed")}${e.reason ? ": " + e.reason : ""}]\r\n`);
  const enc = new TextEncoder();
  term.onData((d) => { if (ws.readyState === 1) ws.send(enc.encode(d)); });
  term.onResize(size);  // the shell learns every new size (stty size, full-screen programs)
  new ResizeObserver(() => fit.fit()).observe(box);
  window.terminals = Object.assign(window.terminals || {}, {[box.dataset.host]: term});
});
