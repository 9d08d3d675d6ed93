"""`airgaplab state` and `airgaplab reset`: saved lab states (airgaplab.states)."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from airgaplab.backends import open_lab
from airgaplab.cli.console import out
from airgaplab.cli.options import NameOpt
from airgaplab.exercise import rewind, states

state_app = typer.Typer(help="Saved lab states: `state save NAME`, `state list`, `state delete NAME`; "
                             "`airgaplab reset [NAME]` goes back to one.", no_args_is_help=True,
                        rich_markup_mode=None)
StateArg = Annotated[str, typer.Argument(metavar="STATE", help="A name of your own, e.g. before-step-3.")]


@state_app.command("save")
def state_save(name: StateArg, lab: NameOpt = None) -> None:
    """Save every host as it is now (files, which daemons run); `airgaplab reset NAME` comes back to it."""
    be = open_lab(lab)
    t = time.monotonic()
    with out.status(f"saving state {name} …"):
        states.save(be, name)
    out.print(f"state [bold]{name}[/] saved ({time.monotonic() - t:.1f} s) — `airgaplab reset {name}` returns to it")


@state_app.command("list")
def state_list(lab: NameOpt = None) -> None:
    """The states saved for the lab (`up` saves `provisioned`, or `bare` after `up --bare`)."""
    be = open_lab(lab)
    table = Table("state", "saved", title=f"saved states of lab {be.spec.name}", title_justify="left")
    for name in states.saved(be):
        stamp = (be.state.states_dir / name / "meta.json").stat().st_mtime
        table.add_row(name + (" (reset's default)" if name == states.default(be) else ""),
                      time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp)))
    out.print(table)


@state_app.command("delete")
def state_delete(name: StateArg, lab: NameOpt = None) -> None:
    """Delete a saved state."""
    be = open_lab(lab)
    states.delete(be, name)
    out.print(f"state {name} deleted")


def reset(
    name: Annotated[str | None, typer.Argument(metavar="STATE", help="A saved state (default: the one `up` saved: "
                                                                    "provisioned, or bare).")] = None,
    lab: NameOpt = None,
) -> None:
    """Bring every host back to a saved state — files, running daemons — with faults and the drill undone."""
    be = open_lab(lab)
    t = time.monotonic()
    with out.status("resetting …"):
        done = rewind.reset(be, name)
    out.print(f"lab {be.spec.name} is back to state [bold]{done}[/] ({time.monotonic() - t:.1f} s); the nodes "
              "synchronize again within seconds (the suite waits for them)")
