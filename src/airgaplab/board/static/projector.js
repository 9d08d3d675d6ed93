// The room's screen: every seat's steps as large marks, the room's timer; read-only, live (server-sent events).
"use strict";
const token = document.body.dataset.token;
const tick = () => showTimer(document.getElementById("timer"), plain);

function card(s) {
  const div = document.createElement("div");
  div.className = "card" + (s.hand ? " hand" : "");
  div.id = `card-${s.seat}`;
  const h = document.createElement("h2");
  h.textContent = s.seat;
  if (s.hand) h.insertAdjacentHTML("beforeend", ' <svg class="icon" aria-label="hand raised" role="img"><use href="#hand-icon"/></svg>');
  const marks = document.createElement("p");
  marks.className = "marks";
  for (let i = 0; i < window.STEPS; i++) {
    const st = (s.steps || [])[i], m = document.createElement("span");
    m.className = "mark" + (st ? (st.passing ? " pass" : " fail") : "");
    m.textContent = st ? (st.passing ? "✓" : String(i + 1)) : "…";
    marks.appendChild(m);
  }
  div.append(h, marks);
  return div;
}

new EventSource(`/projector/events?t=${encodeURIComponent(token)}`).onmessage = (e) => {
  const got = JSON.parse(e.data);
  heardRoom(got.room);
  document.getElementById("seats").replaceChildren(...got.seats.map(card));
  const done = got.seats.filter((s) => s.step > window.STEPS).length;
  const on = {};
  got.seats.filter((s) => s.state === "up" && s.step <= window.STEPS).forEach((s) => { on[s.step] = (on[s.step] || 0) + 1; });
  document.getElementById("summary").textContent = `${done} of ${got.seats.length} seats done` +
    Object.entries(on).map(([n, c]) => ` · step ${n}: ${c}`).join("");
  tick();
};
setInterval(tick, 1000);
