// The leader's board: the class live (server-sent events). Each seat's row is made once and its cells changed in
// place on every update, so a menu the leader has open or focused keeps its value and the row still moves. One
// action menu per row offers only what will work on that seat; times count up in the page.
"use strict";
const token = document.body.dataset.token;
const q = (path) => `${path}${path.includes("?") ? "&" : "?"}t=${encodeURIComponent(token)}`;
const said = document.getElementById("said");
const now = serverNow;  // clock.js

function ago(since) {
  const s = Math.max(0, now() - since);
  return s < 60 ? `${Math.floor(s)} s` : s < 3600 ? `${Math.floor(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
}

async function post(path, body, where) {
  const out = where || said;
  out.textContent = "…";
  const r = await fetch(q(path), {method: "POST", headers: {"Content-Type": "application/json"},
                                  body: JSON.stringify(body || {})});
  const text = await r.text();
  let shown = text;
  try { const j = JSON.parse(text); shown = [].concat(j.said || j.detail || "").join("\n"); } catch (e) { /* text */ }
  out.textContent = shown;
  out.title = shown;
  out.classList.toggle("error", !r.ok);
}

// --- a seat's row: made once, changed in place -------------------------------------------------
function made(seat) {
  const tr = document.createElement("tr");
  tr.id = `seat-${seat.seat}`;
  const td = (cls) => { const c = document.createElement("td"); if (cls) c.className = cls; tr.appendChild(c); return c; };
  td("seat-col name");
  for (let i = 1; i <= window.STEPS; i++) td("step-cell").dataset.step = i;
  td("on-step");
  td("hand-cell");
  td("drill wide-only");
  const act = td("act");
  const menu = document.createElement("select");
  menu.className = "action";
  menu.setAttribute("aria-label", `action on ${seat.seat}`);
  const go = document.createElement("button");
  go.textContent = "do";
  go.className = "go";
  act.append(menu, go);
  const out = document.createElement("div");  // the action's result, beside its row
  out.className = "clip";
  out.setAttribute("role", "status");
  td("row-said wide-only").appendChild(out);
  td("help wide-only").appendChild(document.createElement("div")).className = "clip";
  go.addEventListener("click", () => act_on(seat.seat, menu.value, out.isConnected && getComputedStyle(out).display !== "none" ? out : said));
  return tr;
}

function options(seat) {
  // [value, label, disabled] — only what will work on this seat now
  const opts = [["", "choose…", false]];
  for (let n = 1; n <= window.STEPS; n++) opts.push([`solve:${n}`, `solve steps 1–${n}`, false]);
  (seat.states || []).forEach((st) => opts.push([`reset:${st}`, `reset to ${st}`, false]));
  if (seat.state === "up" && seat.step > window.STEPS) window.DRILLS.forEach((d) => opts.push([`drill:${d}`, `drill: ${d}`, false]));
  else opts.push(["", `drills: once steps 1–${window.STEPS} pass (solve 1–${window.STEPS} first)`, true]);
  opts.push(["hint", "send a hint…", false]);
  if (seat.hand) opts.push(["lower-hand", "lower the hand", false]);
  opts.push(seat.helping ? ["helping:off", "done helping", false] : ["helping:on", "mark: helping now", false]);
  window.HOSTS.forEach((h) => opts.push([`watch:${h}`, `watch the member's ${h} terminal`, false]));
  return opts;
}

function fill(menu, opts) {
  const key = JSON.stringify(opts);
  if (menu.dataset.key === key) return;  // unchanged: the leader's choice stays as it is
  const chosen = menu.value;
  menu.replaceChildren(...opts.map(([v, label, off]) => {
    const o = document.createElement("option"); o.value = v; o.textContent = label; o.disabled = off; return o; }));
  menu.dataset.key = key;
  if (opts.some(([v, , off]) => v === chosen && !off)) menu.value = chosen;
}

function update(tr, seat) {
  tr.classList.toggle("hand", !!seat.hand);
  tr.classList.toggle("helping", !!seat.helping);
  const cells = tr.children;
  const name = cells[0];
  name.textContent = seat.seat;
  if (seat.state !== "up") {
    const b = document.createElement("small");
    b.className = "state";
    b.textContent = seat.error ? ` ${seat.state}: ${seat.error}` : ` ${seat.state}`;
    name.appendChild(b);
  }
  const steps = seat.steps || [];
  for (let i = 0; i < window.STEPS; i++) {
    const c = cells[1 + i], s = steps[i];
    c.className = "step-cell" + (s ? (s.passing ? " pass" : " fail") : "");
    c.textContent = !s ? "…" : s.passing ? "✓" : `${s.passed}/${s.total}`;
    const by = (seat.solved_by || {})[String(i + 1)];
    c.title = s ? `${s.number} ${s.name}: ${s.passed}/${s.total} checks` + (by && by !== "start" ? ` — solved by the ${by}` : "") : "";
    if (by === "leader") c.textContent += "·L";
  }
  const on = cells[1 + window.STEPS];
  const done = seat.step > window.STEPS;
  on.dataset.n = done ? "" : seat.step;
  on.dataset.since = done || !seat.step_since ? "" : seat.step_since;
  on.textContent = done ? "done" : `${seat.step}`;
  const hand = cells[2 + window.STEPS];
  hand.replaceChildren();
  if (seat.hand) {
    hand.insertAdjacentHTML("beforeend", '<svg class="icon" aria-label="hand raised" role="img"><use href="#hand-icon"/></svg> ');
    const age = document.createElement("span"); age.dataset.since = seat.hand; hand.appendChild(age);
  }
  if (seat.helping) { const h = document.createElement("small"); h.textContent = " helping"; hand.appendChild(h); }
  cells[3 + window.STEPS].textContent = seat.drill ? `${seat.drill} (${seat.drill_state})` : "";
  fill(cells[4 + window.STEPS].querySelector("select"), options(seat));
  const help = seat.help || [];
  const last = help[help.length - 1];
  const cell = cells[6 + window.STEPS].firstChild;
  cell.replaceChildren();
  if (last) {
    cell.textContent = `step ${last.step}: ${last.level}${help.length > 1 ? ` (+${help.length - 1})` : ""}, `;
    const age = document.createElement("span"); age.dataset.since = last.at; cell.appendChild(age);
    cell.parentElement.classList.toggle("solution", help.some((h) => h.level === "solution"));
    cell.title = help.map((h) => `step ${h.step}: ${h.level}`).join("\n");
  }
  tick(tr);
}

