"""`airgaplab`: bring the lab up and down, look inside it, render its files."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from airgaplab import render
from airgaplab.backends import make_backend, open_lab, resolve_backend_name
from airgaplab.backends.base import Backend, LabStatus
from airgaplab.errors import LabError, UserError
from airgaplab.paths import default_lab_file
from airgaplab.spec import load_spec, with_vm_options

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
)
out = Console()
err = Console(stderr=True)

NameOpt = Annotated[str | None, typer.Option("--name", help="Which lab (default: the only one that is up).")]
LabOpt = Annotated[Path | None, typer.Option("--lab", help="Lab spec (YAML). Default: labs/ntp-dns.yaml.")]
NAME_HELP = "Lab name (default: the spec's). Labs with different names run side by side."
BARE_HELP = "Hosts and networks with stock configs, no NTP/DNS provisioning (for exercises)."
DRY_RUN_HELP = "vagrant: print the plan and the vagrant commands, create nothing."
LAB_UP_HELP = "Bring up a fresh lab (netns|vagrant) for the run, then take it down."
DRILL_HELP = "Apply this drill before the run (rehearse the failure path)."
OS_HELP = "vagrant: the guests' OS, rocky10 (the reference) or debian12 (a box built here from Debian packages)."
HYPERVISOR_HELP = ("vagrant: system (this machine's libvirtd), private (one airgaplab starts in a namespace of the "
                   "lab's, leading into the simulated internet) or auto (system where reachable).")
NodesOpt = Annotated[int | None, typer.Option("--nodes", help="Scale the nodes to k8s-node1..N.", min=1)]


class _Steps:
    """Progress lines: each step prints with its duration when the next one starts."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.last: tuple[str, float] | None = None
        self.status = out.status("", spinner="dots")

    def __call__(self, msg: str) -> None:
        self._close()
        self.last = (msg, time.monotonic())
        self.status.update(f"{msg} …")

    def _close(self) -> None:
        if self.last:
            msg, t = self.last
            out.print(f"[green]✓[/] {msg} [dim]({time.monotonic() - t:.1f} s)[/]")
            self.last = None

    def __enter__(self) -> _Steps:
        self.status.start()
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.status.stop()
        if exc_type is None:
            self._close()
        elif self.last:
            out.print(f"[red]✗[/] {self.last[0]}")


def _status_table(st: LabStatus) -> Table:
    table = Table(title=f"lab {st.lab} ({st.backend}): {st.state}", title_justify="left")
    for col in ("host", "state", "addresses", "chronyd", "named"):
        table.add_column(col)
    for h in st.hosts:
        addrs = "  ".join(f"{k} {v}" for k, v in h.addresses.items())

        def mark(d: str, daemons: dict[str, str] = h.daemons) -> str:
            state = daemons.get(d, "-")
            return {"active": "[green]active[/]", "inactive": "[dim]-[/]"}.get(state, state)

        table.add_row(h.name, h.state, addrs, mark("chronyd"), mark("named"))
    return table


@app.command()
def up(
    lab: LabOpt = None,
    backend: Annotated[str, typer.Option(help="netns (embedded), vagrant (VMs) or auto.")] = "auto",
    name: Annotated[str | None, typer.Option(help=NAME_HELP)] = None,
    bare: Annotated[bool, typer.Option("--bare", help=BARE_HELP)] = False,
    nodes: NodesOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
    os_name: Annotated[str | None, typer.Option("--os", help=OS_HELP)] = None,
    hypervisor: Annotated[str | None, typer.Option("--hypervisor", help=HYPERVISOR_HELP)] = None,
) -> None:
    """Bring a lab up: hosts, networks, the simulated internet, then NTP/DNS provisioning."""
    spec = with_vm_options(load_spec(lab or default_lab_file(), nodes), os_name, hypervisor)
    if name:
        spec = spec.model_copy(update={"name": name})
    chosen, why = resolve_backend_name(backend, spec)
    if dry_run:
        if chosen != "vagrant":
            raise UserError("--dry-run: only the vagrant backend has a plan to show — add --backend vagrant")
        print(json.dumps(make_backend(chosen, spec).dry_run(), indent=2))  # type: ignore[attr-defined]
        return
    out.print(f"backend: [bold]{chosen}[/] ({why})")
    if chosen == "vagrant":
        _doctor_or_stop(chosen, spec)
    with _Steps() as steps:
        be = make_backend(chosen, spec, steps)
        t0 = time.monotonic()
        try:
            be.up(bare=bare)
        except UserError:
            raise
        except BaseException:
            steps.status.stop()
            err.print("[red]lab-up failed[/]: taking the half-created lab down again")
            be.down()
            raise
    out.print(_status_table(be.status()))
    out.print(f"lab [bold]{spec.name}[/] up in {time.monotonic() - t0:.1f} s — try: "
              f"airgaplab exec {spec.nodes_list[0].name if spec.nodes_list else spec.hosts[0].name} -- chronyc sources -v")


