"""Every seat's progress as the board shows it, kept fresh by a thread of its own.

A seat is graded again as soon as its hosts change (what `solve`, a drill, a reset or a member's edit write
under /etc, or a daemon started or stopped — seen by a cheap look at the seat's files every half second), when
someone asks (the `check` button, an action), and every so often anyway (what moves without a file changing:
chrony converging, a link cut) — one seat at a time, and at rest no more than half of one core of the leading
machine (a big room's seats are looked at less often). What members and the leader add lives here too:
raised hands, help revealed, hints sent.

    watcher = Watcher(); watcher.start()
    watcher.room()                               # the whole class (SeatShown; .as_json() at the wire)
    watcher.version                              # goes up whenever something the pages show changed
    watcher.grade_soon("seat-02")                # after an action on it, or its member's `check`
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from airgaplab.classroom import progress
from airgaplab.classroom.roster import Roster, Seat
from airgaplab.classroom.seats import open_seat
from airgaplab.errors import LabError, UserError
from airgaplab.exercise import steps as exercise

POLL_S = 0.5  # how often the seats' files are looked at (a stat per file, no process)
AT_REST_S = 20.0  # a seat graded at least this often even when nothing of it changed …
AT_REST_SHARE = 0.5  # … unless that kept the grader busy more than half of one core (a room of 20: every ~2 min)
# what a change of the lab is written to, per host: its own /etc, and systemctl's record of starts and stops
WATCHED = ("etc/upper", "var/upper/lib/airgaplab/systemd")


@dataclass(frozen=True)
class Revealed:
    """Help a member revealed: a step's symptom, hint or solution."""

    step: int
    level: str
    at: float


@dataclass(frozen=True)
class Hint:
    """A hint the leader sent."""

    text: str
    at: float


@dataclass
class SeatRecord:
    view: progress.SeatView | None = None  # None: not graded yet
    graded: list[exercise.Graded] = field(default_factory=list)
    graded_at: float = 0.0
    signature: tuple[tuple[str, int, int], ...] = ()
    hand: float | None = None  # when the member raised their hand
    help: list[Revealed] = field(default_factory=list)
    hints: list[Hint] = field(default_factory=list)


@dataclass(frozen=True)
class SeatShown:
    """A seat as the pages show it: its graded view and what its member and the leader added."""

    view: progress.SeatView
    hand: bool
    help: list[Revealed]
    hints: list[Hint]
    graded_s_ago: float | None  # None: not graded yet

    def as_json(self) -> dict[str, Any]:
        """The wire's form (server-sent events, the pages' scripts read it)."""
        return {**self.view.as_dict(), "hand": self.hand, "help": [asdict(h) for h in self.help],
                "hints": [asdict(h) for h in self.hints], "graded_s_ago": self.graded_s_ago}


def hosts_dir(seat: Seat) -> Path | None:
    """Where the seat's hosts keep their files on this machine (None: not here; periodic grading covers it)."""
    try:
        return open_seat(seat).state.dir / "hosts"
    except (LabError, UserError, OSError):
        return None


def signature(hosts: Path | None) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime, size) of what a change of a seat's lab writes under its `hosts` dir."""
    if hosts is None:
        return ()
    found: list[tuple[str, int, int]] = []
    for host in sorted(os.listdir(hosts)) if hosts.is_dir() else []:
        for sub in WATCHED:
            for root, _dirs, files in os.walk(hosts / host / sub):
                for name in files:
                    try:
                        st = os.lstat(os.path.join(root, name))
                    except OSError:
                        continue
                    found.append((os.path.join(root, name), st.st_mtime_ns, st.st_size))
    return tuple(found)


