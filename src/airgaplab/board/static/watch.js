// The leader watching a member's own terminal: read-only (no keys sent), live until the member's shell ends.
"use strict";
const box = document.querySelector(".term");
const token = document.body.dataset.token;
const term = new Terminal({disableStdin: true, fontSize: 14, scrollback: 5000,
                           fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace, "Noto Sans KR"'});
const fit = new FitAddon.FitAddon();
term.loadAddon(fit);
term.open(box);
fit.fit();
new ResizeObserver(() => fit.fit()).observe(box);
window.terminals = {[box.dataset.host]: term};
const proto = location.protocol === "https:" ? "wss" : "ws";
const ws = new WebSocket(`${proto}://${location.host}/board/seat/${box.dataset.seat}/watch/${box.dataset.host}` +
                         `?t=${encodeURIComponent(token)}`);
ws.binaryType = "arraybuffer";
ws.onmessage = (e) => term.write(new Uint8Array(e.data));
ws.onclose = (e) => term.write(`\r\n[${e.reason || "closed"}]\r\n`);
