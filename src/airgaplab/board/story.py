"""The session's story: who did what, when — steps passed (and by whom: the member, or the leader's `solve`),
help revealed, hands raised and lowered, hints and messages sent, the leader's actions. Kept with the class
(`.class/story.jsonl`, one event a line, appended as it happens), shown on the board, exported at the end.

    story = Story.of_class()
    story.add("seat-02", "member", "hand", "raised a hand")
    story.recent(8)             # the newest first
    story.csv()                 # at,seat,who,what,text
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from airgaplab.classroom.roster import class_dir

Who = Literal["member", "leader", "grader"]
FIELDS = ("at", "seat", "who", "what", "text")


@dataclass(frozen=True)
class Event:
    at: float  # epoch seconds
    seat: str  # "" for the whole room
    who: Who
    what: str  # a short kind: passed, hand, help, hint, message, reset, solve, drill, next-step, helping
    text: str  # one line, as the board shows it

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class Story:
    def __init__(self, path: Path | None) -> None:
        self.path, self._lock = path, threading.Lock()
        self.events: list[Event] = []
        if path is not None and path.exists():
            for line in path.read_text().splitlines():
                try:
                    self.events.append(Event(**json.loads(line)))
                except (ValueError, TypeError):  # a line cut short by a killed board: the rest still reads
                    continue

    @classmethod
    def of_class(cls) -> Story:
        return cls(class_dir() / "story.jsonl")

    def add(self, seat: str, who: Who, what: str, text: str) -> Event:
        e = Event(round(time.time(), 3), seat, who, what, text)
        with self._lock:
            self.events.append(e)
            if self.path is not None and self.path.parent.is_dir():  # not after `class down`
                with self.path.open("a") as f:
                    f.write(json.dumps(e.as_json()) + "\n")
        return e

    def recent(self, n: int, seat: str | None = None) -> list[Event]:
        """The newest `n` events (of one seat, and the room's, with `seat`), newest first."""
        with self._lock:
            mine = [e for e in self.events if seat is None or e.seat in (seat, "")]
        return mine[::-1][:n]

    def csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(FIELDS)
        with self._lock:
            for e in self.events:
                w.writerow([time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(e.at)), e.seat, e.who, e.what, e.text])
        return buf.getvalue()

    def as_json(self) -> list[dict[str, Any]]:
        with self._lock:
            return [e.as_json() for e in self.events]
