"""The board's web application: the leader's board, each member's seat page, their live updates, the actions and
the terminals. Every request names its token (`?t=`); a seat's token opens that seat only, the leader's all.

    app = make_app(watcher)                      # served by uvicorn (`airgaplab class board`)
    /board?t=LEADER                              the class at a glance; actions per seat and for the room
    /seat/seat-02?t=SEAT                         the member's steps, help, and a terminal per host
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from fastapi import Body, FastAPI, HTTPException, Request, WebSocket
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from airgaplab import i18n
from airgaplab.board import terminal
from airgaplab.board.tokens import Tokens
from airgaplab.board.watch import Watcher
from airgaplab.classroom import actions
from airgaplab.classroom.roster import Roster, Seat
from airgaplab.classroom.seats import open_seat, shell_argv
from airgaplab.errors import LabError, UserError
from airgaplab.exercise import drills
from airgaplab.exercise import steps as exercise
from airgaplab.paths import PACKAGE_DIR
from airgaplab.suite.catalog import catalog

HERE = Path(__file__).parent
XTERM = PACKAGE_DIR.parents[1] / "node_modules" / "@xterm"  # npm's copy in the checkout (make board-assets)
XTERM_FILES = {"xterm.js": "xterm/lib/xterm.js", "xterm.css": "xterm/css/xterm.css",
               "addon-fit.js": "addon-fit/lib/addon-fit.js"}
SOLVED_SIDE_BY_SIDE = 4  # seats solved at once by "next step" (as `class up` brings them up)
LEVELS = ("symptom", "hint", "solution")  # help as the CLI gives it: check, check --hint, solve --show
KEEPALIVE_S = 15.0
WATCH_S = 0.25
NO_REFERRER = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}  # tokens stay out of other logs


def assets_missing() -> str | None:
    """What of the terminal's assets is missing, with the fix; None when all are there."""
    gone = [f for f in XTERM_FILES.values() if not (XTERM / f).is_file()]
    return f"xterm.js is missing ({XTERM / gone[0]}) — run `make board-assets` (npm ci)" if gone else None


