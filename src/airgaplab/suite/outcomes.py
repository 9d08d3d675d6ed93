"""A test's outcome, typed from the suite to the board's wire: `Result` (PASS, SKIP, ERROR, FAIL) and `Outcome`, one
test's record (the JSON `--airgaplab-results` writes and every reader loads again); and the one way to merge
outcomes into a requirement's or a host's verdict, for the terminal table and the reports. Nothing outside this
module compares an outcome by its text.

    >>> worst([Result.PASS, Result.SKIP])
    <Result.SKIP: 'SKIP'>
    >>> worst([Result.PASS, Result.FAIL, Result.ERROR]).failed
    True
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class Result(StrEnum):
    PASS = "PASS"
    SKIP = "SKIP"  # not checked here (a vantage missing, a check that does not apply): counted, never a failure
    ERROR = "ERROR"  # the test could not run (its setup failed)
    FAIL = "FAIL"

    @property
    def passing(self) -> bool:
        """Nothing wrong was found (a skip included: the exercise's step passes with it)."""
        return self in (Result.PASS, Result.SKIP)

    @property
    def failed(self) -> bool:
        return not self.passing

    @property
    def rank(self) -> int:
        """FAIL speaks for all, then ERROR, then SKIP, then PASS."""
        return (Result.PASS, Result.SKIP, Result.ERROR, Result.FAIL).index(self)

    @classmethod
    def of_pytest(cls, outcome: str, when: str) -> Result:
        """A pytest report's outcome ("passed", "skipped", "failed") in the phase `when` it was made."""
        return {"passed": cls.PASS, "skipped": cls.SKIP}.get(outcome, cls.ERROR if when == "setup" else cls.FAIL)


@dataclass
class Outcome:
    """One test's outcome on one host, for one requirement."""

    req: str
    host: str
    outcome: Result
    nodeid: str
    message: str = ""
    kind: str = ""
    evidence: dict[str, str] = field(default_factory=dict)
    observed: str = ""  # what was seen, without the requirement id, host and hint

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Outcome:
        return cls(**{**d, "outcome": Result(d["outcome"])})


def load(path: Path) -> list[Outcome]:
    """The outcomes `--airgaplab-results=path` wrote (none: the suite could not run)."""
    return [Outcome.from_json(d) for d in json.loads(path.read_text())] if path.exists() else []


def worst(outcomes: Iterable[Result]) -> Result | None:
    """The outcome that speaks for all of them (None for none)."""
    return max(outcomes, key=lambda r: r.rank, default=None)


def per_host(outcomes: Iterable[tuple[str, Result]]) -> dict[str, Result]:
    """(host, outcome) pairs of one requirement → host → its worst outcome."""
    by_host: dict[str, list[Result]] = {}
    for host, outcome in outcomes:
        by_host.setdefault(host, []).append(outcome)
    return {h: r for h, v in by_host.items() if (r := worst(v))}


def cell(values: list[Result]) -> str:
    """Several hosts in one table cell (the collapsed nodes column): PASS, SKIP, or FAIL n/N."""
    w = worst(values)
    if w is None:
        return ""
    bad = sum(v.failed for v in values)
    return f"{w} {bad}/{len(values)}" if bad else str(w)


def verdict(results: Iterable[Result | None], *, judged: bool = True) -> Result:
    """A whole run's verdict from its requirements' results: PASS when there are some and none failed (and every
    host could be judged), else FAIL."""
    got = list(results)
    return Result.PASS if got and judged and not any(r is None or r.failed for r in got) else Result.FAIL


NOT_JUDGED = "NOT JUDGED"


def host_verdicts(hosts: Iterable[str], outcomes: Iterable[tuple[str, Result]],
                  not_judged: dict[str, str]) -> list[dict[str, str]]:
    """Each host's verdict from (host, outcome) pairs: the worst of its outcomes, a skip counted rather than a
    verdict ("1 not checked"), or NOT JUDGED and why (a host the suite could not reach or read).

        >>> host_verdicts(["admin"], [("admin", Result.PASS), ("admin", Result.SKIP)], {})
        [{'name': 'admin', 'verdict': 'PASS', 'why': '1 not checked'}]
    """
    pairs = list(outcomes)
    out = []
    for h in hosts:
        if h in not_judged:
            out.append({"name": h, "verdict": NOT_JUDGED, "why": not_judged[h]})
            continue
        mine = [o for host, o in pairs if host == h]
        skipped = mine.count(Result.SKIP)
        shown = worst(o for o in mine if o is not Result.SKIP) or worst(mine)
        out.append({"name": h, "verdict": str(shown) if shown else "-",
                    "why": f"{skipped} not checked" if skipped else ""})
    return out
