"""A seat's progress as the person leading the class sees it: each step's checks (graded by the suite, which
leaves no trace on the seat), the step the member is on, how long they have been on it, and their drill.

    views = look(roster)          # every seat graded side by side; the roster keeps when each step began
    views[1].as_dict()            # {'seat': 'seat-02', 'step': 3, 'step_since': 1796681573.9, 'steps': [...], ...}
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from airgaplab.backends import open_lab
from airgaplab.classroom.roster import Progress, Roster, Seat
from airgaplab.errors import LabError, UserError
from airgaplab.exercise import drills
from airgaplab.exercise import steps as exercise
from airgaplab.lab.specfile import load_spec
from airgaplab.suite.catalog import catalog

GRADED_SIDE_BY_SIDE = 4


def class_steps() -> tuple[exercise.Step, ...]:
    """The steps the class's seats are graded on (its spec's services, in its state); the notes' without a class."""
    roster = Roster.load()
    return exercise.STEPS if roster is None else exercise.graded_on(load_spec(Path(roster.spec_file)))


@dataclass(frozen=True)
class StepView:
    number: int
    name: str
    passed: int
    total: int

    @property
    def passing(self) -> bool:
        return self.total > 0 and self.passed == self.total


@dataclass
class SeatView:
    seat: str
    host: str
    state: str  # up | down | unknown (why in `error`)
    steps: list[StepView] = field(default_factory=list)
    step: int = 1
    step_since: float = 0.0  # epoch seconds: when the seat reached its step (a page counts the time up from it)
    drill: str | None = None
    drill_state: str | None = None
    error: str = ""
    states: list[str] = field(default_factory=list)  # the states saved for the seat's lab (what `reset` can return to)

    @property
    def done(self) -> bool:
        """Every step passes (the seat is past the last)."""
        return bool(self.steps) and self.step > self.steps[-1].number

    @property
    def on_step_s(self) -> float:
        """How long the seat has been on its step, now."""
        return round(time.time() - self.step_since, 1) if self.step_since else 0.0

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for s, view in zip(d["steps"], self.steps, strict=True):
            s["passing"] = view.passing
        return d


def current_step(steps: list[StepView]) -> int:
    """The first step whose checks do not all pass (the one after the last when all do)."""
    return next((s.number for s in steps if not s.passing), (steps[-1].number if steps else 0) + 1)


def steps_of(graded: list[exercise.Graded], steps: tuple[exercise.Step, ...] = exercise.STEPS) -> list[StepView]:
    reqs = catalog()
    views = []
    for s in steps:
        mine = [g for g in graded if reqs[g.req].step == s.number]
        views.append(StepView(s.number, s.name, sum(g.outcome.passing for g in mine), len(mine)))
    return views


def look_at(seat: Seat, now: float) -> SeatView:
    """One seat graded; its progress record moved on when its step changed."""
    return graded_seat(seat, now)[0]


def graded_seat(seat: Seat, now: float) -> tuple[SeatView, list[exercise.Graded]]:
    """One seat graded, with each check's outcome (its symptom and hint, for help asked for on the board)."""
    graded: list[exercise.Graded] = []
    try:
        be = open_lab(seat.lab)
        if not be.is_up():
            return SeatView(seat.name, seat.host, "down"), []
        graded = exercise.grade(be, None)
        view = SeatView(seat.name, seat.host, "up", steps_of(graded, exercise.graded_on(be.spec)),
                        states=be.state.saved_states())
        d = drills.active(be.state)
        if d is not None:
            view.drill, (view.drill_state, _) = d.name, drills.judged(be, d)
    except (LabError, UserError) as e:
        return SeatView(seat.name, seat.host, "unknown", error=str(e)), []
    view.step = current_step(view.steps)
    if view.step != seat.progress.step:
        seat.progress = Progress(step=view.step, since=now)
    view.step_since = seat.progress.since
    return view, graded


def look(roster: Roster) -> list[SeatView]:
    """Every seat graded (a few side by side), in seat order; the roster saved with what moved."""
    now = time.time()
    with ThreadPoolExecutor(max_workers=GRADED_SIDE_BY_SIDE) as pool:
        views = list(pool.map(lambda s: look_at(s, now), roster.seats))
    roster.save()
    return views
