"""A leader runs a session from the board, and a member follows it on their page — in the distribution's headless
Chromium, on a class of two bare netns seats (tests/lab/test_board.py's room and browser). Each part is one of the
problems a leader met on the board before: a row that froze after an action, a board wider than a laptop, actions
offered that could not work, a member not told what the leader did, times that misled, no story of the session,
glyphs the machine had no font for."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import time
import urllib.request
from typing import Any

from selenium.webdriver.common.alert import Alert
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.select import Select
from websockets.sync.client import connect

from airgaplab import retry
from tests.lab.browser import PHONE, SHOTS, _status, board_cell, terminal_text, token

LAPTOP = (1366, 768)


def js(b: WebDriver, script: str, *args: Any) -> Any:
    return b.execute_script(script, *args)


def post(url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    req = urllib.request.Request(url, method="POST", data=json.dumps(body or {}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        got: dict[str, Any] = json.loads(r.read())
    return got


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as r:
        return str(r.read().decode())


def row(b: WebDriver, seat: str) -> dict[str, Any]:
    """A board row as it is now, read in one script."""
    got: dict[str, Any] = js(b, """
        const tr = document.getElementById('seat-' + arguments[0]);
        if (!tr) return {};
        const r = tr.getBoundingClientRect(), sel = tr.querySelector('select.action');
        return {hand: tr.classList.contains('hand'), height: r.height, text: tr.innerText,
                menu: sel ? [...sel.options].map((o) => [o.value, o.textContent, o.disabled]) : [],
                chosen: sel ? sel.value : null, right: Math.max(...[...tr.children].filter(
                    (c) => getComputedStyle(c).display !== 'none').map((c) => c.getBoundingClientRect().right))};""",
                             seat)
    return got


def graded(b: WebDriver, seat: str) -> bool:
    return "/" in board_cell(b, seat, 1) or "✓" in board_cell(b, seat, 1)


def choose(b: WebDriver, seat: str, value: str, *, confirm: bool = True) -> None:
    """The leader picks `value` in the seat's action menu and presses its button (accepting the confirmation)."""
    tr = b.find_element(By.ID, f"seat-{seat}")
    Select(tr.find_element(By.CSS_SELECTOR, "select.action")).select_by_value(value)
    tr.find_element(By.CSS_SELECTOR, "button.go").click()
    if confirm:
        assert retry.until(lambda: _alert(b), timeout=5), "no confirmation was asked"
        Alert(b).accept()


def _alert(b: WebDriver) -> bool:
    try:
        Alert(b).text  # noqa: B018
        return True
    except Exception:  # no alert open (yet)
        return False


