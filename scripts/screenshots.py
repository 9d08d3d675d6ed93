#!/usr/bin/env python3
"""The docs site's pictures of the class in a browser, taken in headless Chromium: `make screenshots` (root).

A class of two bare netns seats and its board, as a leader runs one: seat 2's step 1 solved, a member's page with
`chronyc sources -v` typed into its admin terminal, then the leader's board on a 1366×768 laptop and on a phone
(every seat's name and action in view, nothing scrolled sideways: the script stops if not). Written to
docs/img/board.png, board-phone.png and seat.png; the class is taken down afterwards, whatever happens.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from airgaplab import retry

IMG = ROOT / "docs" / "img"
LAPTOP, PHONE = (1366, 768), (390, 844)
# every seat's name, steps and action menu in view, and nothing wider than the screen (the phone's board leaves its
# wide-only columns out)
IN_VIEW = ("return document.documentElement.scrollWidth <= window.innerWidth + 1 && [...document.querySelectorAll("
           "'#seats tbody tr')].every((tr) => [...tr.querySelectorAll('td.name, td.step-cell, td.act')].every("
           "(c) => c.getBoundingClientRect().right <= window.innerWidth))")
# the admin terminal's text (xterm.js draws it: not the page's text)
BUFFER = ("const t = window.terminals.admin, buf = t.buffer.active, out = [];"
          "for (let i = 0; i < buf.length; i++) out.push(buf.getLine(i).translateToString(true));"
          "const text = out.join('\\n');")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "airgaplab", *args], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"`airgaplab {' '.join(args)}` failed: {(proc.stdout + proc.stderr)[-1500:]}")


def browser() -> webdriver.Chrome:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        sys.exit("Chromium and its driver are missing: `make deps-test` installs them")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--hide-scrollbars"):
        opts.add_argument(arg)
    b = webdriver.Chrome(options=opts, service=Service(executable_path=driver))
    b.set_window_size(*LAPTOP)
    return b


def shown(b: webdriver.Chrome, script: str, timeout: float) -> None:
    if not retry.until(lambda: bool(b.execute_script(script)), timeout=timeout):
        sys.exit(f"the page never showed what the picture needs ({script})")


def main() -> None:
    if os.geteuid() != 0:
        sys.exit("run it as root: the class's seats are netns labs")
    IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        os.environ["AIRGAPLAB_STATE"] = str(Path(tmp) / "state")
        board = None
        try:
            print("a class of two bare seats …", flush=True)
            cli("class", "up", "--seats", "2", "--bare", "--gateway-port", str(free_port()))
            cli("class", "solve", "seat-02", "--to", "1")
            port = free_port()
            board = subprocess.Popen([sys.executable, "-m", "airgaplab", "class", "board", "--listen",
                                      f"127.0.0.1:{port}"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, cwd=ROOT)
            assert board.stdout is not None
            lines = [board.stdout.readline() for _ in range(3)]
            links = {m[1]: m[2] for line in lines if (m := re.search(r"(board|seat-\d\d)[^:]*: (http://\S+)", line))}
            b = browser()
            try:
                b.get(links["seat-02"])
                shown(b, "return !!(window.terminals && window.terminals.admin)", 30)
                shown(b, f"{BUFFER} return text.includes('[root@admin')", 30)
                b.find_element(By.CSS_SELECTOR, "#term-admin .xterm-helper-textarea").send_keys("chronyc sources -v\n")
                shown(b, f"{BUFFER} return text.includes('^*')", 90)
                shown(b, "return !document.body.innerText.includes('grading') && "
                         "document.body.innerText.includes('✓')", 120)  # the steps graded: step 1 solved
                b.save_screenshot(str(IMG / "seat.png"))
                b.get(links["board"])
                shown(b, "return document.body.innerText.includes('seat-02')", 60)
                shown(b, "return [...document.querySelectorAll('td.step-cell')].some(td => td.innerText.includes('✓'))",
                      120)
                for size, name in ((LAPTOP, "board.png"), (PHONE, "board-phone.png")):
                    b.set_window_size(*size)
                    shown(b, IN_VIEW, 10)
                    b.save_screenshot(str(IMG / name))
            finally:
                b.quit()
        finally:
            if board is not None:
                board.terminate()
                board.wait(timeout=30)
            subprocess.run([sys.executable, "-m", "airgaplab", "class", "down"], cwd=ROOT, capture_output=True)
    print(f"written: {IMG / 'board.png'}, {IMG / 'board-phone.png'}, {IMG / 'seat.png'}")


if __name__ == "__main__":
    main()
