"""The board's own logic: who may see what (tokens), the links handed out, --listen refused in one line. The
pages, the terminals and the live updates on real seats in a real browser: tests/lab/test_board.py."""

from __future__ import annotations

import socket
import stat
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from airgaplab.board.app import make_app
from airgaplab.board.server import address, links
from airgaplab.board.tokens import Tokens
from airgaplab.board.watch import Watcher
from airgaplab.classroom.roster import Roster, Seat, seat_name
from airgaplab.errors import UserError


@pytest.fixture
def roster(state_dir: Path) -> Roster:
    r = Roster(backend="netns", spec_file="labs/ntp-dns.yaml",
               seats=[Seat(name=seat_name(n), lab=seat_name(n)) for n in (1, 2)])
    r.save()
    return r


@pytest.fixture
def client(roster: Roster) -> TestClient:
    return TestClient(make_app(Watcher()))  # the watcher not started: nothing graded, no lab needed


def test_tokens_are_made_once_private_to_root_and_one_per_seat(roster: Roster) -> None:
    first = Tokens.for_class(roster)
    assert Tokens.for_class(roster) == first
    assert stat.S_IMODE(Tokens.path().stat().st_mode) == 0o600
    assert len({first.leader, *first.seats.values()}) == 3
    assert first.seat_ok("seat-01", first.seats["seat-01"]) and first.seat_ok("seat-02", first.leader)
    assert not first.seat_ok("seat-02", first.seats["seat-01"]) and not first.leader_ok(first.seats["seat-01"])
    assert not first.seat_ok("seat-01", None) and not first.leader_ok("")


def test_the_board_and_its_actions_need_the_leaders_token(roster: Roster, client: TestClient) -> None:
    tok = Tokens.for_class(roster)
    assert client.get("/board").status_code == 403
    assert client.get("/board", params={"t": tok.seats["seat-01"]}).status_code == 403
    assert client.get("/board/events", params={"t": "wrong"}).status_code == 403
    assert client.post("/board/seat/seat-02/solve", params={"t": tok.seats["seat-02"]}, json={"to": 4}).status_code == 403
    assert client.post("/board/room/reset-all", params={"t": tok.seats["seat-01"]}).status_code == 403
    page = client.get("/board", params={"t": tok.leader})
    assert page.status_code == 200 and "Class board" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    csv = client.get("/board/class.csv", params={"t": tok.leader})
    assert csv.status_code == 200 and csv.text.startswith("seat,state,step,on_step_s,step 1 ntp-server")


def test_a_seats_token_opens_nothing_of_another_seat(roster: Roster, client: TestClient) -> None:
    mine = Tokens.for_class(roster).seats["seat-01"]
    assert client.get("/seat/seat-02", params={"t": mine}).status_code == 403
    assert client.get("/seat/seat-02/events", params={"t": mine}).status_code == 403
    for action in ("check", "hand", "help"):
        assert client.post(f"/seat/seat-02/{action}", params={"t": mine}, json={}).status_code == 403
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(f"/seat/seat-02/term/admin?t={mine}") as ws:
        ws.receive_bytes()
    assert closed.value.code == 4403
    assert client.get("/seat/seat-09", params={"t": mine}).status_code == 404


def test_links_give_the_leader_and_each_seat_their_own_token(roster: Roster) -> None:
    tok = Tokens.for_class(roster)
    said = links(roster, tok, "http://leader:8080")
    assert said[0] == f"board (yours): http://leader:8080/board?t={tok.leader}"
    assert said[2] == f"  seat-02: http://leader:8080/seat/seat-02?t={tok.seats['seat-02']}"


@pytest.mark.parametrize("bad", ["8080", "localhost", ":8080", "127.0.0.1:http", "127.0.0.1:70000"])
def test_listen_that_is_no_address_is_one_line(bad: str) -> None:
    with pytest.raises(UserError) as e:
        address(bad)
    assert "give ADDR:PORT" in str(e.value) and "\n" not in str(e.value)


def test_listen_on_a_port_taken_says_so() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UserError, match=f"--listen 127.0.0.1:{port}: cannot listen there"):
            address(f"127.0.0.1:{port}")


