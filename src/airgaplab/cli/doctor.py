"""`airgaplab doctor`: can this machine run the lab? Each finding says how to fix it.

The findings are each backend's own (backends/*/doctor.py), found through the registry:

    doctor.findings("vagrant", spec)      # [Diagnosis("vagrant", ok, detail, fix), ...]
"""

from __future__ import annotations

import json

import typer
from rich.markup import escape
from rich.table import Table

from airgaplab.backends import make_backend, registered
from airgaplab.cli.console import err, out
from airgaplab.diagnosis import Diagnosis, blocking_failures
from airgaplab.errors import UserError
from airgaplab.lab.spec import LabSpec

__all__ = ["Diagnosis", "blocking_failures", "doctor_or_stop", "doctor_table", "dry_run", "findings"]


def findings(backend: str, spec: LabSpec) -> list[Diagnosis]:
    return registered(backend).findings(spec)


def doctor_table(chosen: str, why: str, found: list[Diagnosis]) -> Table:
    table = Table("check", "", "found", "fix", title=f"doctor: {chosen} backend ({why})", title_justify="left")
    for x in found:
        mark = "[green]ok[/]" if x.ok else ("[red]FAIL[/]" if x.blocking else "[yellow]warn[/]")
        # a finding's own words are text: `pip install -e '.[vm]'` is not markup
        table.add_row(escape(x.check), mark, escape(x.detail), "" if x.ok else escape(x.fix))
    return table


def dry_run(chosen: str, why: str, spec: LabSpec) -> None:
    """What `up` would do and everything it would stop on (every blocking doctor finding, not the first)."""
    bad = blocking_failures(findings(chosen, spec))
    plan = make_backend(chosen, spec).dry_run() or {}
    stops = [{"check": x.check, "found": x.detail, "fix": x.fix} for x in bad]
    print(json.dumps({"backend": chosen, "backend_why": why, **plan, "up_would_stop_on": stops}, indent=2))
    if bad:
        err.print(f"up would stop: {len(bad)} blocking doctor finding(s) — " +
                  "; ".join(f"{x.check}: {x.fix}" for x in bad), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)


def doctor_or_stop(chosen: str, spec: LabSpec) -> None:
    found = findings(chosen, spec)
    bad = blocking_failures(found)
    if bad:
        out.print(doctor_table(chosen, "run by up", found))
        raise UserError(f"{len(bad)} doctor finding(s) stop the {chosen} lab ({', '.join(x.check for x in bad)}): "
                        "fix them as the table says; nothing was created")