@app.command()
def down(name: NameOpt = None) -> None:
    """Take a lab down: daemons, mounts, namespaces, state — also after an interrupted `up`."""
    with _Steps() as steps:
        be = open_lab(name, steps)
        be.down()
    out.print(f"lab {be.lab.name} is down")


@app.command()
def status(name: NameOpt = None, as_json: Annotated[bool, typer.Option("--json", help="Machine-readable.")] = False) -> None:
    """Hosts, their addresses on each network, and their daemons."""
    st = open_lab(name).status()
    if as_json:
        print(json.dumps(st.as_dict(), indent=2))
    else:
        out.print(_status_table(st))


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def exec(
    host: Annotated[str, typer.Argument(help="admin, k8s-node1, …, outsider or internet")],
    command: Annotated[list[str], typer.Argument(help="The command, after --")],
    name: NameOpt = None,
) -> None:
    """Run a command on a host (its network, its /etc, systemctl/dnf as on Rocky). Exit code = the command's."""
    raise typer.Exit(open_lab(name).interactive(host, list(command)))


@app.command()
def shell(host: Annotated[str, typer.Argument(help="admin, k8s-node1, …")], name: NameOpt = None) -> None:
    """An interactive shell on a host."""
    be = open_lab(name)
    prompt = f"[root@{host} \\W]# "
    raise typer.Exit(be.interactive(host, ["env", f"PS1={prompt}", "bash", "--norc", "-i"]))


def _doctor_table(chosen: str, why: str, found: list) -> Table:
    table = Table("check", "", "found", "fix", title=f"doctor: {chosen} backend ({why})", title_justify="left")
    for x in found:
        mark = "[green]ok[/]" if x.ok else ("[red]FAIL[/]" if x.blocking else "[yellow]warn[/]")
        table.add_row(x.check, mark, x.detail, "" if x.ok else x.fix)
    return table


def _doctor_or_stop(chosen: str, spec) -> None:
    from airgaplab import doctor as doc

    found = doc.findings(chosen, spec)
    bad = doc.blocking_failures(found)
    if bad:
        out.print(_doctor_table(chosen, "run by up", found))
        raise UserError(f"{len(bad)} doctor finding(s) stop the {chosen} lab ({', '.join(x.check for x in bad)}): "
                        "fix them as the table says; nothing was created")


@app.command()
def doctor(
    backend: Annotated[str, typer.Option(help="netns, vagrant or auto.")] = "auto",
    lab: LabOpt = None,
    nodes: NodesOpt = None,
    os_name: Annotated[str | None, typer.Option("--os", help=OS_HELP)] = None,
    hypervisor: Annotated[str | None, typer.Option("--hypervisor", help=HYPERVISOR_HELP)] = None,
) -> None:
    """Can this machine run the lab? Every finding says how to fix it (exit 1 if something blocks)."""
    from airgaplab import doctor as doc

    spec = with_vm_options(load_spec(lab or default_lab_file(), nodes), os_name, hypervisor)
    chosen, why = resolve_backend_name(backend, spec)
    found = doc.findings(chosen, spec)
    out.print(_doctor_table(chosen, why, found))
    if doc.blocking_failures(found):
        raise typer.Exit(1)