def make_app(watcher: Watcher) -> FastAPI:
    app = FastAPI(title="airgaplab class board", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    pages = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape())

    def tokens() -> Tokens:
        return Tokens.for_class(Roster.needed())

    def leader(t: str | None) -> Tokens:
        tok = tokens()
        if not tok.leader_ok(t):
            raise HTTPException(403, "the board needs the leader's token (printed by `airgaplab class board`)")
        return tok

    def seat_of(name: str, t: str | None) -> Seat:
        try:
            seat = Roster.needed().seat(name)
        except UserError as e:
            raise HTTPException(404, str(e)) from None
        if not tokens().seat_ok(seat.name, t):
            raise HTTPException(403, f"this page needs {seat.name}'s own token")
        return seat

    def page(name: str, lang: str = "en", **context: Any) -> HTMLResponse:
        return HTMLResponse(pages.get_template(name).render(steps=exercise.STEPS, lang=lang,
                                                            t=lambda text: i18n.t(text, lang), **context),
                            headers=NO_REFERRER)

    @app.get("/assets/{name}")
    def asset(name: str) -> FileResponse:
        if name not in XTERM_FILES or not (XTERM / XTERM_FILES[name]).is_file():
            raise HTTPException(404, assets_missing() or f"no asset {name}")
        return FileResponse(XTERM / XTERM_FILES[name])

    # --- the leader's board --------------------------------------------------------------------------
    @app.get("/board", response_class=HTMLResponse)
    def board(t: str | None = None) -> HTMLResponse:
        leader(t)
        return page("board.html", token=t, drills=sorted(drills.DRILLS), states=["bare", "provisioned"])

    @app.get("/board/events")
    async def board_events(request: Request, t: str | None = None) -> StreamingResponse:
        leader(t)
        return _events(request, watcher, lambda: {"seats": watcher.room()})

    @app.get("/board/class.csv")
    def board_csv(t: str | None = None) -> PlainTextResponse:
        leader(t)
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["seat", "state", "step", "on_step_s", *[f"step {s.number} {s.name}" for s in exercise.STEPS],
                    "drill", "drill_state", "help_revealed", "hand"])
        for s in watcher.room():
            marks = [f"{x['passed']}/{x['total']}" for x in s.get("steps", [])] or [""] * len(exercise.STEPS)
            w.writerow([s["seat"], s.get("state"), s.get("step"), s.get("on_step_s"), *marks, s.get("drill") or "",
                        s.get("drill_state") or "", len(s["help"]), s["hand"]])
        return PlainTextResponse(buf.getvalue(), media_type="text/csv",
                                 headers={**NO_REFERRER, "Content-Disposition": 'attachment; filename="class.csv"'})

    @app.post("/board/seat/{name}/{action}")
    async def seat_action(name: str, action: str, t: str | None = None,
                          body: dict[str, Any] = Body(default={})) -> dict[str, Any]:  # noqa: B008
        leader(t)
        seat = Roster.needed().seat(name)
        said = await run_in_threadpool(_act, seat, action, body, watcher)
        watcher.grade_soon(seat.name)
        return {"ok": True, "said": said}

    @app.post("/board/room/{action}")
    async def room_action(action: str, t: str | None = None) -> dict[str, Any]:
        leader(t)
        roster = Roster.needed()
        if action == "reset-all":
            said = await asyncio.gather(*[run_in_threadpool(actions.reset, s, None) for s in roster.seats])
        elif action == "next-step":
            said = [await run_in_threadpool(_next_step, roster, watcher)]
        else:
            raise HTTPException(404, f"no room action {action!r}: reset-all or next-step")
        for s in roster.seats:
            watcher.grade_soon(s.name)
        return {"ok": True, "said": [str(x) for x in said]}

    # --- a member's seat -------------------------------------------------------------------------------
    @app.get("/seat/{name}", response_class=HTMLResponse)
    def seat_page(request: Request, name: str, t: str | None = None, lang: str | None = None) -> HTMLResponse:
        seat = seat_of(name, t)
        chosen = page_language(lang, request.headers.get("accept-language"))
        return page("seat.html", lang=chosen, token=t, seat=seat.name, hosts=open_seat(seat).spec.host_names,
                    words={w: i18n.t(w, chosen) for w in SEAT_WORDS})

    @app.get("/seat/{name}/events")
    async def seat_events(request: Request, name: str, t: str | None = None) -> StreamingResponse:
        seat = seat_of(name, t)
        return _events(request, watcher, lambda: watcher.seat(seat.name))

    @app.post("/seat/{name}/check")
    def seat_check(name: str, t: str | None = None) -> dict[str, Any]:
        seat = seat_of(name, t)
        watcher.grade_soon(seat.name)
        return {"ok": True}

    @app.post("/seat/{name}/hand")
    def seat_hand(name: str, t: str | None = None, body: dict[str, Any] = Body(default={})) -> dict[str, Any]:  # noqa: B008
        seat = seat_of(name, t)
        watcher.raise_hand(seat.name, bool(body.get("up", True)))
        return {"ok": True}

    @app.post("/seat/{name}/help")
    async def seat_help(name: str, t: str | None = None,
                        body: dict[str, Any] = Body(default={})) -> dict[str, Any]:  # noqa: B008
        seat = seat_of(name, t)
        step, level = exercise.step(str(body.get("step", 1))), str(body.get("level", "symptom"))
        if level not in LEVELS:
            raise HTTPException(400, f"help level {level!r}: one of {', '.join(LEVELS)}")
        lang = i18n.from_locale(str(body.get("lang", ""))) or "en"
        text = await run_in_threadpool(_help, seat, step, level, watcher, lang)
        watcher.revealed(seat.name, step.number, level)
        return {"ok": True, "text": text}

    @app.websocket("/seat/{name}/term/{host}")
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

    @app.exception_handler(UserError)
    async def user_error(_request: Request, e: UserError) -> PlainTextResponse:
        return PlainTextResponse(str(e), status_code=400)

    @app.exception_handler(LabError)
    async def lab_error(_request: Request, e: LabError) -> PlainTextResponse:
        return PlainTextResponse(str(e), status_code=500)

    return app


def _events(request: Request, watcher: Watcher, snapshot: Any) -> StreamingResponse:
    """Server-sent events: the snapshot now, then again on every change (a comment line keeps it open)."""
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


def _act(seat: Seat, action: str, body: dict[str, Any], watcher: Watcher) -> str:
    if action == "reset":
        return f"{seat.name} is back to state {actions.reset(seat, body.get('state') or None)}"
    if action == "solve":
        return actions.solved(seat, *actions.solve_to(seat, body.get("to", 1)))
    if action == "drill":
        return f"{seat.name}: drill {actions.drill(seat, str(body.get('name', ''))).name} applied"
    if action == "hint":
        text = str(body.get("text", "")).strip()
        if not text:
            raise UserError("a hint needs some text")
        watcher.hint(seat.name, text[:500])
        return f"hint sent to {seat.name}"
    raise UserError(f"no seat action {action!r}: reset, solve, drill or hint")


def _next_step(roster: Roster, watcher: Watcher) -> str:
    """The room moves on: the step most seats are on is solved on every seat not past it."""
    on = {s["seat"]: int(s.get("step", 1)) for s in watcher.room()}
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


def _help(seat: Seat, step: exercise.Step, level: str, watcher: Watcher, lang: str = "en") -> str:
    """Help on one step at one level, as the CLI gives it (in the page's language; what hosts said as they said it)."""
    failing = [g for g in watcher.graded(seat.name) if catalog()[g.req].step == step.number
               and g.outcome not in ("PASS", "SKIP")]
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


# what seat.js says itself (the page hands them over, translated)
SEAT_WORDS = ("raise hand", "lower hand", "grading …", "graded {n} s ago", "from the leader: {text}",
              "connection closed")
