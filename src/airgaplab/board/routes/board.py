"""The leader's board: the class at a glance, its CSV, and the actions on one seat or the whole room — each action
a route of its own over the classroom's actions (classroom.actions), the same as the CLI's."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, StreamingResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from airgaplab.board.watch import Watcher
from airgaplab.board.web import NO_REFERRER, WatcherDep, events, leader, page
from airgaplab.classroom import actions, progress
from airgaplab.classroom.roster import Roster, Seat
from airgaplab.errors import UserError
from airgaplab.exercise import drills
from airgaplab.exercise import steps as exercise
from airgaplab.lab.specfile import load_spec

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


class Toggle(BaseModel):
    on: bool = False


STORY_SHOWN = 12  # the newest events on the board (the whole story: /board/story.csv, .json)


@router.get("", response_class=HTMLResponse)
def board(t: str | None = None) -> HTMLResponse:
    leader(t)
    spec = load_spec(Path(Roster.needed().spec_file))  # every seat's hosts and services (one spec a class)
    return page("board.html", token=t, drills=sorted(drills.of(spec.service_names)), hosts=spec.host_names)


@router.get("/events")
async def board_events(request: Request, watcher: WatcherDep, t: str | None = None) -> StreamingResponse:
    leader(t)
    return events(request, watcher, lambda: {"seats": [s.as_json() for s in watcher.room()],
                                             "story": [e.as_json() for e in watcher.story.recent(STORY_SHOWN)],
                                             "room": watcher.room_json()})


@router.get("/story.csv")
def story_csv(watcher: WatcherDep, t: str | None = None) -> PlainTextResponse:
    leader(t)
    return PlainTextResponse(watcher.story.csv(), media_type="text/csv",
                             headers={**NO_REFERRER, "Content-Disposition": 'attachment; filename="story.csv"'})


@router.get("/story.json")
def story_json(watcher: WatcherDep, t: str | None = None) -> JSONResponse:
    leader(t)
    return JSONResponse(watcher.story.as_json(), headers={**NO_REFERRER,
                                                          "Content-Disposition": 'attachment; filename="story.json"'})


@router.get("/class.csv")
def board_csv(watcher: WatcherDep, t: str | None = None) -> PlainTextResponse:
    leader(t)
    buf = io.StringIO()
    w = csv.writer(buf)
    steps = progress.class_steps()
    w.writerow(["seat", "state", "step", "on_step_s", *[f"step {s.number} {s.name}" for s in steps],
                *[f"step {s.number} solved by" for s in steps], "drill", "drill_state", "help_revealed",
                "solutions_revealed", "hand"])
    for s in watcher.room():
        v = s.view
        marks = [f"{x.passed}/{x.total}" for x in v.steps] or [""] * len(steps)
        by = [s.solved_by.get(st.number, "") for st in steps]
        w.writerow([v.seat, v.state, v.step, v.on_step_s, *marks, *by, v.drill or "", v.drill_state or "",
                    len(s.help), sum(h.level == "solution" for h in s.help), s.hand is not None])
    return PlainTextResponse(buf.getvalue(), media_type="text/csv",
                             headers={**NO_REFERRER, "Content-Disposition": 'attachment; filename="class.csv"'})


async def _on_seat(name: str, t: str | None, watcher: Watcher, act: Callable[[Seat], str], *,
                   changes_lab: bool = True) -> dict[str, Any]:
    """A leader's action on one seat, off the event loop; the seat graded next if it changed the seat's lab (a hint,
    a hand, "helping" change only what the board shows: grading again would cost a seat's grading for nothing)."""
    leader(t)
    seat = Roster.needed().seat(name)
    said = await run_in_threadpool(act, seat)
    if changes_lab:
        watcher.grade_soon(seat.name)
    return {"ok": True, "said": said}


@router.post("/seat/{name}/reset")
async def seat_reset(name: str, watcher: WatcherDep, t: str | None = None,
                     body: Reset = Body(default_factory=Reset)) -> dict[str, Any]:  # noqa: B008
    def reset(seat: Seat) -> str:
        state = actions.reset(seat, body.state or None)
        watcher.leader_did(seat.name, "reset", f"the leader reset this seat to its state {state!r}: every host "
                                               "restarted, your terminals reconnect", reset=True)
        return f"{seat.name} is back to state {state}"
    return await _on_seat(name, t, watcher, reset)


@router.post("/seat/{name}/solve")
async def seat_solve(name: str, watcher: WatcherDep, t: str | None = None,
                     body: Solve = Body(default_factory=Solve)) -> dict[str, Any]:  # noqa: B008
    def solve(seat: Seat) -> str:
        watcher.solving(seat.name, exercise.step(str(body.to)).number)
        upto, why = actions.solve_to(seat, body.to)
        watcher.leader_did(seat.name, "solve", f"the leader solved steps 1–{upto} on this seat with the reference "
                                               "solution (your own files of those steps were replaced)")
        return actions.solved(seat, upto, why)
    return await _on_seat(name, t, watcher, solve)


@router.post("/seat/{name}/drill")
async def seat_drill(name: str, watcher: WatcherDep, t: str | None = None,
                     body: Drill = Body(default_factory=Drill)) -> dict[str, Any]:  # noqa: B008
    def drill(seat: Seat) -> str:
        d = actions.drill(seat, body.name)
        watcher.leader_did(seat.name, "drill", "the leader started a drill on this seat: something of your lab is "
                                               "broken now — find it and mend it (the steps turn red until you do)")
        return f"{seat.name}: drill {d.name} applied"
    return await _on_seat(name, t, watcher, drill)


@router.post("/seat/{name}/hint")
async def seat_hint(name: str, watcher: WatcherDep, t: str | None = None,
                    body: Hint = Body(default_factory=Hint)) -> dict[str, Any]:  # noqa: B008
    def hint(seat: Seat) -> str:
        text = body.text.strip()
        if not text:
            raise UserError("a hint needs some text")
        watcher.hint(seat.name, text[:500])
        return f"hint sent to {seat.name}"
    return await _on_seat(name, t, watcher, hint, changes_lab=False)


@router.post("/seat/{name}/hand")
async def seat_lower_hand(name: str, watcher: WatcherDep, t: str | None = None) -> dict[str, Any]:
    def lower(seat: Seat) -> str:
        watcher.raise_hand(seat.name, False, by="leader")
        return f"{seat.name}'s hand lowered"
    return await _on_seat(name, t, watcher, lower, changes_lab=False)


@router.post("/seat/{name}/helping")
async def seat_helping(name: str, watcher: WatcherDep, t: str | None = None,
                       body: Toggle = Body(default_factory=Toggle)) -> dict[str, Any]:  # noqa: B008
    def helping(seat: Seat) -> str:
        watcher.helping(seat.name, body.on)
        return f"helping {seat.name}" if body.on else f"done helping {seat.name}"
    return await _on_seat(name, t, watcher, helping, changes_lab=False)


@router.post("/room/message")
async def room_message(watcher: WatcherDep, t: str | None = None,
                       body: Hint = Body(default_factory=Hint)) -> dict[str, Any]:  # noqa: B008
    leader(t)
    text = body.text.strip()
    if not text:
        raise UserError("a message needs some text")
    roster = Roster.needed()
    watcher.message([s.name for s in roster.seats], text[:500])
    return {"ok": True, "said": [f"message sent to {len(roster.seats)} seat(s)"]}


class TimerBody(BaseModel):
    minutes: float = 0
    label: str = ""


@router.post("/room/timer")
def room_timer(watcher: WatcherDep, t: str | None = None,
               body: TimerBody = Body(default_factory=TimerBody)) -> dict[str, Any]:  # noqa: B008
    leader(t)
    if not 0 <= body.minutes <= 24 * 60:
        raise UserError(f"a timer of {body.minutes:g} min: give 1 to 1440 minutes (0 stops it)")
    watcher.set_timer(body.minutes, body.label.strip()[:80] or "this step")
    return {"ok": True, "said": [f"timer: {body.minutes:g} min" if body.minutes else "timer stopped"]}


@router.post("/room/reset-all")
async def room_reset(watcher: WatcherDep, t: str | None = None) -> dict[str, Any]:
    leader(t)
    roster = Roster.needed()
    said = await asyncio.gather(*[run_in_threadpool(actions.reset, s, None) for s in roster.seats])
    for s, state in zip(roster.seats, said, strict=True):
        watcher.leader_did(s.name, "reset", f"the leader reset every seat, this one to its state {state!r}: your "
                                            "terminals reconnect", reset=True)
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
    last = progress.class_steps()
    if not last or step > last[-1].number:
        return "every step is done"
    behind = [s for s in roster.seats if on.get(s.name, 1) <= step]
    for s in behind:
        watcher.solving(s.name, step)
    with ThreadPoolExecutor(max_workers=SOLVED_SIDE_BY_SIDE) as pool:  # their clocks converge side by side
        done = list(pool.map(lambda s: actions.solve_to(s, step), behind))
    for s in behind:
        watcher.leader_did(s.name, "next-step", f"the room moves on: the leader solved steps 1–{step} on this seat "
                                                f"(your own files of those steps were replaced); on to step {step + 1}")
    late = [f"{s.name}: {why}" for s, (_, why) in zip(behind, done, strict=True) if why]
    return f"step {step} solved on every seat not past it: the room is on step {step + 1}" + \
        (f" (not in sync yet — {'; '.join(late)})" if late else "")