def test_without_the_class_extra_everything_but_the_board_runs_and_the_board_says_what_to_install() -> None:
    """The board's web stack is the `class` extra: with it missing, the CLI loads, and `class board` is one line."""
    import subprocess
    import sys

    block = "import sys; sys.modules.update(fastapi=None, uvicorn=None, starlette=None); " \
            "from airgaplab.cli.main import main; sys.argv = ['airgaplab', *sys.argv[1:]]; main()"
    helped = subprocess.run([sys.executable, "-c", block, "class", "--help"], capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0 and "board" in helped.stdout, helped.stderr
    got = subprocess.run([sys.executable, "-c", block, "class", "board"], capture_output=True, text=True, timeout=60)
    said = (got.stdout + got.stderr).strip()
    assert got.returncode == 2 and "pip install -e '.[class]'" in said and "fastapi" in said, said
    assert len(said.splitlines()) == 1, said


def test_the_projectors_token_opens_the_rooms_view_only(roster: Roster, client: TestClient) -> None:
    tok = Tokens.for_class(roster)
    assert tok.projector and Tokens.for_class(roster).projector == tok.projector  # made once, kept
    assert links(roster, tok, "http://l:1")[-2].endswith(f"/projector?t={tok.projector}")
    assert client.get("/projector", params={"t": tok.projector}).status_code == 200
    assert client.get("/projector", params={"t": tok.leader}).status_code == 200  # the leader's opens it too
    assert client.get("/projector", params={"t": tok.seats["seat-01"]}).status_code == 403
    for path in ("/board", "/board/class.csv", "/board/story.json", "/seat/seat-01"):
        assert client.get(path, params={"t": tok.projector}).status_code == 403, path
    assert client.post("/board/room/timer", params={"t": tok.projector}, json={"minutes": 5}).status_code == 403


def test_a_timer_out_of_range_is_one_line_and_a_good_one_reaches_every_page(roster: Roster, client: TestClient) -> None:
    tok = Tokens.for_class(roster)
    bad = client.post("/board/room/timer", params={"t": tok.leader}, json={"minutes": -3})
    assert bad.status_code == 400 and "give 1 to 1440 minutes" in bad.text and "\n" not in bad.text
    assert client.post("/board/room/timer", params={"t": tok.leader}, json={"minutes": 5, "label": "step 2"}).json()["ok"]
    timer = client.app.state.watcher.room_json()["timer"]  # what every page's live updates carry
    assert timer["label"] == "step 2" and 295 < timer["ends"] - time.time() <= 300


def test_a_member_joins_by_the_seats_short_code_and_the_cookie_opens_that_seat_only(
        roster: Roster, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from airgaplab.board.routes import seat as seat_routes

    monkeypatch.setattr(seat_routes, "open_seat", lambda _seat: SimpleNamespace(spec=SimpleNamespace(host_names=["admin"])))
    tok = Tokens.for_class(roster)
    code = tok.codes["seat-02"]
    assert len(code) == 6 and len(set(tok.codes.values())) == 2 and Tokens.for_class(roster).codes == tok.codes
    assert client.get("/join").status_code == 200  # the form
    wrong = client.get("/join", params={"code": "NOPE99"})
    assert wrong.status_code == 404 and "no seat has the code NOPE99" in wrong.text
    joined = client.get("/join", params={"code": f"{code[:3].lower()}-{code[3:]}"}, follow_redirects=False)
    assert joined.status_code == 303 and joined.headers["location"] == "/seat/seat-02"
    cookie = joined.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert client.get("/seat/seat-02").status_code == 200  # the cookie, no token in the link
    assert 'data-token=""' in client.get("/seat/seat-02").text  # the page's requests send the cookie again
    assert client.get("/seat/seat-01").status_code == 403
    assert client.get("/board").status_code == 403
    page = client.get("/board/codes", params={"t": tok.leader})
    assert page.status_code == 200 and page.text.count("<svg") >= 2 and code in page.text
    assert client.get("/board/codes", params={"t": tok.seats["seat-02"]}).status_code == 403
