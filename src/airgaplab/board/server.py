"""`airgaplab class board`: the links handed out, the watcher started, the application served by uvicorn.

    serve(roster, "127.0.0.1:8080", print)
"""

from __future__ import annotations

import socket
from collections.abc import Callable

import uvicorn

from airgaplab.board.app import assets_missing, make_app
from airgaplab.board.story import Story
from airgaplab.board.tokens import Tokens
from airgaplab.board.watch import Watcher
from airgaplab.classroom.roster import Roster
from airgaplab.errors import UserError


def address(listen: str) -> tuple[str, int]:
    """'ADDR:PORT' → (addr, port); UserError naming what is wrong."""
    addr, sep, port = listen.rpartition(":")
    if not sep or not addr or not port.isdigit() or not 0 < int(port) < 65536:
        raise UserError(f"--listen {listen!r}: give ADDR:PORT, e.g. 127.0.0.1:8080 (or 0.0.0.0:8080 for the room)")
    with socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((addr.strip("[]"), int(port)))
        except OSError as e:
            raise UserError(f"--listen {listen}: cannot listen there ({e.strerror}) — pick another ADDR:PORT") from None
    return addr.strip("[]"), int(port)


def links(roster: Roster, tokens: Tokens, base: str) -> list[str]:
    """The leader's link, then each seat's."""
    return [f"board (yours): {base}/board?t={tokens.leader}",
            *[f"  {s.name}: {base}/seat/{s.name}?t={tokens.seats[s.name]}" for s in roster.seats],
            f"projector (the room's screen, read-only): {base}/projector?t={tokens.projector}",
            f"join by code: {base}/join (each seat's code and QR code, to print or show: {base}/board/codes?t="
            f"{tokens.leader})"]


def serve(roster: Roster, listen: str, say: Callable[[str], None]) -> None:
    missing = assets_missing()
    if missing:
        raise UserError(missing)
    host, port = address(listen)
    tokens = Tokens.for_class(roster)
    shown = socket.gethostname() if host in ("0.0.0.0", "::") else host
    for line in links(roster, tokens, f"http://{shown}:{port}"):
        say(line)
    watcher = Watcher(Story.of_class())
    watcher.start()
    try:
        uvicorn.run(make_app(watcher), host=host, port=port, log_level="warning", ws="websockets-sansio",
                    timeout_graceful_shutdown=2)  # live updates never end by themselves: do not wait on them
    finally:
        watcher.stop()
