// The leader's board: the class live (server-sent events), an action per seat and for the room.
"use strict";
const token = document.body.dataset.token;
const q = (path) => `${path}${path.includes("?") ? "&" : "?"}t=${encodeURIComponent(token)}`;
const said = document.getElementById("said");

async function post(path, body) {
  said.textContent = "…";
  const r = await fetch(q(path), {method: "POST", headers: {"Content-Type": "application/json"},
                                  body: JSON.stringify(body || {})});
  const text = await r.text();
  try { const j = JSON.parse(text); said.textContent = [].concat(j.said || j.detail || "").join("\n"); }
  catch (e) { said.textContent = text; }
}

function minutes(s) { return s < 60 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`; }

function row(seat) {
  const tr = document.createElement("tr");
  tr.id = `seat-${seat.seat}`;
  tr.className = seat.hand ? "hand" : "";
  const cell = (text, cls) => { const td = document.createElement("td"); td.textContent = text;
                                if (cls) td.className = cls; tr.appendChild(td); return td; };
  cell(seat.seat);
  cell(seat.error ? `${seat.state}: ${seat.error}` : seat.state);
  const steps = seat.steps || [];
  for (let i = 0; i < window.STEPS; i++) {
    const s = steps[i];
    if (!s) { cell("…"); continue; }
    const td = cell(s.passing ? "✓ pass" : `${s.passed}/${s.total}`, s.passing ? "pass" : "fail");
    td.dataset.step = s.number;
  }
  cell(seat.step > window.STEPS ? "done" : `${seat.step}: ${minutes(seat.on_step_s || 0)}`);
  cell(seat.hand ? "✋" : "");
  cell((seat.help || []).map((h) => `${h.step}:${h.level}`).join(" "));
  cell(seat.drill ? `${seat.drill} (${seat.drill_state})` : "");
  const acts = cell("", "actions");
  acts.appendChild(document.getElementById("actions").content.cloneNode(true));
  acts.querySelectorAll("button[data-act]").forEach((b) => b.addEventListener("click", () => {
    const act = b.dataset.act, base = `/board/seat/${seat.seat}/${act}`;
    if (act === "solve") post(base, {to: acts.querySelector(".solve-to").value});
    else if (act === "reset") post(base, {state: acts.querySelector(".state").value});
    else if (act === "drill") post(base, {name: acts.querySelector(".drill").value});
    else { const text = prompt(`hint for ${seat.seat}`); if (text) post(base, {text}); }
  }));
  return tr;
}

function room(seats) {
  const on = {};
  seats.filter((s) => s.state === "up" && s.step <= window.STEPS)
       .forEach((s) => { (on[s.step] = on[s.step] || []).push(s.on_step_s || 0); });
  const stuck = Object.entries(on).sort((a, b) => Math.max(...b[1]) * b[1].length - Math.max(...a[1]) * a[1].length)[0];
  const hands = seats.filter((s) => s.hand).map((s) => s.seat);
  document.getElementById("room").textContent =
    (stuck ? `the room is stuck on step ${stuck[0]}: ${stuck[1].length} seat(s), the longest ${minutes(Math.max(...stuck[1]))}`
           : "every seat is done") + (hands.length ? ` — hands up: ${hands.join(", ")}` : "");
}

const body = document.querySelector("#seats tbody");
const events = new EventSource(q("/board/events"));
events.onmessage = (e) => {
  const seats = JSON.parse(e.data).seats;
  const focused = document.activeElement && document.activeElement.closest("tr");
  seats.forEach((s) => {
    const old = document.getElementById(`seat-${s.seat}`);
    if (old && old === focused) return;  // do not pull a select from under the leader's hand
    const fresh = row(s);
    if (old) old.replaceWith(fresh); else body.appendChild(fresh);
  });
  room(seats);
};
document.querySelectorAll("button[data-room]").forEach((b) => b.addEventListener("click", () => {
  if (b.dataset.room !== "reset-all" || confirm("reset every seat to its saved state?")) post(`/board/room/${b.dataset.room}`);
}));
