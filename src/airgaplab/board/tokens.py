"""Who may see what on the board: the leader's token opens the board and every action; a seat's token opens
that seat's page and terminals only; the projector's opens the room's read-only view, nothing else. Made once
per class, kept beside the roster (mode 0600).

    tokens = Tokens.for_class(roster)     # made on first use, the same afterwards
    tokens.leader_ok(given)                # constant-time comparisons
    tokens.seat_ok("seat-02", given)
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
from pathlib import Path

from pydantic import BaseModel

from airgaplab.classroom.roster import Roster, class_dir


class Tokens(BaseModel):
    leader: str
    seats: dict[str, str]
    projector: str = ""  # "" in a class's tokens made before the projector view: made on first use
    codes: dict[str, str] = {}  # seat → a short code to join by (typed, or read from a QR code) instead of a link

    @staticmethod
    def path() -> Path:
        return class_dir() / "board-tokens.json"

    @classmethod
    def for_class(cls, roster: Roster) -> Tokens:
        """The class's tokens: read, or made for every seat of the roster (and any seat new since)."""
        try:
            tokens = cls.model_validate_json(cls.path().read_text())
        except (OSError, ValueError):
            tokens = cls(leader=secrets.token_urlsafe(24), seats={})
        before = tokens.model_dump()
        for name in [s.name for s in roster.seats]:
            if name not in tokens.seats:
                tokens.seats[name] = secrets.token_urlsafe(24)
            if name not in tokens.codes:
                tokens.codes[name] = _code(set(tokens.codes.values()))
        if not tokens.projector:
            tokens.projector = secrets.token_urlsafe(24)
        if tokens.model_dump() != before or not cls.path().exists():
            tokens.save()
        return tokens

    def save(self) -> None:
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.model_dump_json(indent=1))
        os.replace(tmp, path)

    def leader_ok(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.leader.encode())

    def seat_of_code(self, code: str) -> str | None:
        """The seat whose join code `code` is (any case, spaces and dashes ignored), else None."""
        wanted = re.sub(r"[\s-]", "", code).upper()
        return next((seat for seat, c in self.codes.items() if hmac.compare_digest(c.encode(), wanted.encode())), None)

    def projector_ok(self, given: str | None) -> bool:
        """`given` opens the room's read-only view (the projector's token, or the leader's)."""
        return given is not None and (self.leader_ok(given) or hmac.compare_digest(given.encode(),
                                                                                   self.projector.encode()))

    def seat_ok(self, seat: str, given: str | None) -> bool:
        """`given` is this seat's token (the leader's opens every seat too)."""
        mine = self.seats.get(seat)
        return given is not None and (self.leader_ok(given) or (
            mine is not None and hmac.compare_digest(given.encode(), mine.encode())))


CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # none two people read alike (no 0/O, 1/I/L)
CODE_LENGTH = 6  # 31^6: about 900 million codes, for a room's dozens of seats


def _code(taken: set[str]) -> str:
    while (code := "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))) in taken:
        continue
    return code
