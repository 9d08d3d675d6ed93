"""One way to merge test outcomes into a requirement's verdict, for the terminal table and the reports.

    >>> worst(["PASS", "SKIP"])
    'SKIP'
    >>> worst(["PASS", "FAIL", "ERROR"])
    'FAIL'
"""

from __future__ import annotations

from collections.abc import Iterable

RANK = {"FAIL": 3, "ERROR": 2, "SKIP": 1, "PASS": 0}
FAILED = ("FAIL", "ERROR")


def worst(outcomes: Iterable[str]) -> str:
    """The outcome that speaks for all of them: FAIL, then ERROR, then SKIP, then PASS ("" for none)."""
    return max(outcomes, key=RANK.__getitem__, default="")


def per_host(outcomes: Iterable[tuple[str, str]]) -> dict[str, str]:
    """(host, outcome) pairs of one requirement → host → its worst outcome."""
    by_host: dict[str, list[str]] = {}
    for host, outcome in outcomes:
        by_host.setdefault(host, []).append(outcome)
    return {h: worst(v) for h, v in by_host.items()}


def cell(values: list[str]) -> str:
    """Several hosts in one table cell (the collapsed nodes column): PASS, SKIP, or FAIL n/N."""
    if not values:
        return ""
    bad = sum(v in FAILED for v in values)
    return f"{worst(values)} {bad}/{len(values)}" if bad else worst(values)
