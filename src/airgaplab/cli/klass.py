"""`airgaplab class …`: a seat for every member of a study group (airgaplab.classroom), their way in over ssh,
and what the person leading sees of each seat."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Column, Table

from airgaplab.backends import registered
from airgaplab.backends.seating import LOCAL
from airgaplab.classroom import actions, gateway, progress, seats
from airgaplab.classroom.roster import Roster
from airgaplab.cli.console import out
from airgaplab.cli.options import SpecOpt
from airgaplab.errors import UserError
from airgaplab.paths import default_lab_file

class_app = typer.Typer(
    help="A class of a study group: a seat (a whole lab, the notes' own addresses) for every member, each reached "
         "with one ssh line through the class's gateway; `class status` shows who is on which step.\n\n"
         "Typical class:  airgaplab class up --seats 12 --bare;  airgaplab class status;  "
         "airgaplab class solve seat-04 --to 2;  airgaplab class down",
    no_args_is_help=True, rich_markup_mode=None)

SeatArg = Annotated[str, typer.Argument(metavar="SEAT", help="seat-02, or 2")]
DEFAULT_PORT = 2222


@class_app.command("up")
def class_up(
    seat_count: Annotated[int, typer.Option("--seats", metavar="N", help="How many seats (seat-01 … seat-NN).")],
    backend: Annotated[str, typer.Option("--backend", metavar="BACKEND",
                                         help="netns: every seat a netns lab on this machine; vagrant: every "
                                              "seat VMs, placed over libvirt hosts (--host).")] = "netns",
    hosts: Annotated[list[str] | None, typer.Option("--host", metavar="URI",
                                                    help="A libvirt host for VM seats: qemu:///system, another "
                                                         "machine's over ssh (qemu+ssh://user@host/system), or a "
                                                         "stand-in host's URI (`airgaplab hypervisor up NAME`); repeat "
                                                         "it for several. None: this machine's libvirtd, or each seat "
                                                         "a private hypervisor of its own here.")] = None,
    spec_file: SpecOpt = None,
    bare: Annotated[bool, typer.Option("--bare", help="Seats with stock configs: the exercise from its start.")] = False,
    port: Annotated[int, typer.Option("--gateway-port", metavar="PORT", help="The ssh gateway's port.",
                                      min=1, max=65535)] = DEFAULT_PORT,
    trusted_room: Annotated[bool, typer.Option("--trusted-room", help="netns seats: serve the gateway on every "
                                               "address, not loopback only — a netns seat is root on this machine "
                                               "(docs/how-to/class.md). VM seats are served on every address.")] = False,
) -> None:
    """Bring a class up: every seat's lab, then the ssh gateway; prints each seat's ssh line."""
    roster = seats.plan(seat_count, backend, hosts or [], spec_file or default_lab_file(), bare=bare)
    if not Path(gateway.SSHD).exists():
        raise UserError(f"no {gateway.SSHD}: the class gateway needs it — {gateway.INSTALL}")
    # a VM seat's shell is root in a VM; a netns seat's is root on this machine: loopback unless the room is trusted
    listen = "0.0.0.0" if trusted_room or not registered(backend).seating().root_here else "127.0.0.1"
    t0 = time.monotonic()
    lock = threading.Lock()

    def say(m: str) -> None:
        with lock:
            out.print(f"[dim]{time.monotonic() - t0:6.1f} s[/] {m}", highlight=False)

    where = {s.host for s in roster.seats}
    out.print(f"class of {seat_count} seats ({backend}, {'bare' if bare else 'provisioned'}) on "
              + ("this machine" if where == {LOCAL} else f"{len(where)} libvirt host(s)"))
    for s in roster.seats if where != {LOCAL} else []:
        print(f"  {s.name} on {s.host}", flush=True)  # a URI: never wrapped
    took = seats.up(roster, say)
    try:
        roster.gateway = gateway.start(roster, listen, port)
    except BaseException:
        seats.down(say)
        raise
    roster.save()
    out.print(f"class up in {time.monotonic() - t0:.1f} s (a seat {min(took.values()):.1f}–{max(took.values()):.1f} s); "
              f"the gateway listens on {listen}:{port}. Each member's line (hand over the key file):")
    for s in roster.seats:
        print(f"  {s.name}: {gateway.login(roster.gateway, s.name)}")


@class_app.command("status")
def class_status(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable.")] = False) -> None:
    """Every seat: its host, state, each step's checks (graded without a trace), time on its step, its drill."""
    roster = Roster.needed()
    with out.status(f"grading {len(roster.seats)} seats …"):
        views = progress.look(roster)
    if as_json:
        print(json.dumps({"backend": roster.backend, "seats": [v.as_dict() for v in views]}, indent=1))
        return
    steps = progress.class_steps()
    table = Table(Column("seat", no_wrap=True), "host", "state", *(str(s.number) for s in steps), "on step",
                  "drill", title=f"class of {len(views)} seats — steps: "
                  + ", ".join(f"{s.number} {s.name}" for s in steps), title_justify="left")
    for v in views:
        marks = [("[green]✓[/]" if s.passing else f"[red]{s.passed}/{s.total}[/]") for s in v.steps] or \
            ["-"] * len(steps)
        on = "done" if v.done else f"{v.step}: {v.on_step_s / 60:.0f} min"
        drill = f"{v.drill} ({v.drill_state})" if v.drill else ""
        table.add_row(v.seat, host_label(v.host), v.state if not v.error else f"{v.state}: {v.error}", *marks, on, drill)
    out.print(table)


