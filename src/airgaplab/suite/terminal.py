"""The suite's terminal summary: requirement × host, merged as the reports merge them (airgaplab.outcomes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from airgaplab.backends.base import Backend
from airgaplab.suite.catalog import catalog
from airgaplab.suite.outcomes import Result, per_host, worst
from airgaplab.suite.outcomes import cell as outcome_cell

COLLAPSE_OVER = 4  # more nodes than this share one "nodes" column


class Judged(Protocol):
    req: str
    host: str
    outcome: Result


def cells(results: Sequence[Judged]) -> dict[tuple[str, str], Result]:
    """(requirement, host) → merged outcome."""
    out: dict[tuple[str, str], Result] = {}
    for req in {r.req for r in results}:
        for host, v in per_host((r.host, r.outcome) for r in results if r.req == req).items():
            out[(req, host)] = v
    return out


def write_table(tr: Any, results: Sequence[Judged], node_names: list[str], backend: Backend | None) -> None:
    grid = cells(results)
    hosts = sorted(dict.fromkeys(r.host for r in results), key=lambda h: (h != "lab", h))
    nodes = [h for h in hosts if h in node_names]
    collapse = len(nodes) > COLLAPSE_OVER
    columns = [h for h in hosts if not (collapse and h in nodes)] + (["nodes"] if collapse else [])
    reqs = [r for r in catalog() if any(k[0] == r for k in grid)]
    observed = backend is not None and backend.world.observe_only
    where = ("" if backend is None else f" — the hosts of {getattr(backend, 'source', backend.spec.name)}" if observed
             else f" — lab {backend.spec.name} on {backend.name}")
    tr.section(f"airgaplab conformance: requirement × host{where}")
    width = max(len(c) for c in [*columns, Result.PASS]) + 2
    tr.write_line("requirement".ljust(12) + "".join(c.ljust(width) for c in columns))

    def value(r: str, c: str) -> str:
        if c == "nodes":
            return outcome_cell([grid[(r, n)] for n in nodes if (r, n) in grid])
        return str(grid.get((r, c), ""))

    statuses = []
    for r in reqs:
        status = worst(v for (rr, _), v in grid.items() if rr == r)
        statuses.append(status)
        line = r.ljust(12) + "".join(value(r, c).ljust(width) for c in columns)
        tr.write_line(line, red=bool(status and status.failed), green=status is Result.PASS,
                      yellow=status is Result.SKIP)
    ok, skipped = statuses.count(Result.PASS), statuses.count(Result.SKIP)
    lab_reqs = [r for r in catalog().values() if backend is None or r.holds_on(backend.spec)]  # the lab's own
    missing = [r for r in lab_reqs if r.id not in reqs]
    rerun = "they inject faults, and an inventory's hosts are only observed" if observed else "`pytest --resilience`"
    of = (f" ({len(missing)} resilience requirements not run: {rerun})"
          if missing and all(r.kind == "resilience" for r in missing)
          else f" (of {len(lab_reqs)} in the catalog)" if missing else "")
    tr.write_line(f"{ok}/{len(reqs)} requirements pass{of}" + (f", {skipped} skipped" if skipped else ""))
    for line in (backend.world.not_judged.values() if backend is not None else []):
        tr.write_line(f"not judged: {line}", red=True)
    for line in (backend.world.notes if backend is not None else []):
        tr.write_line(line, yellow=True)
