"""`airgaplab hypervisor`: stand-in libvirt hosts on this machine, for a class's VM seats (`class up --host URI`)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Column, Table

from airgaplab.backends import stand_in_hosts
from airgaplab.cli.console import Steps, out
from airgaplab.errors import UserError

hypervisor_app = typer.Typer(
    help="Stand-in libvirt hosts on this machine: each a libvirtd of its own in namespaces airgaplab owns, whose "
         "only way out is the simulated internet. A class places VM seats on them by their URI, as on other "
         "machines' libvirt hosts, as many seats per host as its memory and CPUs take. With --ssh a host is "
         "reached over ssh, as another machine's is (qemu+ssh://), by OpenSSH's sshd inside its namespaces.\n\n"
         "Typical use:  airgaplab hypervisor up hv-a;  airgaplab hypervisor up hv-b;  "
         "airgaplab class up --seats 2 --backend vagrant --host URI-A --host URI-B;  …;  "
         "airgaplab class down;  airgaplab hypervisor down hv-a",
    no_args_is_help=True, rich_markup_mode=None)
NameArg = Annotated[str, typer.Argument(metavar="NAME", help="The host's name (hv-a): lower-case, digits, '-'.")]


@hypervisor_app.command("up")
def hypervisor_up(name: NameArg, ssh: Annotated[bool, typer.Option(
        "--ssh", help="Reach the host over ssh (a qemu+ssh:// URI), as another machine's libvirt host: sshd runs "
                      "inside the host's namespaces, one per connection, and no port listens.")] = False) -> None:
    """Start a stand-in host (seconds) and print its URI, the value of `class up --host`."""
    with Steps() as steps:
        uri = stand_in_hosts().up(name, steps, ssh=ssh)
    out.print(f"stand-in host [bold]{name}[/] up; its URI:")
    print(uri)


@hypervisor_app.command("down")
def hypervisor_down(name: NameArg) -> None:
    """Stop a stand-in host and everything on it (idempotent). A class with seats on it goes down first."""
    from airgaplab.classroom.roster import Roster

    standin = stand_in_hosts()
    roster = Roster.load()
    on_it = [s.name for s in roster.seats if standin.name_of(s.host) == name] if roster else []
    if on_it:
        raise UserError(f"{', '.join(on_it)} of the class here run(s) on {name}: `airgaplab class down` first")
    out.print(f"stand-in host {name} down" if standin.down(name) else f"no stand-in host {name}: nothing to stop")


@hypervisor_app.command("list")
def hypervisor_list() -> None:
    """The stand-in hosts here: whether each is up, its URI and the VMs on it."""
    table = Table("host", "state", Column("URI", overflow="fold"), "VMs", title="stand-in libvirt hosts",
                  title_justify="left")
    for row in stand_in_hosts().listing():
        table.add_row(row.name, "up" if row.up else "down", row.uri, (", ".join(row.guests) or "-") if row.up else "")
    out.print(table)