def host_label(uri: str) -> str:
    """A stand-in host by its name (its URI is a socket path in the state dir); any other host by its URI."""
    from airgaplab.backends import stand_in_hosts

    name = stand_in_hosts().name_of(uri)
    return f"{name} (stand-in)" if name else uri


@class_app.command("reset")
def class_reset(seat: SeatArg, state: Annotated[str | None, typer.Argument(
        metavar="STATE", help="A saved state (default: the one `class up` saved; `bare` starts the exercise "
                              "over).")] = None) -> None:
    """One seat back to a saved state; the other seats stay as they are."""
    s = Roster.needed().seat(seat)
    with out.status(f"resetting {s.name} …"):
        done = actions.reset(s, state)
    out.print(f"{s.name} is back to state [bold]{done}[/]")


@class_app.command("solve")
def class_solve(seat: SeatArg,
                to: Annotated[str, typer.Option("--to", metavar="STEP", help="Solve steps 1..STEP.")]) -> None:
    """Fast-forward one seat: the reference solution of steps 1..STEP applied there; it returns once the clocks
    those steps set up follow their sources (as the steps' checks wait for), so they pass right away."""
    s = Roster.needed().seat(seat)
    with out.status(f"{s.name}: solving …") as st:
        last, why = actions.solve_to(s, to, st.update)
    out.print(actions.solved(s, last, why))


@class_app.command("drill")
def class_drill(seat: SeatArg,
                which: Annotated[str, typer.Argument(metavar="DRILL", help="`airgaplab drill` lists them.")]) -> None:
    """Apply a break/fix drill to one seat."""
    s = Roster.needed().seat(seat)
    d = actions.drill(s, which)
    out.print(f"{s.name}: drill [bold]{d.name}[/] applied — symptom: {d.symptom}")


@class_app.command("board")
def class_board(listen: Annotated[str, typer.Option(
        "--listen", metavar="ADDR:PORT",
        help="Where the board listens (loopback by default; 0.0.0.0:8080 for the room — put a TLS proxy in front of "
             "it: docs/how-to/class.md)")] = "127.0.0.1:8080",
    lang: Annotated[str | None, typer.Option(
        "--lang", metavar="LANG", help="The seat pages' language: en or ko (default: the locale's, else each "
                                       "member's browser's; a seat link with ?lang=ko chooses for itself)")] = None,
) -> None:
    """The class in a browser: the leader's board and each member's page with a terminal per host.
    Prints the leader's link and each seat's (each with its own token); runs until Ctrl-C."""
    from airgaplab.board import web_stack_missing
    from airgaplab.i18n import set_language

    if missing := web_stack_missing():
        raise UserError(missing)
    from airgaplab.board.server import serve  # the web stack only for this command

    set_language(lang)

    serve(Roster.needed(), listen, lambda m: print(m, flush=True))


@class_app.command("down")
def class_down() -> None:
    """Every seat down, the gateway stopped (idempotent; also after a killed `class up`)."""
    was_up = Roster.load() is not None
    removed = seats.down(lambda m: out.print(m, highlight=False))
    out.print(f"class down: {len(removed)} seat(s) taken down" if removed or was_up
              else "no class is up: nothing to take down")


@class_app.command("gate", hidden=True)
def class_gate(seat: SeatArg) -> None:
    """The forced command of a seat's ssh key: a shell on one host of that seat, chosen by name, nothing else."""
    s = Roster.needed().seat(seat)
    hosts = seats.open_seat(s).spec.host_names
    asked = os.environ.get("SSH_ORIGINAL_COMMAND", "").strip() or hosts[0]
    if asked not in hosts:
        print(f"{s.name} offers a shell on {', '.join(hosts)} only: `ssh … -t root@… HOST`", file=sys.stderr)
        raise typer.Exit(2)
    argv = seats.shell_argv(s, asked)
    os.execv(argv[0], argv)
