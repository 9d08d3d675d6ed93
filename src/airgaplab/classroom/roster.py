"""The class's record, in the state directory beside the labs (`.class/roster.json`): which seats it has, the
lab and host of each, the gateway, and what `status` last saw of each seat's progress. It is written before the
first seat is created, so that `class down` knows every seat also after a killed `class up`.

    roster = Roster.load()              # None: no class here
    roster.seat("seat-02").lab          # 'seat-02'
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from pydantic import BaseModel, Field

from airgaplab.backends.seating import LOCAL
from airgaplab.errors import UserError
from airgaplab.paths import state_root

SEAT = re.compile(r"^seat-(\d{2,3})$")


def class_dir() -> Path:
    return state_root() / ".class"


def seat_name(n: int) -> str:
    return f"seat-{n:02d}"


class Progress(BaseModel):
    """What `class status` last saw of a seat: the step the member is on (first not passing; 5 = all pass) and
    since when (time on the step is measured from the first look that saw it)."""

    step: int = 1
    since: float = Field(default_factory=time.time)


class Seat(BaseModel):
    name: str
    lab: str
    host: str = LOCAL  # a libvirt URI, or LOCAL
    progress: Progress = Field(default_factory=Progress)


class Gateway(BaseModel):
    listen: str
    port: int
    pid: int | None = None


class Roster(BaseModel):
    backend: str
    spec_file: str
    bare: bool = False
    seats: list[Seat]
    gateway: Gateway | None = None

    @staticmethod
    def path() -> Path:
        return class_dir() / "roster.json"

    @classmethod
    def load(cls) -> Roster | None:
        try:
            return cls.model_validate_json(cls.path().read_text())
        except OSError:
            return None

    @classmethod
    def needed(cls) -> Roster:
        got = cls.load()
        if got is None:
            raise UserError("no class is up here — `airgaplab class up --seats N` starts one")
        return got

    def save(self) -> None:
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(self.model_dump_json(indent=1))
        os.replace(tmp, path)

    def seat(self, name: str) -> Seat:
        """The seat called name (`seat-02`, or just `2`); one line naming the seats when there is none."""
        wanted = seat_name(int(name)) if name.isdigit() else name
        for s in self.seats:
            if s.name == wanted:
                return s
        raise UserError(f"no seat {name!r} in this class — seats: {self.seats[0].name} … {self.seats[-1].name}")
