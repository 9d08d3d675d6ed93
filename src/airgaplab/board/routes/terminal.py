"""A seat's terminals: a shell on one of its hosts, bridged to xterm.js over a websocket (board.terminal)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, WebSocket

from airgaplab.board import terminal
from airgaplab.board.web import seat_of
from airgaplab.classroom.seats import open_seat, shell_argv

router = APIRouter()


@router.websocket("/seat/{name}/term/{host}")
async def seat_terminal(ws: WebSocket, name: str, host: str, t: str | None = None) -> None:
    try:
        seat = seat_of(name, t)
        hosts = open_seat(seat).spec.host_names
    except HTTPException as e:
        await ws.close(code=4403, reason=str(e.detail)[:120])
        return
    if host not in hosts:
        await ws.close(code=4404, reason=f"{seat.name} has {', '.join(hosts)} only")
        return
    await ws.accept()
    await terminal.bridge(ws, shell_argv(seat, host))