def test_a_leader_runs_the_session_from_the_board(room: dict[str, str], browser: WebDriver) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    b, base = browser, room["base"]
    lead = token(room["board"])
    seat2 = token(room["seat-02"])
    b.set_window_size(*LAPTOP)
    b.get(room["board"])
    assert retry.until(lambda: graded(b, "seat-01") and graded(b, "seat-02"), timeout=120), b.page_source[-2000:]

    # 1. a row never freezes: the leader's focused menu keeps its choice, and the row still changes under it
    tr = b.find_element(By.ID, "seat-seat-02")
    Select(tr.find_element(By.CSS_SELECTOR, "select.action")).select_by_value("hint")
    tr.find_element(By.CSS_SELECTOR, "select.action").click()  # focus stays in the row, as after a leader's action
    assert js(b, "return document.activeElement.closest('tr') && document.activeElement.closest('tr').id") == \
        "seat-seat-02"
    post(f"{base}/seat/seat-02/hand?t={seat2}", {"up": True})  # the member raises a hand meanwhile
    t0 = time.monotonic()
    assert retry.until(lambda: row(b, "seat-02").get("hand"), timeout=10), row(b, "seat-02")
    print(f"board: a raised hand shown on a focused row {time.monotonic() - t0:.2f} s after it was raised")
    assert row(b, "seat-02")["chosen"] == "hint"  # the leader's choice is not pulled from under the hand

    # 2. the board fits a 1366×768 laptop: one line a row, every seat's name and action in view, no sideways scroll
    for seat in ("seat-01", "seat-02"):
        r = row(b, seat)
        assert r["height"] <= 48, f"{seat}'s row is {r['height']:.0f} px high: {r['text']!r}"
        assert r["right"] <= LAPTOP[0], f"{seat}'s row reaches {r['right']:.0f} px, past the screen"
    assert js(b, "return document.documentElement.scrollWidth <= window.innerWidth + 1")
    b.save_screenshot(str(SHOTS / "board-1366x768.png"))

    # 3. only what will work: a bare class resets to `bare` only; drills once steps 1-4 pass ("solve 1-4 first")
    menu = row(b, "seat-01")["menu"]
    resets = [v for v, _, _ in menu if v.startswith("reset:")]
    assert resets == ["reset:bare"], menu
    assert not [v for v, _, off in menu if v.startswith("drill:") and not off], menu
    assert any(off and "solve 1–4 first" in label for _, label, off in menu), menu

    # the leader lowers the hand and marks the seat as being helped: the member's page and the board say so
    choose(b, "seat-02", "lower-hand", confirm=False)
    assert retry.until(lambda: not row(b, "seat-02").get("hand"), timeout=10), row(b, "seat-02")
    choose(b, "seat-02", "helping:on", confirm=False)
    assert retry.until(lambda: "helping" in row(b, "seat-02")["text"], timeout=10), row(b, "seat-02")

    # a message to the room, and a step solved by the leader (after a confirmation: it replaces the member's files)
    b.find_element(By.CSS_SELECTOR, "button[data-room='message']").click()
    assert retry.until(lambda: _alert(b), timeout=5)
    Alert(b).send_keys("break in 5 minutes")
    Alert(b).accept()
    choose(b, "seat-01", "solve:1")
    assert retry.until(lambda: "✓" in board_cell(b, "seat-01", 1), timeout=240), board_cell(b, "seat-01", 1)
    said = b.find_element(By.CSS_SELECTOR, "#seat-seat-01 td.row-said").text
    assert "seat-01: steps 1–1 solved" in said, said  # the action's result beside its row

    # 6. the story of the session: on the board, and as CSV and JSON; class.csv says who solved each step
    def story() -> str:
        return str(b.find_element(By.ID, "story").text)

    assert retry.until(lambda: "step 1 ntp-server passed (solved by the leader)" in story(), timeout=30), story()
    for line in ("raised a hand", "the leader lowered the hand", "helping", "to the room: break in 5 minutes",
                 "the leader solved steps 1–1"):
        assert line in story(), (line, story())
    events = json.loads(get(f"{base}/board/story.json?t={lead}"))
    assert {(e["seat"], e["who"], e["what"]) for e in events} >= {
        ("seat-02", "member", "hand"), ("seat-02", "leader", "hand"), ("", "leader", "message"),
        ("seat-01", "leader", "solve"), ("seat-01", "leader", "passed")}
    assert all(e["at"] > 0 for e in events)
    rows = list(csv.DictReader(io.StringIO(get(f"{base}/board/story.csv?t={lead}"))))
    assert len(rows) == len(events) and rows[0].keys() >= {"at", "seat", "who", "what", "text"}
    seats = {r["seat"]: r for r in csv.DictReader(io.StringIO(get(f"{base}/board/class.csv?t={lead}")))}
    assert seats["seat-01"]["step 1 solved by"] == "leader" and seats["seat-02"]["step 1 solved by"] == "", seats

    # 7. the hand is an icon the page ships, not a glyph a machine may lack
    post(f"{base}/seat/seat-02/hand?t={seat2}", {"up": True})
    assert retry.until(lambda: row(b, "seat-02").get("hand"), timeout=10)
    assert js(b, "return !!document.querySelector('#seat-seat-02 svg.icon use')")
    assert "✋" not in b.find_element(By.TAG_NAME, "body").text

    # 5. times count up in the page, without a new grade: how long the hand has been up, the time on the step
    def hand_age() -> int:
        return int(b.find_element(By.CSS_SELECTOR, "#seat-seat-02 td.hand-cell span").text.split()[0])

    first = hand_age()
    assert retry.until(lambda: hand_age() >= first + 2, timeout=6), (first, hand_age())
    assert b.find_element(By.CSS_SELECTOR, "#seat-seat-02 td.on-step").text.startswith("1: ")

    # 8. the leader watches a member's own terminal, read-only: what the member's shell prints, nothing typed back
    ws_base = base.replace("http://", "ws://")
    with connect(f"{ws_base}/seat/seat-02/term/admin?t={seat2}") as member:
        member.send(json.dumps({"cols": 100, "rows": 30}))
        member.send(b"echo before-$((6*7))\n")
        heard: list[bytes] = []

        def member_sees(text: bytes) -> bool:
            with contextlib.suppress(TimeoutError):
                heard.append(bytes(member.recv(timeout=1)))  # type: ignore[arg-type]
            return text in b"".join(heard)

        assert retry.until(lambda: member_sees(b"before-42"), timeout=30), b"".join(heard)
        b.get(f"{base}/board/watch/seat-02/admin?t={lead}")
        assert retry.until(lambda: "before-42" in terminal_text(b, "admin"), timeout=20), terminal_text(b, "admin")
        member.send(b"echo after-$((7*7))\n")
        assert retry.until(lambda: "after-49" in terminal_text(b, "admin"), timeout=20), terminal_text(b, "admin")
        b.find_element(By.CSS_SELECTOR, ".xterm").click()
        b.switch_to.active_element.send_keys("echo typed-by-the-leader\n")
        assert not retry.until(lambda: member_sees(b"typed-by-the-leader"), timeout=3)  # read-only
    b.get(room["board"])
    assert retry.until(lambda: graded(b, "seat-02"), timeout=60)

    # 2. at a phone's width every seat's name, steps and action menu are in view, nothing scrolled sideways
    b.set_window_size(*PHONE)
    for seat in ("seat-01", "seat-02"):
        right = js(b, "return Math.max(...[...document.querySelectorAll('#seat-' + arguments[0] + ' td.name, #seat-' +"
                      " arguments[0] + ' td.step-cell, #seat-' + arguments[0] + ' td.act')]"
                      ".map((c) => c.getBoundingClientRect().right))", seat)
        assert right <= PHONE[0], f"{seat}'s row reaches {right:.0f} px on a {PHONE[0]} px phone"
    b.save_screenshot(str(SHOTS / "board-390.png"))


