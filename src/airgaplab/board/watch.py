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
from pathlib import Path
from typing import Any

from airgaplab.board.records import Notice, Revealed, SeatRecord, SeatShown, Timer
from airgaplab.board.story import Story, Who
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
    def __init__(self, story: Story | None = None) -> None:
        self.records: dict[str, SeatRecord] = {}
        self.story = story if story is not None else Story(None)
        self.timer: Timer | None = None  # the leader's timer for the room
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
                self._passed(due.name, rec, rec.view, view)
                rec.view, rec.graded, rec.graded_at, rec.graded_epoch = view, graded, time.monotonic(), time.time()
                self._changed()

    def _passed(self, seat: str, rec: SeatRecord, before: progress.SeatView | None, now: progress.SeatView) -> None:
        """Under self.cond: who made each newly passing step pass (the leader's `solve` or the member), in the
        story; a step failing again (a reset, a drill) is nobody's."""
        if now.state != "up":
            return
        was = {s.number: s.passing for s in before.steps} if before and before.state == "up" else None
        for s in now.steps:
            if not s.passing:
                rec.solved_by.pop(s.number, None)
            elif was is None:
                rec.solved_by.setdefault(s.number, "start")  # passing when first seen: not this session's work
            elif not was.get(s.number) and s.number not in rec.solved_by:
                who: Who = "leader" if s.number <= rec.leader_upto else "member"
                rec.solved_by[s.number] = who
                self.story.add(seat, who, "passed", f"step {s.number} {s.name} passed"
                               + (" (solved by the leader)" if who == "leader" else ""))

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
        return SeatShown(rec.view or progress.SeatView(name, "", "grading"), rec.hand, rec.helping, list(rec.help),
                         list(rec.notices), rec.graded_epoch or None, rec.asked_at, dict(rec.solved_by))

    # --- what members and the leader add -------------------------------------------------------------
    def _rec(self, seat: str) -> SeatRecord:
        return self.records.setdefault(seat, SeatRecord())

    def checked(self, seat: str) -> float:
        """The member pressed `check`: graded next; when they asked (their page waits for a grade after it)."""
        with self.cond:
            at = self._rec(seat).asked_at = time.time()
            self._asked.add(seat)
            self._changed()
        return at

    def raise_hand(self, seat: str, up: bool, by: Who = "member") -> None:
        with self.cond:
            rec = self._rec(seat)
            if up == (rec.hand is not None):
                return
            if up:
                self.story.add(seat, by, "hand", "raised a hand")
            else:
                held = f" after {_age(rec.hand)}" if rec.hand else ""
                self.story.add(seat, by, "hand", f"{'the leader lowered the hand' if by == 'leader' else 'lowered the hand'}"
                                                  f"{held}")
            rec.hand = time.time() if up else None
            if not up:
                rec.helping = None
            self._changed()

    def helping(self, seat: str, on: bool) -> None:
        """The leader is helping this seat now (or no more)."""
        with self.cond:
            rec = self._rec(seat)
            rec.helping = time.time() if on else None
            self.story.add(seat, "leader", "helping", "helping" if on else "done helping")
            self._changed()

    def revealed(self, seat: str, step: int, level: str) -> None:
        with self.cond:
            self._rec(seat).help.append(Revealed(step, level, time.time()))
            self.story.add(seat, "member", "help", f"revealed the {level} of step {step}"
                           + (" — the reference solution" if level == "solution" else ""))
            self._changed()

    def hint(self, seat: str, text: str) -> None:
        with self.cond:
            self._rec(seat).notices.append(Notice("hint", text, time.time()))
            self.story.add(seat, "leader", "hint", f"hint: {text}")
            self._changed()

    def message(self, seats: list[str], text: str) -> None:
        """A message from the leader to every seat."""
        with self.cond:
            for seat in seats:
                self._rec(seat).notices.append(Notice("message", text, time.time()))
            self.story.add("", "leader", "message", f"to the room: {text}")
            self._changed()

    def solving(self, seat: str, upto: int) -> None:
        """The leader is about to solve steps 1..upto on the seat: those that pass from now on are the leader's
        (set before: the seat may be graded while the solution is still being applied)."""
        with self.cond:
            rec = self._rec(seat)
            rec.leader_upto = max(rec.leader_upto, upto)

    def set_timer(self, minutes: float, label: str) -> None:
        """The leader's timer for the room (0: none); every page counts it down."""
        with self.cond:
            self.timer = Timer(time.time() + minutes * 60, label) if minutes > 0 else None
            self.story.add("", "leader", "timer", f"timer: {minutes:g} min for {label}" if minutes > 0 else
                           "timer stopped")
            self._changed()

    def room_json(self) -> dict[str, Any]:
        """What every page shows of the room (the wire's form)."""
        with self.cond:
            t = self.timer
        return {"timer": {"ends": t.ends, "label": t.label} if t else None, "now": round(time.time(), 3)}

    def leader_did(self, seat: str, what: str, text: str, *, reset: bool = False) -> None:
        """An action of the leader's on the seat: told to its member, kept in the story."""
        with self.cond:
            rec = self._rec(seat)
            if reset:
                rec.leader_upto, rec.solved_by = 0, {}
            rec.notices.append(Notice("action", text, time.time()))
            self.story.add(seat, "leader", what, text)
            self._changed()


def _age(since: float) -> str:
    s = max(0.0, time.time() - since)
    return f"{s:.0f} s" if s < 60 else f"{s / 60:.0f} min"
