"""What the board's routes share: who may open what (every request names its token, `?t=`: a seat's opens that seat
only, the leader's all), the pages, the live updates, the watcher the app was made with."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any, cast

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import HTTPConnection

from airgaplab import i18n
from airgaplab.board.tokens import Tokens
from airgaplab.board.watch import Watcher
from airgaplab.classroom import progress
from airgaplab.classroom.roster import Roster, Seat
from airgaplab.errors import UserError

HERE = Path(__file__).parent
KEEPALIVE_S = 15.0
WATCH_S = 0.25
NO_REFERRER = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}  # tokens stay out of other logs
PAGES = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape())


def watcher_of(conn: HTTPConnection) -> Watcher:
    """The watcher the app was made with (make_app keeps it in the app's state)."""
    return cast(Watcher, conn.app.state.watcher)


WatcherDep = Annotated[Watcher, Depends(watcher_of)]


def tokens() -> Tokens:
    return Tokens.for_class(Roster.needed())


def leader(t: str | None) -> Tokens:
    """The leader's tokens, if `t` is the leader's; else 403."""
    tok = tokens()
    if not tok.leader_ok(t):
        raise HTTPException(403, "the board needs the leader's token (printed by `airgaplab class board`)")
    return tok


COOKIE = "airgaplab_seat"  # a seat's token, set when its member joined by the seat's code (routes/join.py)


def seat_token(conn: HTTPConnection, t: str | None = None) -> str | None:
    """The token a seat's request carries: `?t=` (a link), else the cookie joining by code set."""
    return t or conn.cookies.get(COOKIE)


SeatToken = Annotated[str | None, Depends(seat_token)]


def seat_of(name: str, t: str | None) -> Seat:
    """The seat `name`, if `t` opens it (its own token or the leader's); else 404 or 403."""
    try:
        seat = Roster.needed().seat(name)
    except UserError as e:
        raise HTTPException(404, str(e)) from None
    if not tokens().seat_ok(seat.name, t):
        raise HTTPException(403, f"this page needs {seat.name}'s own token")
    return seat


def page(name: str, lang: str = "en", **context: Any) -> HTMLResponse:
    return HTMLResponse(PAGES.get_template(name).render(steps=progress.class_steps(), lang=lang,
                                                        t=lambda text: i18n.t(text, lang), **context),
                        headers=NO_REFERRER)


def events(request: Request, watcher: Watcher, snapshot: Callable[[], Any]) -> StreamingResponse:
    """Server-sent events: the snapshot now, then again on every change (a comment line keeps it open). The
    snapshot is the wire's form: JSON-ready, made from the typed views here and nowhere before."""
    async def stream() -> AsyncIterator[str]:
        # the version is looked at a few times a second (an integer: no thread held per page open)
        version, quiet = -1, 0.0
        while not await request.is_disconnected():
            if watcher.version != version:
                version, quiet = watcher.version, 0.0
                yield f"data: {json.dumps(snapshot())}\n\n"
            elif quiet >= KEEPALIVE_S:
                quiet = 0.0
                yield ": still here\n\n"
            await asyncio.sleep(WATCH_S)
            quiet += WATCH_S

    return StreamingResponse(stream(), media_type="text/event-stream", headers=NO_REFERRER)