def test_a_member_is_told_what_the_leader_did_and_sees_true_times(room: dict[str, str], browser: WebDriver) -> None:
    b, base = browser, room["base"]
    lead = token(room["board"])
    b.set_window_size(*LAPTOP)
    b.get(room["seat-01"])
    assert retry.until(lambda: "[root@admin" in terminal_text(b, "admin"), timeout=60), terminal_text(b, "admin")
    assert retry.until(lambda: "graded" in b.find_element(By.ID, "graded").text, timeout=120)

    # 5. `check` says "checking" until its own grade returns, never an older grade's age; then the age counts up
    seen: list[tuple[float, str]] = []
    b.find_element(By.ID, "check").click()
    t0 = time.monotonic()

    def regraded() -> bool:
        text = str(b.find_element(By.ID, "graded").text)
        seen.append((time.monotonic() - t0, text))
        return text.startswith("graded")

    assert retry.until(regraded, timeout=120, interval=0.05), seen[-5:]
    assert seen[0][1].startswith("checking"), seen[:3]
    after, text = seen[-1]
    assert int(text.split()[1]) <= after + 1, f"{text!r} {after:.1f} s after the click: an older grade shown as new"
    n0 = int(b.find_element(By.ID, "graded").text.split()[1])
    assert retry.until(lambda: int(b.find_element(By.ID, "graded").text.split()[1]) >= n0 + 2, timeout=6), \
        b.find_element(By.ID, "graded").text

    # 4. the member's page says what the leader did: a step solved, then a reset — and the terminal comes back
    post(f"{base}/board/seat/seat-01/solve?t={lead}", {"to": 1})
    notices = lambda: str(b.find_element(By.ID, "notices").text)  # noqa: E731
    assert retry.until(lambda: "the leader solved steps 1–1" in notices(), timeout=10), notices()
    post(f"{base}/board/seat/seat-01/reset?t={lead}", {"state": "bare"})
    assert retry.until(lambda: "the leader reset this seat" in notices(), timeout=10), notices()
    before = terminal_text(b, "admin").count("[root@admin")
    assert retry.until(lambda: "reconnecting" in terminal_text(b, "admin"), timeout=30), terminal_text(b, "admin")
    assert retry.until(lambda: terminal_text(b, "admin").count("[root@admin") > before, timeout=60), \
        terminal_text(b, "admin")[-800:]

    # 8. the room: a timer every page counts down, the projector's read-only view, a message to every seat
    post(f"{base}/board/room/timer?t={lead}", {"minutes": 2, "label": "step 1"})
    timer = lambda: str(b.find_element(By.ID, "timer").text)  # noqa: E731
    assert retry.until(lambda: timer().startswith("1:5") and timer().endswith("left: step 1"), timeout=10), timer()
    post(f"{base}/board/room/message?t={lead}", {"text": "break in 5 minutes"})
    assert retry.until(lambda: "from the leader: break in 5 minutes" in notices(), timeout=10), notices()
    b.get(room["projector"])
    assert retry.until(lambda: len(b.find_elements(By.CSS_SELECTOR, ".card")) == 2, timeout=20)
    assert "left: step 1" in b.find_element(By.ID, "timer").text
    assert b.find_element(By.ID, "card-seat-01").text.startswith("seat-01")
    assert "terminal" not in b.page_source and "/seat/" not in b.page_source  # nothing of a seat's own
    assert _status(room["projector"].replace("/projector?", "/board?")) == 403

    # 8. a member joins by their seat's short code instead of a link: the browser keeps the seat in a cookie
    codes = get(f"{base}/board/codes?t={lead}")
    code = re.search(r"<h2>seat-02</h2><p class=\"code\">(\w+)</p>", codes)
    assert code, codes[:2000]
    b.get(f"{base}/join")
    b.find_element(By.ID, "code").send_keys(code[1].lower())
    b.find_element(By.CSS_SELECTOR, "form.join button").click()
    assert retry.until(lambda: b.current_url == f"{base}/seat/seat-02", timeout=10), b.current_url
    assert retry.until(lambda: "[root@admin" in terminal_text(b, "admin"), timeout=60), terminal_text(b, "admin")
    b.get(f"{base}/seat/seat-01")
    assert "403" in b.page_source or "own token" in b.page_source  # the cookie opens its own seat only

    # 7. Korean on any machine: the page ships its font, and the browser loads it for Korean text
    b.get(room["seat-01"] + "&lang=ko")
    assert retry.until(lambda: js(b, "return document.fonts.status === 'loaded'"), timeout=20)
    assert js(b, "return document.fonts.check('16px \"Noto Sans KR\"', '채점')")
    assert js(b, "return [...document.fonts].some((f) => f.family.includes('Noto Sans KR') && f.status === 'loaded')")
    assert _status(f"{base}/assets/files/noto-sans-kr-korean-400-normal.woff2") == 200

    # 7. on a phone the terminal comes first, wide enough for a command line
    b.set_window_size(*PHONE)
    b.get(room["seat-01"])
    assert retry.until(lambda: "[root@admin" in terminal_text(b, "admin"), timeout=60)
    term_top = js(b, "return document.querySelector('.terminals').getBoundingClientRect().top")
    steps_top = js(b, "return document.querySelector('.steps').getBoundingClientRect().top")
    assert term_top < steps_top, (term_top, steps_top)
    assert retry.until(lambda: js(b, "return window.terminals.admin.cols") >= 50, timeout=10), \
        js(b, "return window.terminals.admin.cols")
    b.save_screenshot(str(SHOTS / "seat-390.png"))
