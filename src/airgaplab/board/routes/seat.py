"""A member's seat page: their steps, help on each (symptom, hint, solution — as the CLI gives it), a raised hand,
the leader's hints, in the member's language."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, HTTPException, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from airgaplab import i18n
from airgaplab.board.watch import Watcher
from airgaplab.board.web import SeatToken, WatcherDep, events, page, seat_of
from airgaplab.classroom.roster import Seat
from airgaplab.classroom.seats import open_seat
from airgaplab.exercise import steps as exercise
from airgaplab.suite.catalog import catalog

router = APIRouter(prefix="/seat/{name}")
LEVELS = ("symptom", "hint", "solution")  # help as the CLI gives it: check, check --hint, solve --show
# what seat.js says itself (the page hands them over, translated)
SEAT_WORDS = ("raise hand", "lower hand", "grading …", "checking …", "graded {n} s ago", "{n} s ago",
              "from the leader: {text}", "connection closed", "reconnecting …", "{time} left: {label}",
              "time is up: {label}")


class Hand(BaseModel):
    up: bool = True


class Help(BaseModel):
    step: int | str = 1
    level: str = "symptom"
    lang: str = ""


@router.get("", response_class=HTMLResponse)
def seat_page(request: Request, name: str, t: SeatToken, lang: str | None = None) -> HTMLResponse:
    seat = seat_of(name, t)
    chosen = page_language(lang, request.headers.get("accept-language"))
    # a page opened by its cookie carries no token: its requests send the cookie again
    return page("seat.html", lang=chosen, token=t if request.query_params.get("t") else "", seat=seat.name,
                hosts=open_seat(seat).spec.host_names, words={w: i18n.t(w, chosen) for w in SEAT_WORDS})


@router.get("/events")
async def seat_events(request: Request, name: str, watcher: WatcherDep, t: SeatToken) -> StreamingResponse:
    seat = seat_of(name, t)
    return events(request, watcher, lambda: {**watcher.seat(seat.name).as_json(), "room": watcher.room_json()})


@router.post("/check")
def seat_check(name: str, watcher: WatcherDep, t: SeatToken) -> dict[str, Any]:
    """Grade the seat next; when it was asked for (the page says "checking" until a grade newer than that)."""
    return {"ok": True, "asked_at": watcher.checked(seat_of(name, t).name)}


@router.post("/hand")
def seat_hand(name: str, watcher: WatcherDep, t: SeatToken,
              body: Hand = Body(default_factory=Hand)) -> dict[str, Any]:  # noqa: B008
    watcher.raise_hand(seat_of(name, t).name, body.up)
    return {"ok": True}


@router.post("/help")
async def seat_help(name: str, watcher: WatcherDep, t: SeatToken,
                    body: Help = Body(default_factory=Help)) -> dict[str, Any]:  # noqa: B008
    seat = seat_of(name, t)
    step = exercise.step(str(body.step))
    if body.level not in LEVELS:
        raise HTTPException(400, f"help level {body.level!r}: one of {', '.join(LEVELS)}")
    lang = i18n.from_locale(body.lang) or "en"
    text = await run_in_threadpool(help_text, seat, step, body.level, watcher, lang)
    watcher.revealed(seat.name, step.number, body.level)
    return {"ok": True, "text": text}


def help_text(seat: Seat, step: exercise.Step, level: str, watcher: Watcher, lang: str = "en") -> str:
    """Help on one step at one level, as the CLI gives it (in the page's language; what hosts said as they said it)."""
    failing = [g for g in watcher.graded(seat.name) if catalog()[g.req].step == step.number and g.outcome.failed]
    if level == "solution":
        answers = exercise.answer(open_seat(seat), step)
        return "\n".join(i18n.t("# on {host}", lang).format(host=host) + "\n" + "\n".join(a.lines())
                         for host, a in answers.items())
    if not failing:
        return i18n.t("every check of step {number} passes (as last graded) — press check to grade again",
                      lang).format(number=step.number)
    if level == "symptom":
        return "\n".join(dict.fromkeys(f"{g.host}: {g.observed}" for g in failing))
    be = open_seat(seat)
    return "\n".join(dict.fromkeys(f"{g.host}: {be.family.localize(i18n.t(g.nudge, lang))}" for g in failing))


def page_language(asked: str | None, accept: str | None) -> str:
    """The seat page's language: `?lang=`, else the board's (`class board --lang`, the locale), else the browser's
    first choice (Accept-Language) where airgaplab speaks it."""
    if asked:
        return i18n.from_locale(asked) or "en"
    if i18n.language() != "en":
        return i18n.language()
    first = (accept or "").split(",")[0].split(";")[0].strip()
    return i18n.from_locale(first) or "en"
