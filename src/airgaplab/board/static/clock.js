// What every page of the class shares: the server's clock (ages and timers count against it, not the browser's) and
// the room's timer, counted down.
"use strict";
const roomClock = {offset: 0, timer: null};  // the server's clock minus this browser's (s); the timer: {ends, label}
const serverNow = () => Date.now() / 1000 + roomClock.offset;
const mmss = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

function heardRoom(room) {  // each live update's `room`: the server's time now, and the timer
  if (!room) return;
  roomClock.offset = room.now - Date.now() / 1000;
  roomClock.timer = room.timer;
}

function showTimer(el, say) {  // `say(key, args)`: the page's own words
  const t = roomClock.timer;
  el.hidden = !t;
  if (!t) return;
  const left = t.ends - serverNow();
  el.textContent = left > 0 ? say("{time} left: {label}", {time: mmss(left), label: t.label})
    : say("time is up: {label}", {label: t.label});
  el.classList.toggle("up", left <= 0);
}

const plain = (key, args) => Object.entries(args || {}).reduce((s, [k, v]) => s.replace(`{${k}}`, v), key);