@app.command()
def report(
    name: NameOpt = None,
    lab_up: Annotated[str | None, typer.Option("--lab-up", help=LAB_UP_HELP)] = None,
    lab: LabOpt = None,
    drill_name: Annotated[str | None, typer.Option("--drill", help=DRILL_HELP)] = None,
) -> None:
    """Run the suite; write reports/<lab>/<UTC time>/ (junit.xml, allure-results/, summary.html/json). Exit 1 on failures."""
    from airgaplab.report.run import write_report

    be, up_s = _lab_for_report(name, lab_up, lab)
    try:
        if drill_name:
            _apply_drill(be, drill_name)
        with out.status("running the conformance suite …"):
            run_dir, s = write_report(be, lab_up_s=up_s)
    finally:
        if lab_up:
            be.down()
    color = "green" if s["verdict"] == "PASS" else "red"
    out.print(f"[{color}]{s['verdict']}[/] {s['counts']['requirements_passed']}/{s['counts']['requirements']} requirements "
              f"— {run_dir}/summary.html")
    if s["verdict"] != "PASS":
        raise typer.Exit(1)


@app.command()
def nightly(
    name: Annotated[str, typer.Option(help="The lab's name (any lab up under it is taken down first).")] = "nightly",
    backend: Annotated[str, typer.Option(help="netns, vagrant or auto.")] = "auto",
    lab: LabOpt = None,
    drill_name: Annotated[str | None, typer.Option("--drill", help=DRILL_HELP)] = None,
) -> None:
    """Fresh lab, suite, report, lab down — always down; exit 1 if any requirement failed."""
    from airgaplab.backends import known_labs

    if name in known_labs():
        out.print(f"taking down the previous lab {name!r}")
        open_lab(name).down()
    chosen, _ = resolve_backend_name(backend)
    report(name=name, lab_up=chosen, lab=lab, drill_name=drill_name)


def _lab_for_report(name: str | None, lab_up: str | None, lab: Path | None) -> tuple[Backend, float | None]:
    if not lab_up:
        be = open_lab(name)
        if not be.is_up():
            raise UserError(f"lab {be.lab.name!r} is not (fully) up: `make lab-down lab-up`, or pass --lab-up")
        return be, None
    spec = load_spec(lab or default_lab_file())
    if name:
        spec = spec.model_copy(update={"name": name})
    chosen, _ = resolve_backend_name(lab_up)
    be = make_backend(chosen, spec)
    t0 = time.monotonic()
    with _Steps() as steps:
        be.progress = steps
        try:
            be.up()
        except UserError:  # refused before creating anything: what exists is not this run's to take down
            raise
        except BaseException:
            be.down()
            raise
    return be, round(time.monotonic() - t0, 2)


def _apply_drill(be: Backend, which: str) -> None:
    from airgaplab.drills import DRILLS

    if which not in DRILLS:
        raise UserError(f"no drill {which!r} — `airgaplab drill` lists them")
    d = DRILLS[which]
    for host, cmd in d.commands(be.lab, be.family):
        proc = be.exec(host, ["sh", "-c", cmd])
        if proc.returncode != 0:
            raise LabError(f"{host}: `{cmd}` failed: {proc.stderr.decode().strip()}")
        out.print(f"[yellow]{host}[/]# {cmd}", highlight=False)
    out.print(f"Applied {d.name}: {d.what}.")


@app.command()
def drill(
    which: Annotated[str | None, typer.Argument(help="The drill to apply; without it, the list.")] = None,
    name: NameOpt = None,
) -> None:
    """Break one thing in the lab on purpose (a break/fix exercise), then run `pytest` to see what fails."""
    from airgaplab.drills import DRILLS

    if which is None:
        table = Table("drill", "what it breaks", "requirements that should fail", title="break/fix drills")
        for d in DRILLS.values():
            table.add_row(d.name, d.what, ", ".join(sorted({r for r, _ in d.breaks})))
        out.print(table)
        return
    _apply_drill(open_lab(name), which)
    out.print("Now run `pytest` and repair it from what fails.")


