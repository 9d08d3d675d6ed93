"""What the board keeps of each seat (SeatRecord) and shows of it (SeatShown: typed until the wire, where
`as_json` makes it the pages' JSON)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from airgaplab.board.story import Who
from airgaplab.classroom import progress
from airgaplab.exercise import steps as exercise


@dataclass(frozen=True)
class Revealed:
    """Help a member revealed: a step's symptom, hint or solution."""

    step: int
    level: str
    at: float


@dataclass(frozen=True)
class Timer:
    """The leader's timer for the room: when it ends (epoch seconds), and for what."""

    ends: float
    label: str


@dataclass(frozen=True)
class Notice:
    """What the member's page tells them: a hint or a message from the leader, or what the leader did to the seat."""

    kind: str  # hint | message | action
    text: str
    at: float


@dataclass
class SeatRecord:
    view: progress.SeatView | None = None  # None: not graded yet
    graded: list[exercise.Graded] = field(default_factory=list)
    graded_at: float = 0.0  # monotonic: when to grade again
    graded_epoch: float = 0.0  # the same moment as the pages count from it
    asked_at: float = 0.0  # epoch: the member's last `check` (their page says "checking" until a grade after it)
    signature: tuple[tuple[str, int, int], ...] = ()
    hand: float | None = None  # epoch: when the member raised their hand
    helping: float | None = None  # epoch: since when the leader is helping this seat
    help: list[Revealed] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    solved_by: dict[int, Who | Literal["start"]] = field(default_factory=dict)  # passing steps: who made them pass
    leader_upto: int = 0  # the leader's `solve` covered steps 1..leader_upto since the last reset


@dataclass(frozen=True)
class SeatShown:
    """A seat as the pages show it: its graded view and what its member and the leader added. Times are epoch
    seconds: the pages count ages up from them against `now`, the server's clock when this was sent."""

    view: progress.SeatView
    hand: float | None
    helping: float | None
    help: list[Revealed]
    notices: list[Notice]
    graded_at: float | None  # None: not graded yet
    asked_at: float
    solved_by: dict[int, str]

    def as_json(self) -> dict[str, Any]:
        """The wire's form (server-sent events, the pages' scripts read it)."""
        return {**self.view.as_dict(), "hand": self.hand, "helping": self.helping,
                "help": [asdict(h) for h in self.help], "notices": [asdict(n) for n in self.notices],
                "graded_at": self.graded_at, "asked_at": self.asked_at,
                "solved_by": {str(k): v for k, v in self.solved_by.items()}, "now": round(time.time(), 3)}
