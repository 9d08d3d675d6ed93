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


NOT_JUDGED = "NOT JUDGED"


def host_verdicts(hosts: Iterable[str], outcomes: Iterable[tuple[str, str]],
                  not_judged: dict[str, str]) -> list[dict[str, str]]:
    """Each host's verdict from (host, outcome) pairs: the worst of its outcomes, a skip counted rather than a
    verdict ("1 not checked"), or NOT JUDGED and why (a host the suite could not reach or read).

        >>> host_verdicts(["admin"], [("admin", "PASS"), ("admin", "SKIP")], {})
        [{'name': 'admin', 'verdict': 'PASS', 'why': '1 not checked'}]
    """
    pairs = list(outcomes)
    out = []
    for h in hosts:
        if h in not_judged:
            out.append({"name": h, "verdict": NOT_JUDGED, "why": not_judged[h]})
            continue
        mine = [o for host, o in pairs if host == h]
        skipped = mine.count("SKIP")
        out.append({"name": h, "verdict": worst(o for o in mine if o != "SKIP") or worst(mine) or "-",
                    "why": f"{skipped} not checked" if skipped else ""})
    return out