@app.command("render")
def render_cmd(
    lab: LabOpt = None,
    host: Annotated[str | None, typer.Option(help="Only this host.")] = None,
    nodes: NodesOpt = None,
    backend: Annotated[str, typer.Option(help="netns maps internet addresses onto the simulated internet.")] = "vagrant",
) -> None:
    """Print every file the provisioning installs on each host."""
    spec = load_spec(lab or default_lab_file(), nodes)
    amap = None
    if backend == "netns":
        from airgaplab.backends.netns.addressing import Internet

        amap = Internet(spec).address_map()
    hosts = [spec.host(host)] if host else spec.hosts
    for h in hosts:
        for path, content in render.files_for(spec, h, amap).items():
            out.rule(f"{h.name}:{path}", align="left")
            sys.stdout.write(content)
            sys.stdout.flush()
        out.print(f"[dim]{h.name} steps: {', '.join(render.steps_for(h)) or 'none'}[/]")


box_app = typer.Typer(help="Vagrant boxes built here from distribution packages (cached, keyed by their recipe).",
                      no_args_is_help=True)
app.add_typer(box_app, name="box")
MIRROR_HELP = "Package mirror (default: AIRGAPLAB_MIRROR or deb.debian.org); behind an air gap, your own mirror."


@box_app.command("build")
def box_build(
    os_name: Annotated[str, typer.Argument(metavar="OS", help="debian12")],
    mirror: Annotated[str | None, typer.Option(help=MIRROR_HELP)] = None,
) -> None:
    """Build the box for OS (debootstrap, ~3 min) and add it to Vagrant; reused while its recipe is unchanged."""
    from airgaplab import box

    with _Steps() as steps:
        name = box.ensure(os_name, steps, mirror)
    out.print(f"box [bold]{name}[/] ready ({box.box_file(box.recipe(os_name, mirror))})")


@box_app.command("list")
def box_list() -> None:
    """Boxes in the cache and in Vagrant."""
    from airgaplab import box

    table = Table("box", "file", "MiB", "in vagrant", title=f"boxes ({box.cache_dir()})", title_justify="left")
    for row in box.cached():
        table.add_row(str(row["name"]), str(row["file"] or "-"), str(row["size_mb"] or "-"),
                      "yes" if row["added"] else "no")
    out.print(table)


@box_app.command("rm")
def box_rm(os_name: Annotated[str, typer.Argument(metavar="OS", help="debian12")]) -> None:
    """Remove OS's boxes from the cache and from Vagrant."""
    from airgaplab import box

    box.recipe(os_name)  # one line, exit 2, for an unknown OS
    gone = box.remove(os_name)
    out.print(f"removed {', '.join(gone)}" if gone else f"no {os_name} box to remove")


def main() -> None:
    try:
        rc = app(standalone_mode=False)  # returns a command's typer.Exit code in this mode
        sys.exit(rc if isinstance(rc, int) else 0)
    except UserError as e:
        err.print(f"[red]error:[/] {e}", highlight=False, soft_wrap=True)
        sys.exit(e.exit_code)
    except LabError as e:
        err.print(f"[red]lab error:[/] {e}", highlight=False, soft_wrap=True)
        sys.exit(e.exit_code)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:
        # Usage errors: click's exceptions, which typer vendors privately (no `click` module to import);
        # they carry exit_code 2 and format_message()
        message = getattr(e, "format_message", None)
        if getattr(e, "exit_code", None) == 2 and callable(message):
            known = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
            known |= {g.name for g in app.registered_groups if g.name}
            command = next((a for a in sys.argv[1:2] if a in known), None)
            err.print(f"[red]error:[/] {message()} — see `airgaplab {command + ' ' if command else ''}--help`",
                      highlight=False, soft_wrap=True)
            sys.exit(2)
        raise