class Watcher:
    def __init__(self) -> None:
        self.records: dict[str, SeatRecord] = {}
        self.version = 0
        self.cond = threading.Condition()
        self._asked: set[str] = set()
        self._hosts: dict[str, Path | None] = {}  # seat → its hosts' dir, looked up once
        self._grading_s = 2.0  # how long grading a seat takes (a moving average)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="board-watch", daemon=True)

    # --- the loop -------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self.cond:
            self.cond.notify_all()

    def _run(self) -> None:
        while not self._stop.is_set():
            roster = Roster.load()
            seats = roster.seats if roster else []
            due = self._due(seats)
            if due is None:
                with self.cond:
                    self.cond.wait(POLL_S)
                continue
            t0 = time.monotonic()
            view, graded = progress.graded_seat(due, time.time())
            self._grading_s = 0.8 * self._grading_s + 0.2 * (time.monotonic() - t0)
            if roster and Roster.path().exists():  # not after `class down` (it would bring a phantom class back)
                roster.save()  # when the seat reached its step
            with self.cond:
                rec = self.records.setdefault(due.name, SeatRecord())
                rec.view, rec.graded, rec.graded_at = view, graded, time.monotonic()
                self._changed()

    def _due(self, seats: list[Seat]) -> Seat | None:
        """The seat to grade next: one asked for, then one whose files changed, then the one graded longest
        ago if that is older than the resting interval; None: nothing to do now."""
        now = time.monotonic()
        rest = max(AT_REST_S, self._grading_s * len(seats) / AT_REST_SHARE)
        with self.cond:
            for name in set(self.records) - {s.name for s in seats}:  # seats gone (class down)
                del self.records[name]
                self._changed()
            for s in seats:
                if s.name in self._asked:
                    self._asked.discard(s.name)
                    self.records.setdefault(s.name, SeatRecord()).signature = self._signature(s)
                    return s
        for s in seats:
            sig = self._signature(s)
            with self.cond:
                rec = self.records.setdefault(s.name, SeatRecord())
                if not rec.graded_at or sig != rec.signature:
                    rec.signature = sig
                    return s
        with self.cond:
            oldest = min(seats, key=lambda s: self.records[s.name].graded_at, default=None)
            if oldest is not None and now - self.records[oldest.name].graded_at >= rest:
                return oldest
        return None

    def _signature(self, seat: Seat) -> tuple[tuple[str, int, int], ...]:
        if self._hosts.get(seat.name) is None:  # looked up again until the seat's lab is there
            self._hosts[seat.name] = hosts_dir(seat)
        return signature(self._hosts[seat.name])

    def _changed(self) -> None:
        """Under self.cond: something the pages show changed."""
        self.version += 1
        self.cond.notify_all()

    # --- what the pages ask -----------------------------------------------------------------------
    def grade_soon(self, seat: str) -> None:
        """Grade this seat next (after an action on it, or its member's `check`)."""
        with self.cond:
            self._asked.add(seat)
            self.cond.notify_all()

    def room(self) -> list[SeatShown]:
        """Every seat as the board shows it, in seat order."""
        with self.cond:
            return [self._shown(name, rec) for name, rec in sorted(self.records.items())]

    def seat(self, name: str) -> SeatShown:
        with self.cond:
            return self._shown(name, self.records.setdefault(name, SeatRecord()))

    def graded(self, name: str) -> list[exercise.Graded]:
        with self.cond:
            return list(self.records.get(name, SeatRecord()).graded)

    def _shown(self, name: str, rec: SeatRecord) -> SeatShown:
        age = time.monotonic() - rec.graded_at if rec.graded_at else None
        return SeatShown(rec.view or progress.SeatView(name, "", "grading"), rec.hand is not None, list(rec.help),
                         list(rec.hints), None if age is None else round(age, 1))

    # --- what members and the leader add -------------------------------------------------------------
    def raise_hand(self, seat: str, up: bool) -> None:
        with self.cond:
            self.records.setdefault(seat, SeatRecord()).hand = time.time() if up else None
            self._changed()

    def revealed(self, seat: str, step: int, level: str) -> None:
        with self.cond:
            self.records.setdefault(seat, SeatRecord()).help.append(Revealed(step, level, time.time()))
            self._changed()

    def hint(self, seat: str, text: str) -> None:
        with self.cond:
            self.records.setdefault(seat, SeatRecord()).hints.append(Hint(text, time.time()))
            self._changed()

