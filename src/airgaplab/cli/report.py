"""`airgaplab report` and `nightly`: the suite's run written as a report (reports/<lab>/<UTC time>/), on the lab
that is up or on a fresh one taken down afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from airgaplab.backends import make_backend, open_lab, resolve_backend_name
from airgaplab.backends.base import Backend
from airgaplab.backends.lifecycle import throwaway
from airgaplab.cli.console import Steps, out
from airgaplab.cli.options import BackendOpt, NameOpt, SpecOpt, load_spec_of
from airgaplab.errors import UserError
from airgaplab.exercise import drills, rewind
from airgaplab.suite.outcomes import Result

LAB_UP_HELP = "Bring up a fresh lab (netns|vagrant) for the run, then take it down."
DRILL_HELP = "Apply this drill before the run (rehearse the failure path); the lab is restored after it."
RESILIENCE_HELP = "Also the resilience requirements: faults injected and undone (about a minute more; nightly does)."
NIGHTLY_NAME_HELP = "The lab's name (any lab up under it is taken down first)."
INVENTORY_HELP = ("Judge an existing network instead of a lab: an Ansible inventory (INI or YAML; group `admin`, the "
                  "nodes) or testinfra's ssh://user@host list. Read-only, over ssh; the report lands in "
                  "reports/<inventory's name>/.")


def report(
    name: NameOpt = None,
    lab_up: Annotated[str | None, typer.Option("--lab-up", metavar="BACKEND", help=LAB_UP_HELP)] = None,
    spec_file: SpecOpt = None,
    drill_name: Annotated[str | None, typer.Option("--drill", metavar="DRILL", help=DRILL_HELP)] = None,
    resilience: Annotated[bool, typer.Option("--resilience", help=RESILIENCE_HELP)] = False,
    inventory: Annotated[str | None, typer.Option("--inventory", metavar="FILE", help=INVENTORY_HELP)] = None,
) -> None:
    """Run the suite; write reports/<lab>/<UTC time>/ (junit.xml, allure-results/, summary.html/json). Exit 1 on failures.

    On an existing network: `airgaplab report --inventory hosts.ini` (every night: ops/crontab.example)."""
    from airgaplab.report.run import write_report

    if inventory and (name or lab_up or drill_name or resilience):
        raise UserError("--inventory judges the hosts it lists, read-only: drop --name, --lab-up, --drill and "
                        "--resilience (they belong to labs of the harness's)")
    with _lab_for_report(name, lab_up, spec_file, inventory) as (be, up_s):
        if drill_name:
            drills.apply(be, drill_name)
            out.print(f"rehearsal: drill {drill_name} applied")
        try:
            with out.status("running the conformance suite …"):
                run_dir, s = write_report(be, lab_up_s=up_s, rehearsal=drill_name, resilience=resilience)
        finally:
            if drill_name and up_s is None:  # a lab that outlives the run: back as it was
                with out.status(f"undoing drill {drill_name} …"):
                    rewind.undo_drill(be)
                out.print(f"rehearsal over: drill {drill_name} undone")
    color = "green" if Result(s["verdict"]) is Result.PASS else "red"
    out.print(f"[{color}]{s['verdict']}[/] {s['counts']['requirements_passed']}/{s['counts']['requirements']} requirements "
              f"— {run_dir}/summary.html")
    if Result(s["verdict"]) is not Result.PASS:
        raise typer.Exit(1)


def nightly(
    name: Annotated[str, typer.Option(metavar="NAME", help=NIGHTLY_NAME_HELP)] = "nightly",
    backend: BackendOpt = "auto",
    spec_file: SpecOpt = None,
    drill_name: Annotated[str | None, typer.Option("--drill", metavar="DRILL", help=DRILL_HELP)] = None,
) -> None:
    """Fresh lab, suite with the resilience requirements, report, lab down — always down; exit 1 if any failed."""
    from airgaplab.backends import known_labs

    if name in known_labs():
        out.print(f"taking down the previous lab {name!r}")
        open_lab(name).down()
    chosen, _ = resolve_backend_name(backend)
    report(name=name, lab_up=chosen, spec_file=spec_file, drill_name=drill_name, resilience=True)


@contextmanager
def _lab_for_report(name: str | None, lab_up: str | None, spec_file: Path | None,
                    inventory: str | None = None) -> Iterator[tuple[Backend, float | None]]:
    """The lab to report on, and the seconds `up` took in this run (None: it was already up)."""
    if inventory:
        from airgaplab.inventory.network import connect
        from airgaplab.inventory.targets import load

        with out.status(f"reaching the hosts of {inventory} …"):
            net = connect(load(inventory))
        try:
            for line in net.world.not_judged.values():
                out.print(f"[red]not judged:[/] {escape(line)}", highlight=False)
            yield net, None
        finally:
            net.close()
        return
    if not lab_up:
        be = open_lab(name)
        if not be.is_up():
            raise UserError(f"lab {be.spec.name!r} is not (fully) up: `make lab-down lab-up`, or pass --lab-up")
        yield be, None
        return
    spec = load_spec_of(spec_file, None)
    if name:
        spec = spec.model_copy(update={"name": name})
    chosen, _ = resolve_backend_name(lab_up)
    with ExitStack() as stack:
        with Steps() as steps:
            be = make_backend(chosen, spec, steps)
            up_s = stack.enter_context(throwaway(be))
        be.progress = lambda _m: None
        yield be, up_s
