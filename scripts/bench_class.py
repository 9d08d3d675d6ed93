#!/usr/bin/env python3
"""The class's figures (printed, never asserted): `make bench`, `scripts/bench_class.py [--seats 20] [--nodes 100]`.

- a room: wall time of `airgaplab class up --seats N` (netns seats, gateway included) against one lab's
  `airgaplab up` (the median of three), and the memory each seat takes (MemAvailable before and after, over N);
- what a seat costs at rest: the machine's CPU busy over 10 s with the room up, over N;
- the board on the room: the CPU its grading takes, and how soon a seat's change shows in its live updates;
- the provisioning behind it at scale: `airgaplab up --nodes 100` against `up` of the 2-node lab, with the CPU
  seconds each took (the machine's, from /proc/stat: where a 2-core machine's time goes).
Each figure with the machine's load average when it was taken (machines here differ up to 3x day to day:
the ratios are what compare).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from airgaplab.backends.journal import machine_cpu_s
from airgaplab.diagnosis import mem_available_mib


def timed(*args: str) -> float:
    t = time.monotonic()
    subprocess.run([sys.executable, "-m", "airgaplab", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"


def one_up(name: str, *args: str) -> tuple[float, float]:
    """Wall and CPU seconds of one `up`."""
    cpu = machine_cpu_s()
    try:
        return timed("up", "--backend", "netns", "--name", name, *args), machine_cpu_s() - cpu
    finally:
        timed("down", "--name", name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seats", type=int, default=20)
    ap.add_argument("--nodes", type=int, default=100)
    a = ap.parse_args()
    # under the checkout, where a class's labs live (.lab), not /tmp
    state = Path(tempfile.mkdtemp(prefix=".bench-class-", dir=ROOT))
    os.environ["AIRGAPLAB_STATE"] = str(state)
    try:
        run(a.seats, a.nodes)
    finally:
        shutil.rmtree(state, ignore_errors=True)


def run(seats: int, nodes: int) -> None:
    ups = sorted(one_up(f"bench-one-{i}") for i in range(3))
    one, one_cpu = ups[1]
    print(f"one lab (2 nodes) up: {one:.1f} s, {one_cpu:.1f} CPU-s (median of 3; {load()})", flush=True)

    before = mem_available_mib() or 0
    try:
        room = timed("class", "up", "--seats", str(seats), "--gateway-port", "2298")
        used = before - (mem_available_mib() or 0)
        print(f"class of {seats} netns seats up: {room:.1f} s = {room / one:.1f}x one lab's up (goal <= 10x); "
              f"{used / seats:.0f} MiB per seat ({load()})", flush=True)
        cpu, t = machine_cpu_s(), time.monotonic()
        time.sleep(10)  # the room at rest: chronyd and named polling in every seat
        rest = (machine_cpu_s() - cpu) / (time.monotonic() - t)
        print(f"the room at rest: {100 * rest:.0f}% of one CPU = {100 * rest / seats:.1f}% per seat", flush=True)
        board(seats)
    finally:
        t = timed("class", "down")
        print(f"class down: {t:.1f} s", flush=True)

    big, big_cpu = one_up("bench-big", "--nodes", str(nodes))
    print(f"lab of {nodes} nodes up: {big:.1f} s, {big_cpu:.1f} CPU-s = {big / one:.1f}x the 2-node lab's up "
          f"(goal <= 5x; {load()})", flush=True)


def board(seats: int) -> None:
    """The board on the room: the CPU its grading takes once every seat is graded, and how long a change of one
    seat (reset to bare: step 1 fails; solved to step 1: it passes) takes to show in its live updates."""
    port = 8097
    proc = subprocess.Popen([sys.executable, "-m", "airgaplab", "class", "board", "--listen", f"127.0.0.1:{port}"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        links = [proc.stdout.readline().split(": ", 1)[1].strip() for _ in range(1 + seats)]
        board, member = links[0], links[2]  # the leader's, seat-02's
        url = board.replace("/board?", "/board/events?")
        latest: dict[str, dict[str, object]] = {}
        mine: dict[str, object] = {}  # seat-02's page, as its member sees it
        changed, told = threading.Event(), threading.Event()

        def listen(url: str, take: Callable[[dict[str, Any]], None]) -> None:
            for _ in range(50):  # until the server answers
                try:
                    stream = urllib.request.urlopen(url, timeout=120)
                    break
                except OSError:
                    time.sleep(0.2)
            for line in stream:
                if line.startswith(b"data: "):
                    take(json.loads(line[6:]))

        def on_board(got: dict[str, Any]) -> None:
            latest.update({x["seat"]: x for x in got["seats"]})
            changed.set()

        def on_member(got: dict[str, Any]) -> None:
            mine.update(got)
            told.set()

        threading.Thread(target=listen, args=(url, on_board), daemon=True).start()
        threading.Thread(target=listen, args=(member.replace("?t=", "/events?t="), on_member), daemon=True).start()
        t0 = time.monotonic()
        while not (len(latest) == seats and all(x.get("graded_at") is not None for x in latest.values())):
            changed.wait(5)
            changed.clear()
        print(f"board: every seat graded once {time.monotonic() - t0:.1f} s after it started", flush=True)
        cpu, t = machine_cpu_s(), time.monotonic()
        time.sleep(30)
        print(f"board on the room at rest: {100 * (machine_cpu_s() - cpu) / (time.monotonic() - t):.0f}% of one CPU "
              f"(its grading, one seat at a time, and the seats' own daemons)", flush=True)
        timed("class", "reset", "seat-02", "bare")
        t = time.monotonic()
        while latest["seat-02"]["step"] != 1:
            changed.wait(5)
            changed.clear()
        print(f"board: seat-02 reset to bare shown {time.monotonic() - t:.1f} s after `class reset` returned "
              f"(goal <= 2 s; {load()})", flush=True)
        timed("class", "solve", "seat-02", "--to", "1")  # returns once admin's chronyd follows its upstream
        t = time.monotonic()
        while latest["seat-02"]["step"] == 1:
            changed.wait(5)
            changed.clear()
        print(f"board: seat-02 solved to step 1 shown {time.monotonic() - t:.1f} s after `class solve` returned "
              f"(goal <= 2 s; {load()})", flush=True)
        # a leader's action from the board: shown on the board and on the member's page
        lead = board.split("?t=", 1)[1]
        base = board.split("/board?", 1)[0]

        def noticed(view: dict[str, Any], needle: str) -> bool:
            return any(needle in str(n["text"]) for n in view.get("notices", []))

        for action, body, needle in (("hint", {"text": "look at allow"}, "look at allow"),
                                     ("solve", {"to": 2}, "the leader solved steps 1–2")):
            req = urllib.request.Request(f"{base}/board/seat/seat-02/{action}?t={lead}", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
            urllib.request.urlopen(req, timeout=600).read()
            t, shown = time.monotonic(), {"board": "not within 30 s", "page": "not within 30 s"}
            while "not" in "".join(shown.values()) and time.monotonic() - t < 30:
                for where, view in (("board", latest["seat-02"]), ("page", mine)):
                    if shown[where].startswith("not") and noticed(view, needle):
                        shown[where] = f"{time.monotonic() - t:.2f} s"
                changed.wait(0.05)
                changed.clear()
            print(f"board: the leader's {action} on seat-02 shown on the board {shown['board']}, on the member's page "
                  f"{shown['page']} after it returned (goal <= 2 s; {load()})", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
