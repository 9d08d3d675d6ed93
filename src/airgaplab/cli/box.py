"""`airgaplab box`: the VM boxes built here from distribution packages."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from airgaplab.backends import boxes
from airgaplab.cli.console import Steps, out

box_app = typer.Typer(help="Vagrant boxes built here from distribution packages (cached, keyed by their recipe).",
                      no_args_is_help=True, rich_markup_mode=None)
MIRROR_HELP = "Package mirror (default: AIRGAPLAB_MIRROR or deb.debian.org); behind an air gap, your own mirror."


@box_app.command("build")
def box_build(
    os_name: Annotated[str, typer.Argument(metavar="OS", help="debian12")],
    mirror: Annotated[str | None, typer.Option(metavar="URL", help=MIRROR_HELP)] = None,
) -> None:
    """Build the box for OS (debootstrap, ~3 min) and add it to Vagrant; reused while its recipe is unchanged."""
    box = boxes()
    with Steps() as steps:
        name = box.ensure(os_name, steps, mirror)
    out.print(f"box [bold]{name}[/] ready ({box.file_of(os_name, mirror)})")


@box_app.command("list")
def box_list() -> None:
    """Boxes in the cache and in Vagrant."""
    box = boxes()
    table = Table("box", "file", "MiB", "in vagrant", title=f"boxes ({box.cache_dir()})", title_justify="left")
    for row in box.cached():
        table.add_row(str(row["name"]), str(row["file"] or "-"), str(row["size_mb"] or "-"),
                      "yes" if row["added"] else "no")
    out.print(table)


@box_app.command("rm")
def box_rm(os_name: Annotated[str, typer.Argument(metavar="OS", help="debian12")]) -> None:
    """Remove OS's boxes from the cache and from Vagrant."""
    box = boxes()
    box.file_of(os_name)  # one line, exit 2, for an unknown OS
    gone = box.remove(os_name)
    out.print(f"removed {', '.join(gone)}" if gone else f"no {os_name} box to remove")