function act_on(seat, value, out) {
  const [act, arg] = value.split(":");
  const base = `/board/seat/${seat}`;
  if (!act) { out.textContent = "choose an action in the menu first"; return; }
  if (act === "solve" && confirm(`Solve steps 1–${arg} on ${seat}? The reference solution replaces the member's own files of those steps.`))
    post(`${base}/solve`, {to: arg}, out);
  else if (act === "reset" && confirm(`Reset ${seat} to ${arg}? Every host restarts; the member's work since then is gone.`))
    post(`${base}/reset`, {state: arg}, out);
  else if (act === "drill" && confirm(`Start the drill ${arg} on ${seat}? It breaks something of the member's lab.`))
    post(`${base}/drill`, {name: arg}, out);
  else if (act === "hint") { const text = prompt(`a hint for ${seat}`); if (text) post(`${base}/hint`, {text}, out); }
  else if (act === "lower-hand") post(`${base}/hand`, {}, out);
  else if (act === "helping") post(`${base}/helping`, {on: arg === "on"}, out);
  else if (act === "watch") window.open(q(`/board/watch/${seat}/${arg}`), `watch-${seat}-${arg}`);
}

// --- the room ----------------------------------------------------------------------------------------
function room(seats) {
  const on = {};
  seats.filter((s) => s.state === "up" && s.step <= window.STEPS)
       .forEach((s) => { (on[s.step] = on[s.step] || []).push(s.step_since || now()); });
  const stuck = Object.entries(on).sort((a, b) => b[1].length - a[1].length)[0];
  const hands = seats.filter((s) => s.hand).map((s) => s.seat);
  const el = document.getElementById("room");
  el.replaceChildren();
  if (!stuck) { el.textContent = "every seat is done"; }
  else {
    el.textContent = `most seats are on step ${stuck[0]}: ${stuck[1].length} of ${seats.length}, the longest for `;
    const age = document.createElement("span"); age.dataset.since = Math.min(...stuck[1]); el.appendChild(age);
  }
  if (hands.length) el.append(` — hands up: ${hands.join(", ")}`);
}

function story(events) {
  document.getElementById("story").replaceChildren(...events.map((e) => {
    const li = document.createElement("li");
    li.className = `who-${e.who} what-${e.what}`;
    const age = document.createElement("span"); age.className = "at"; age.dataset.since = e.at;
    li.append(age, ` ${e.seat || "room"} · ${e.who}: ${e.text}`);
    return li;
  }));
}

function tick(root) {
  if (!root) showTimer(document.getElementById("timer"), plain);
  (root || document).querySelectorAll("[data-since]").forEach((el) => {
    if (!el.dataset.since) return;
    const text = ago(Number(el.dataset.since));
    el.textContent = el.classList.contains("at") ? `${text} ago` : el.dataset.n ? `${el.dataset.n}: ${text}` : text;
  });
}

const body = document.querySelector("#seats tbody");
const events = new EventSource(q("/board/events"));
events.onmessage = (e) => {
  const got = JSON.parse(e.data);
  heardRoom(got.room);
  got.seats.forEach((s) => {
    let tr = document.getElementById(`seat-${s.seat}`);
    if (!tr) { tr = made(s); body.appendChild(tr); }
    update(tr, s);
  });
  [...body.children].forEach((tr) => { if (!got.seats.some((s) => `seat-${s.seat}` === tr.id)) tr.remove(); });
  room(got.seats);
  story(got.story || []);
  tick();
};
setInterval(() => tick(), 1000);
document.querySelectorAll("button[data-room]").forEach((b) => b.addEventListener("click", () => {
  const act = b.dataset.room;
  if (act === "message") { const text = prompt("a message to every seat"); if (text) post("/board/room/message", {text}); }
  else if (act === "timer") {
    const minutes = prompt("a timer for the room, in minutes (0 stops it)", "10");
    if (minutes !== null) post("/board/room/timer", {minutes: Number(minutes), label: prompt("for what?", "this step") || ""});
  }
  else if (act === "reset-all") { if (confirm("Reset every seat to its saved state? Each member's work since then is gone.")) post("/board/room/reset-all"); }
  else if (confirm("Start the next step? The step most seats are on is solved on every seat not past it (their own files of it replaced).")) post(`/board/room/${act}`);
}));
