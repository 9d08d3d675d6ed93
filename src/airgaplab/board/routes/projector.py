"""The room's screen: every seat's progress, large, read-only — by a token of its own that opens nothing else (no
help, no hints, no terminals, no actions)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from airgaplab.board.web import WatcherDep, events, page, tokens

router = APIRouter(prefix="/projector")


def _projector(t: str | None) -> None:
    if not tokens().projector_ok(t):
        raise HTTPException(403, "the projector view needs its own token (printed by `airgaplab class board`)")


@router.get("", response_class=HTMLResponse)
def projector(t: str | None = None) -> HTMLResponse:
    _projector(t)
    return page("projector.html", token=t)


@router.get("/events")
async def projector_events(request: Request, watcher: WatcherDep, t: str | None = None) -> StreamingResponse:
    _projector(t)

    def snapshot() -> dict[str, Any]:
        seats = [{"seat": s.view.seat, "state": s.view.state, "step": s.view.step, "hand": s.hand is not None,
                  "steps": [{"number": x.number, "passing": x.passing} for x in s.view.steps]} for s in watcher.room()]
        return {"seats": seats, "room": watcher.room_json()}

    return events(request, watcher, snapshot)
