"""chronyc's machine-readable output (`chronyc -c`), parsed."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    mode: str  # ^ server, = peer, # refclock
    state: str  # * selected, + combined, - not combined, ? unreachable, x falseticker, ~ too variable
    name: str
    stratum: int
    poll: int
    reach: int  # the 8-bit reach register (chronyc prints it in octal)
    last_rx: str

    def __str__(self) -> str:
        return f"{self.mode}{self.state} {self.name} stratum {self.stratum} reach {self.reach:o}"


@dataclass(frozen=True)
class Tracking:
    refid: int
    ref_name: str
    stratum: int
    offset: float  # seconds (last offset)
    leap: str  # Normal, Insert second, Delete second, Not synchronised

    def __str__(self) -> str:
        return f"refid {self.refid:08X} ({self.ref_name}), stratum {self.stratum}, leap {self.leap}"

    def summary(self) -> str:
        """`is at stratum 3, following 198.51.100.123` or `is not synchronised` — in words."""
        if self.leap == "Not synchronised" or not self.stratum:
            return "is not synchronised"
        return f"is at stratum {self.stratum}, following {self.ref_name or f'{self.refid:08X}'}"


LOCAL_REFID = 0x7F7F0101  # the reference id of chrony's local clock (`local stratum`)


def _rows(text: str) -> list[list[str]]:
    try:
        return [r for r in csv.reader(io.StringIO(text, newline="")) if r]
    except csv.Error:  # not what chronyc -c prints: nothing to read
        return []


def sources(text: str) -> list[Source]:
    """`chronyc -c sources`; a row chronyc would not print is set aside."""
    found = []
    for r in _rows(text):
        try:
            found.append(Source(r[0], r[1], r[2], int(r[3]), int(r[4]), int(r[5], 8), r[6]))
        except (IndexError, ValueError):
            continue
    return found


def tracking(text: str) -> Tracking:
    r = _rows(text)[0]
    return Tracking(int(r[0], 16), r[1], int(r[2]), float(r[4]), r[13])


def selected(srcs: list[Source]) -> Source | None:
    return next((s for s in srcs if s.state == "*"), None)


def clients(text: str) -> list[str]:
    """Hostnames/addresses from `chronyc -c clients`."""
    return [r[0] for r in _rows(text)]


@dataclass(frozen=True)
class Traffic:
    """Requests sent to one source and replies received, from `chronyc ntpdata`."""

    address: str
    sent: int
    received: int


def traffic(text: str) -> list[Traffic]:
    """Per-source request/reply counters from `chronyc -n ntpdata` (all sources)."""
    found: list[Traffic] = []
    address, sent = "", 0
    for line in text.splitlines():
        key, _, value = (x.strip() for x in line.partition(":"))
        try:
            if key == "Remote address":
                address = value.split()[0]
            elif key == "Total TX":
                sent = int(value)
            elif key == "Total RX" and address:
                found.append(Traffic(address, sent, int(value)))
        except (IndexError, ValueError):  # not a line chronyc prints: set aside
            continue
    return found
