"""The leader's board: the class at a glance, its CSV, and the actions on one seat or the whole room — each action
a route of its own over the classroom's actions (classroom.actions), the same as the CLI's."""

from __future__ import annotations

import asyncio
import csv
import io
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, StreamingResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from airgaplab.board.watch import Watcher
from airgaplab.board.web import NO_REFERRER, WatcherDep, events, leader, page
from airgaplab.classroom import actions
from airgaplab.classroom.roster import Roster, Seat
from airgaplab.errors import UserError
from airgaplab.exercise import drills
from airgaplab.exercise import steps as exercise

router = APIRouter(prefix="/board")
SOLVED_SIDE_BY_SIDE = 4  # seats solved at once by "next step" (as `class up` brings them up)


class Reset(BaseModel):
    state: str | None = None  # default: the state `class up` saved


class Solve(BaseModel):
    to: int | str = 1


class Drill(BaseModel):
    name: str = ""


class Hint(BaseModel):
    text: str = ""


@router.get("", response_class=HTMLResponse)
def board(t: str | None = None) -> HTMLResponse:
    leader(t)
    return page("board.html", token=t, drills=sorted(drills.DRILLS), states=["bare", "provisioned"])


@router.get("/events")
async def board_events(request: Request, watcher: WatcherDep, t: str | None = None) -> StreamingResponse:
    leader(t)
    return events(request, watcher, lambda: {"seats": [s.as_json() for s in watcher.room()]})


@router.get("/class.csv")
def board_csv(watcher: WatcherDep, t: str | None = None) -> PlainTextResponse:
    leader(t)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["seat", "state", "step", "on_step_s", *[f"step {s.number} {s.name}" for s in exercise.STEPS],
                "drill", "drill_state", "help_revealed", "hand"])
    for s in watcher.room():
        v = s.view
        marks = [f"{x.passed}/{x.total}" for x in v.steps] or [""] * len(exercise.STEPS)
        w.writerow([v.seat, v.state, v.step, v.on_step_s, *marks, v.drill or "", v.drill_state or "", len(s.help),
                    s.hand])
    return PlainTextResponse(buf.getvalue(), media_type="text/csv",
                             headers={**NO_REFERRER, "Content-Disposition": 'attachment; filename="class.csv"'})


async def _on_seat(name: str, t: str | None, watcher: Watcher, act: Any, *args: Any) -> dict[str, Any]:
    """A leader's action on one seat, off the event loop; the seat graded next."""
    leader(t)
    seat = Roster.needed().seat(name)
    said = await run_in_threadpool(act, seat, *args)
    watcher.grade_soon(seat.name)
    return {"ok": True, "said": said}


@router.post("/seat/{name}/reset")
async def seat_reset(name: str, watcher: WatcherDep, t: str | None = None,
                     body: Reset = Body(default_factory=Reset)) -> dict[str, Any]:  # noqa: B008
    def reset(seat: Seat) -> str:
        return f"{seat.name} is back to state {actions.reset(seat, body.state or None)}"
    return await _on_seat(name, t, watcher, reset)


@router.post("/seat/{name}/solve")
async def seat_solve(name: str, watcher: WatcherDep, t: str | None = None,
                     body: Solve = Body(default_factory=Solve)) -> dict[str, Any]:  # noqa: B008
    return await _on_seat(name, t, watcher, lambda seat: actions.solved(seat, *actions.solve_to(seat, body.to)))


@router.post("/seat/{name}/drill")
async def seat_drill(name: str, watcher: WatcherDep, t: str | None = None,
                     body: Drill = Body(default_factory=Drill)) -> dict[str, Any]:  # noqa: B008
    return await _on_seat(name, t, watcher,
                          lambda seat: f"{seat.name}: drill {actions.drill(seat, body.name).name} applied")


@router.post("/seat/{name}/hint")
async def seat_hint(name: str, watcher: WatcherDep, t: str | None = None,
                    body: Hint = Body(default_factory=Hint)) -> dict[str, Any]:  # noqa: B008
    def hint(seat: Seat) -> str:
        text = body.text.strip()
        if not text:
            raise UserError("a hint needs some text")
        watcher.hint(seat.name, text[:500])
        return f"hint sent to {seat.name}"
    return await _on_seat(name, t, watcher, hint)


@router.post("/room/reset-all")
async def room_reset(watcher: WatcherDep, t: str | None = None) -> dict[str, Any]:
    leader(t)
    roster = Roster.needed()
    said = await asyncio.gather(*[run_in_threadpool(actions.reset, s, None) for s in roster.seats])
    return _room_moved(roster, watcher, said)


@router.post("/room/next-step")
async def room_next_step(watcher: WatcherDep, t: str | None = None) -> dict[str, Any]:
    leader(t)
    roster = Roster.needed()
    return _room_moved(roster, watcher, [await run_in_threadpool(next_step, roster, watcher)])


def _room_moved(roster: Roster, watcher: Watcher, said: list[str]) -> dict[str, Any]:
    for s in roster.seats:
        watcher.grade_soon(s.name)
    return {"ok": True, "said": [str(x) for x in said]}


def next_step(roster: Roster, watcher: Watcher) -> str:
    """The room moves on: the step most seats are on is solved on every seat not past it."""
    on = {s.view.seat: s.view.step for s in watcher.room()}
    steps = list(on.values())
    step = max(set(steps), key=steps.count) if steps else 1
    if step > len(exercise.STEPS):
        return "every step is done"
    behind = [s for s in roster.seats if on.get(s.name, 1) <= step]
    with ThreadPoolExecutor(max_workers=SOLVED_SIDE_BY_SIDE) as pool:  # their clocks converge side by side
        done = list(pool.map(lambda s: actions.solve_to(s, step), behind))
    late = [f"{s.name}: {why}" for s, (_, why) in zip(behind, done, strict=True) if why]
    return f"step {step} solved on every seat not past it: the room is on step {step + 1}" + \
        (f" (not in sync yet — {'; '.join(late)})" if late else "")
