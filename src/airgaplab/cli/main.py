"""`airgaplab`: bring the lab up and down, look inside it, render its files."""

from __future__ import annotations

import json
import shlex
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from airgaplab.backends import lab_to_take_down, make_backend, open_lab, registered, resolve_backend_name
from airgaplab.backends.base import LabStatus
from airgaplab.backends.lifecycle import up_or_clean
from airgaplab.cli import doctor as doctor_cli
from airgaplab.cli.console import Steps, err, out
from airgaplab.cli.options import BackendOpt, HypervisorOpt, NameOpt, NodesOpt, OsOpt, ServicesOpt, SpecOpt, load_spec_of
from airgaplab.errors import LabError, UserError
from airgaplab.exercise import drills, faults
from airgaplab.exercise import steps as exercise
from airgaplab.lab import render
from airgaplab.lab.family import machine_os
from airgaplab.services import registry

if TYPE_CHECKING:
    pass

app = typer.Typer(
    help=(
        "Bring up the closed-network lab of an offline Kubernetes install (admin serves NTP and DNS to "
        "k8s nodes cut off from the internet) and look inside it.\n\n"
        "Typical session:  airgaplab up;  airgaplab exec k8s-node1 -- chronyc sources -v;  "
        "airgaplab shell admin;  pytest;  airgaplab down"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # click's plain help: wrapped and indented at any width, no type column
)

NAME_HELP = "Lab name (default: the spec's). Labs with different names run side by side."
BARE_HELP = "Hosts and networks with stock configs, no NTP/DNS provisioning (for exercises)."
DRY_RUN_HELP = ("Create nothing: print (JSON) every doctor finding that would stop `up`, with its fix, and for vagrant "
                "the plan and its commands. Exit 1 when `up` would stop.")


def _status_table(st: LabStatus) -> Table:
    table = Table(title=f"lab {st.lab_name} ({st.backend}): {st.state}", title_justify="left")
    shown = [s.daemon for s in registry.every() if s.daemon]  # a column for each service's daemon
    for col in ("host", "state", "addresses", *shown):
        table.add_column(col)
    for h in st.hosts:
        addrs = "  ".join(f"{k} {v}" for k, v in h.addresses.items())

        def mark(d: str, daemons: dict[str, str] = h.daemons) -> str:
            state = daemons.get(d, "-")
            return {"active": "[green]active[/]", "inactive": "[dim]-[/]", "activating": "[yellow]activating[/]",
                    "failed": "[red]failed[/]"}.get(state, state)

        table.add_row(h.name, h.state, addrs, *(mark(d) for d in shown))
    return table


@app.command()
def up(
    spec_file: SpecOpt = None,
    backend: BackendOpt = "auto",
    name: Annotated[str | None, typer.Option(metavar="NAME", help=NAME_HELP)] = None,
    bare: Annotated[bool, typer.Option("--bare", help=BARE_HELP)] = False,
    nodes: NodesOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
    os_name: OsOpt = None,
    hypervisor: HypervisorOpt = None,
    services: ServicesOpt = None,
) -> None:
    """Bring a lab up: hosts, networks, the simulated internet, then its services' provisioning (the notes' NTP
    and DNS; `--services` chooses)."""
    spec = load_spec_of(spec_file, nodes, os_name, hypervisor, services)
    if name:
        spec = spec.model_copy(update={"name": name})
    chosen, why = resolve_backend_name(backend, spec)
    if dry_run:
        doctor_cli.dry_run(chosen, why, spec)
        return
    out.print(f"backend: [bold]{chosen}[/] ({why})")
    if registered(chosen).checked_before_up:
        doctor_cli.doctor_or_stop(chosen, spec)
    with Steps() as steps:
        be = make_backend(chosen, spec, steps)

        def say_failed() -> None:
            steps.status.stop()
            err.print("[red]lab-up failed[/]: taking the half-created lab down again")

        up_s = up_or_clean(be, bare=bare, on_failure=say_failed)
    out.print(_status_table(be.status()))
    out.print(f"lab [bold]{spec.name}[/] up in {up_s:.1f} s — try: "
              f"airgaplab exec {spec.nodes_list[0].name if spec.nodes_list else spec.hosts[0].name} -- chronyc sources -v")
    if bare:
        out.print(exercise.text(min(out.width, 100), exercise.of(spec)), highlight=False, soft_wrap=True)


@app.command()
def down(name: NameOpt = None) -> None:
    """Take a lab down: daemons, mounts, namespaces, state — also after an interrupted `up`.

    Idempotent, like `vagrant destroy`: a lab that is not there is nothing to take down (exit 0)."""
    with Steps() as steps:
        be = lab_to_take_down(name, steps)
        existed = be.down() if be is not None else False
    if be is None:
        out.print("no lab is up: nothing to take down")
    elif existed:
        out.print(f"lab {be.spec.name} is down")
    else:
        out.print(f"no lab named {be.spec.name} is up: nothing to take down")


@app.command()
def status(name: NameOpt = None, as_json: Annotated[bool, typer.Option("--json", help="Machine-readable.")] = False) -> None:
    """Hosts, their addresses on each network, and their daemons."""
    be = open_lab(name)
    st = be.status()
    d, in_effect = drills.active(be.state), faults.active(be.state)
    drill_state, drill_says = ("", "")
    if d is not None:
        with out.status(f"checking whether drill {d.name} still breaks the lab …"):
            drill_state, drill_says = drills.judged(be, d)
    if as_json:
        print(json.dumps({**st.as_dict(), "drill": d.name if d else None, "drill_state": drill_state or None,
                          "faults": [str(f) for f in in_effect]}, indent=2))
        return
    out.print(_status_table(st))
    out.print(f"hosts: {be.family.pretty} as this lab shows them — " + (
        f"views of this machine ({machine_os()}): the lab's own chronyd, named and BIND tools (airgaplab kit)"
        if be.world.box is None
        else f"VMs booted from the box {be.world.box}"), highlight=False)
    if d:
        out.print(f"[yellow]drill active:[/] {d.name} — {drill_says} (`airgaplab drill --reset` "
                  f"{'undoes it' if drill_state != 'repaired' else 'forgets it'})", highlight=False)
    if in_effect:
        out.print(f"[yellow]faults in effect:[/] {', '.join(map(str, in_effect))} (`airgaplab fault clear` undoes them)")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def exec(
    host: Annotated[str, typer.Argument(metavar="HOST", help="admin, k8s-node1, …, outsider or internet")],
    command: Annotated[list[str], typer.Argument(metavar="COMMAND", help="The command, after --")],
    name: NameOpt = None,
) -> None:
    """Run a command on a host (its network, its /etc, systemctl/dnf as on Rocky). Exit code = the command's."""
    raise typer.Exit(open_lab(name).transport.interactive(host, list(command)))


@app.command()
def shell(host: Annotated[str, typer.Argument(metavar="HOST", help="admin, k8s-node1, …")],
          name: NameOpt = None) -> None:
    """An interactive shell on a host."""
    be = open_lab(name)
    prompt = f"[root@{host} \\W]# "
    # root's login shell: in its home directory, as `ssh root@host` starts
    start = f"cd /root 2>/dev/null; exec env PS1={shlex.quote(prompt)} bash --norc -i"
    raise typer.Exit(be.transport.interactive(host, ["sh", "-c", start]))


@app.command()
def doctor(
    backend: BackendOpt = "auto",
    spec_file: SpecOpt = None,
    nodes: NodesOpt = None,
    os_name: OsOpt = None,
    hypervisor: HypervisorOpt = None,
) -> None:
    """Can this machine run the lab? Every finding says how to fix it (exit 1 if something blocks)."""
    spec = load_spec_of(spec_file, nodes, os_name, hypervisor)
    chosen, why = resolve_backend_name(backend, spec)
    found = doctor_cli.findings(chosen, spec)
    out.print(doctor_cli.doctor_table(chosen, why, found))
    if doctor_cli.blocking_failures(found):
        raise typer.Exit(1)


@app.command("render")
def render_cmd(
    spec_file: SpecOpt = None,
    host: Annotated[str | None, typer.Option(metavar="HOST", help="Only this host.")] = None,
    nodes: NodesOpt = None,
) -> None:
    """Print every file the provisioning installs on each host (the same for every backend)."""
    spec = load_spec_of(spec_file, nodes)
    hosts = [spec.host(host)] if host else spec.hosts
    for h in hosts:
        for path, content in render.files_for(spec, h).items():
            out.rule(f"{h.name}:{path}", align="left")
            sys.stdout.write(content)
            sys.stdout.flush()
        out.print(f"[dim]{h.name} steps: {', '.join(render.steps_for(h)) or 'none'}[/]")


from airgaplab.cli.box import box_app  # noqa: E402  (the `box` commands, registered here)
from airgaplab.cli.exercise import check, drill, solve  # noqa: E402
from airgaplab.cli.fault import fault  # noqa: E402
from airgaplab.cli.hypervisor import hypervisor_app  # noqa: E402
from airgaplab.cli.kit import kit  # noqa: E402
from airgaplab.cli.klass import class_app  # noqa: E402
from airgaplab.cli.report import nightly, report  # noqa: E402
from airgaplab.cli.state import reset, state_app  # noqa: E402

app.add_typer(box_app, name="box")
app.add_typer(state_app, name="state")
app.add_typer(class_app, name="class")
app.add_typer(hypervisor_app, name="hypervisor")
for command in (report, nightly, drill, check, solve, fault, reset, kit):
    app.command()(command)


DEPRECATED = {"--lab": "--spec"}  # old spelling → new; the old one still works, with a notice


def _modern(argv: list[str]) -> list[str]:
    """argv with deprecated option names replaced, saying so once on stderr."""
    new = []
    for a in argv:
        name, eq, value = a.partition("=")
        if name in DEPRECATED:
            err.print(f"note: {name} is now {DEPRECATED[name]} (the old name still works, for now)")
            a = DEPRECATED[name] + eq + value
        new.append(a)
    return new


def _one_line(e: Exception) -> str:
    """An error as one line, whatever a library put in its words (YAML's message spans lines), and without
    what rich would take for markup."""
    from rich.markup import escape

    return escape(" ".join(str(e).split()))


def run(argv: list[str]) -> int:
    """The CLI on `argv`: its exit code; bad input and lab errors end as one line on stderr."""
    try:
        rc = app(args=_modern(argv), standalone_mode=False)  # returns a command's typer.Exit code in this mode
        return rc if isinstance(rc, int) else 0
    except UserError as e:
        err.print(f"[red]error:[/] {_one_line(e)}", highlight=False, soft_wrap=True, markup=True)
        return e.exit_code
    except LabError as e:
        err.print(f"[red]lab error:[/] {_one_line(e)}", highlight=False, soft_wrap=True)
        return e.exit_code
    except typer.Exit as e:
        return e.exit_code
    except typer.Abort:
        err.print("aborted")
        return 130
    except KeyboardInterrupt:
        return 130
    except Exception as e:
        # Usage errors: click's exceptions, which typer vendors privately (no `click` module to import);
        # they carry exit_code 2 and format_message()
        message = getattr(e, "format_message", None)
        if type(e).__name__ == "NoArgsIsHelpError" and callable(message):  # `airgaplab box`: its help, as asked
            print(message())
            return 0
        if getattr(e, "exit_code", None) == 2 and callable(message):
            known = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
            known |= {g.name for g in app.registered_groups if g.name}
            command = next((a for a in argv[:1] if a in known), None)
            err.print(f"[red]error:[/] {message()} — see `airgaplab {command + ' ' if command else ''}--help`",
                      highlight=False, soft_wrap=True)
            return 2
        raise


def main() -> None:
    sys.exit(run(sys.argv[1:]))
