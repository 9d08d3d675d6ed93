"""The class in a browser, in a real one: the distribution's Chromium, headless, driven by selenium (its driver
from the distribution too: nothing downloaded at test time). A class of two bare netns seats and
`airgaplab class board`; a member types into seat 2's admin terminal and reads chrony's answer; the leader's
board shows seat 2's step 1 passing after `class solve seat-02 --to 1`; seat 1's token opens nothing of seat 2;
the pages at a laptop's and a phone's viewport, the terminal at 80 and 200 columns. Screenshots are kept in
build/board/ (the report's evidence of what the pages look like)."""

from __future__ import annotations

import contextlib
import json
import re
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from airgaplab import retry
from tests.helpers import cli
from tests.lab.browser import (
    LAPTOP,
    PHONE,
    SHOTS,
    WIDE,
    _status,
    board_cell,
    no_sideways_scroll,
    terminal_text,
    token,
    typed_until,
)


def test_the_class_in_a_browser(room: dict[str, str], browser: WebDriver) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    b = browser

    # a member's page opens with its token; chrony's answer read back from seat 2's admin terminal
    b.get(room["seat-02"])
    assert b.find_element(By.TAG_NAME, "h1").text == "seat-02"
    assert retry.until(lambda: "[root@admin" in terminal_text(b, "admin"), timeout=30), terminal_text(b, "admin")
    text = typed_until(b, "admin", "chronyc sources -v", "^*", timeout=90)
    assert re.search(r"^\^\* \S+", text, re.M), text
    b.save_screenshot(str(SHOTS / "seat-laptop.png"))
    # the terminal fits its box and the shell follows: 80 columns and more on a laptop, 200 on a wide screen
    for (width, height), fewest in ((LAPTOP, 80), (WIDE, 200)):
        b.set_window_size(width, height)
        assert retry.until(lambda: int(b.execute_script("return window.terminals.admin.cols")) >= fewest,  # noqa: B023
                           timeout=10), b.execute_script("return window.terminals.admin.cols")
        cols, rows = b.execute_script("const t = window.terminals.admin; return [t.cols, t.rows]")
        typed_until(b, "admin", "stty size", f"{rows} {cols}", timeout=30)
    b.save_screenshot(str(SHOTS / "seat-wide.png"))
    b.set_window_size(*LAPTOP)

    # the leader's board: seat 2's step 1 failing on a bare seat, passing once solved
    b.get(room["board"])
    assert retry.until(lambda: "/" in board_cell(b, "seat-02", 1), timeout=120), b.page_source[-2000:]
    solved = cli("class", "solve", "seat-02", "--to", "1", timeout=600)
    # `class solve` returns once the clock it set up follows its upstream: the step passes from then on
    assert solved.returncode == 0 and "the clocks in sync" in solved.stdout, solved.stdout + solved.stderr
    t0 = time.monotonic()
    assert retry.until(lambda: "✓" in board_cell(b, "seat-02", 1), timeout=60), board_cell(b, "seat-02", 1)
    print(f"board: seat-02's step 1 shown passing {time.monotonic() - t0:.1f} s after `class solve` returned")
    assert "/" in board_cell(b, "seat-01", 1)  # the other seat as it was
    b.save_screenshot(str(SHOTS / "board-laptop.png"))

    # at a phone's viewport: nothing wider than the screen but the board's own table (it scrolls in its box)
    b.set_window_size(*PHONE)
    b.get(room["seat-02"])
    assert retry.until(lambda: "[root@admin" in terminal_text(b, "admin"), timeout=30)
    assert retry.until(lambda: no_sideways_scroll(b), timeout=10), b.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")
    b.save_screenshot(str(SHOTS / "seat-phone.png"))
    b.get(room["board"])
    assert retry.until(lambda: "✓" in board_cell(b, "seat-02", 1), timeout=60)
    assert retry.until(lambda: no_sideways_scroll(b), timeout=10), b.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")
    b.save_screenshot(str(SHOTS / "board-phone.png"))

    # seat 1's token opens nothing of seat 2: its page, its live updates, its actions, its terminals
    mine = token(room["seat-01"])
    base = room["base"]
    assert _status(f"{base}/seat/seat-01?t={mine}") == 200
    assert _status(f"{base}/seat/seat-02?t={mine}") == 403
    assert _status(f"{base}/seat/seat-02/events?t={mine}") == 403
    assert _status(f"{base}/seat/seat-02/check?t={mine}", "POST") == 403
    assert _status(f"{base}/board?t={mine}") == 403
    assert _status(f"{base}/board/seat/seat-02/solve?t={mine}", "POST") == 403
    ws_base = base.replace("http://", "ws://")
    with pytest.raises(InvalidStatus) as refused:  # the handshake itself is refused
        connect(f"{ws_base}/seat/seat-02/term/admin?t={mine}")
    assert refused.value.response.status_code == 403
    # and its own terminal opens
    with connect(f"{ws_base}/seat/seat-01/term/admin?t={mine}") as ws:
        ws.send(json.dumps({"cols": 80, "rows": 24}))
        ws.send(b"hostname\n")
        got: list[bytes] = []

        def answered() -> bool:
            with contextlib.suppress(TimeoutError):
                got.append(bytes(ws.recv(timeout=1)))  # type: ignore[arg-type]
            return b"admin\r\n" in b"".join(got)  # the output line (the prompt has "admin ~]")

        assert retry.until(answered, timeout=30), b"".join(got)
