"""What the person leading does to one seat, the same from the CLI and the board: reset it to a saved state,
fast-forward it through steps 1..N, apply a drill. The other seats stay as they are.

    reset(seat, "bare")          # the exercise from its start; the state's name back
    solve_to(seat, 2, say)       # steps 1-2 solved with the reference solution, the clocks waited for
    drill(seat, "nodes-lose-time")
"""

from __future__ import annotations

from collections.abc import Callable

from airgaplab.classroom.roster import Seat
from airgaplab.classroom.seats import open_seat
from airgaplab.exercise import drills, rewind
from airgaplab.exercise import steps as exercise
from airgaplab.services.drill import Drill


def reset(seat: Seat, state: str | None = None) -> str:
    """The seat back to `state` (default: the one `class up` saved); the state's name."""
    return rewind.reset(open_seat(seat), state)


def solve_to(seat: Seat, last: str | int, say: Callable[[str], None] = lambda _m: None) -> tuple[int, str | None]:
    """The reference solution of steps 1..`last` applied on the seat, then waited for until the clocks it set up
    follow their sources, as the steps' checks wait for: the last step's number, and why the clocks do not
    follow yet (None when they do)."""
    be = open_seat(seat)
    upto = exercise.step(str(last), exercise.of(be.spec)).number
    for st in (s for s in exercise.of(be.spec) if s.number <= upto):
        say(f"{seat.name}: solving step {st.number} {st.name} …")
        exercise.solve(be, st)
    say(f"{seat.name}: waiting for the clocks to follow their sources …")
    return upto, exercise.in_sync(be, upto)


def solved(seat: Seat, upto: int, why: str | None) -> str:
    """What solving said, in one line."""
    return f"{seat.name}: steps 1–{upto} solved" + (f", but {why}" if why else ", the clocks in sync")


def drill(seat: Seat, name: str) -> Drill:
    """A break/fix drill applied on the seat."""
    return drills.apply(open_seat(seat), name)
