"""A seat's terminals: a shell on one of its hosts, bridged to xterm.js over a websocket (board.terminal); and the
leader watching a member's own terminal, read-only."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, WebSocket
from fastapi.responses import HTMLResponse

from airgaplab.board import terminal
from airgaplab.board.web import leader, page, seat_of, seat_token
from airgaplab.classroom.roster import Roster
from airgaplab.classroom.seats import open_seat, shell_argv
from airgaplab.errors import UserError

router = APIRouter()


@router.websocket("/seat/{name}/term/{host}")
async def seat_terminal(ws: WebSocket, name: str, host: str, t: str | None = None) -> None:
    try:
        seat = seat_of(name, seat_token(ws, t))
        hosts = open_seat(seat).spec.host_names
    except HTTPException as e:
        await ws.close(code=4403, reason=str(e.detail)[:120])
        return
    if host not in hosts:
        await ws.close(code=4404, reason=f"{seat.name} has {', '.join(hosts)} only")
        return
    await ws.accept()
    await terminal.bridge(ws, shell_argv(seat, host), (seat.name, host))


@router.websocket("/board/seat/{name}/watch/{host}")
async def watch_terminal(ws: WebSocket, name: str, host: str, t: str | None = None) -> None:
    try:
        leader(t)
        seat = Roster.needed().seat(name)
    except (HTTPException, UserError) as e:
        await ws.close(code=4403, reason=str(getattr(e, "detail", e))[:120])
        return
    await terminal.watch(ws, (seat.name, host))


@router.get("/board/watch/{name}/{host}", response_class=HTMLResponse)
def watch_page(name: str, host: str, t: str | None = None) -> HTMLResponse:
    leader(t)
    seat = Roster.needed().seat(name)
    return page("watch.html", token=t, seat=seat.name, host=host)
