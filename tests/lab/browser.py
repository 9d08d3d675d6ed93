"""The class in a real browser, for the board's tests: the distribution's Chromium, headless, driven by selenium (its
driver from the distribution too: nothing downloaded at test time); a class of two bare netns seats and its board
(`room`); what the tests read of the pages."""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from airgaplab import retry
from tests.helpers import ROOT, cli

SHOTS = ROOT / "build" / "board"
LAPTOP, PHONE, WIDE = (1366, 900), (390, 844), (2800, 1200)


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "Chromium and its driver are missing: `make deps-test` installs them"
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"):
        opts.add_argument(arg)
    b = webdriver.Chrome(options=opts, service=Service(executable_path=driver))
    b.set_window_size(*LAPTOP)
    try:
        yield b
    finally:
        b.quit()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def board_served() -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`airgaplab class board` on a free loopback port, answering: the process (its links on stdout) and its base
    URL; stopped afterwards, whatever happens."""
    port = free_port()
    board = subprocess.Popen([sys.executable, "-m", "airgaplab", "class", "board", "--listen", f"127.0.0.1:{port}"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        assert retry.until(lambda: _status(f"{base}/") != 0, timeout=30), "the board never answered"
        yield board, base
    finally:
        board.terminate()
        board.wait(timeout=30)


@pytest.fixture
def room(state_root: Path, one_class_at_a_time: None) -> Iterator[dict[str, str]]:
    """Two bare seats and the board: its links by name ("board", "seat-01", "seat-02", "projector"), and its base
    URL."""
    up = cli("class", "up", "--seats", "2", "--bare", "--gateway-port", str(free_port()), timeout=600)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        with board_served() as (board, base):
            assert board.stdout is not None
            lines = [board.stdout.readline() for _ in range(4)]
            links = {m[1]: m[2] for line in lines
                     if (m := re.search(r"(board|seat-\d\d|projector)[^:]*: (http://\S+)", line))}
            assert set(links) == {"board", "seat-01", "seat-02", "projector"}, lines
            yield {**links, "base": base}
    finally:
        down = cli("class", "down", timeout=600)
        assert down.returncode == 0, down.stdout + down.stderr


def _status(url: str, method: str = "GET") -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method, data=b"{}" if method == "POST" else None,
                                                           headers={"Content-Type": "application/json"}), timeout=30) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return e.code
    except urllib.error.URLError:  # nothing listens (yet)
        return 0


def token(url: str) -> str:
    return url.split("?t=", 1)[1]


def terminal_text(b: WebDriver, host: str) -> str:
    return str(b.execute_script(
        "const t = window.terminals && window.terminals[arguments[0]]; if (!t) return '';"
        "const buf = t.buffer.active, out = [];"
        "for (let i = 0; i < buf.length; i++) out.push(buf.getLine(i).translateToString(true));"
        "return out.join('\\n');", host))


def type_into(b: WebDriver, host: str, line: str) -> None:
    b.find_element(By.CSS_SELECTOR, f"#term-{host} .xterm-helper-textarea").send_keys(line + "\n")


def typed_until(b: WebDriver, host: str, line: str, seen: str, timeout: float) -> str:
    """Type `line` (again every few seconds) until the terminal shows `seen`; the terminal's text."""
    def shown() -> bool:
        type_into(b, host, line)
        return bool(retry.until(lambda: seen in terminal_text(b, host), timeout=4))

    assert retry.until(shown, timeout=timeout, interval=0.5), f"{seen!r} never shown:\n{terminal_text(b, host)}"
    return terminal_text(b, host)


def board_cell(b: WebDriver, seat: str, step: int) -> str:
    """The cell's text, read in one script: the board redraws its rows on every update, so an element found in
    one call may be gone by the next."""
    return str(b.execute_script("const c = document.querySelector(arguments[0]); return c ? c.innerText : '';",
                                f"#seat-{seat} td[data-step='{step}']"))


def no_sideways_scroll(b: WebDriver) -> bool:
    return bool(b.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"))
