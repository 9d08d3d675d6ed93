"""`airgaplab check`, `solve` and `drill`: the study group's side of the lab (airgaplab.exercise, drills)."""

from __future__ import annotations

import textwrap
from typing import Annotated

import typer
from rich.cells import cell_len
from rich.table import Column, Table
from rich.text import Text

from airgaplab.backends import open_lab
from airgaplab.cli.console import out
from airgaplab.cli.options import NameOpt
from airgaplab.errors import UserError
from airgaplab.exercise import drills, rewind, states
from airgaplab.exercise import steps as exercise
from airgaplab.i18n import set_language, t
from airgaplab.services.names import DEFAULT
from airgaplab.suite.catalog import catalog
from airgaplab.suite.outcomes import Result

StepArg = Annotated[str | None, typer.Argument(metavar="STEP", help="1 ntp-server, 2 ntp-clients, 3 dns-server, "
                                                                    "4 dns-clients (default: all)")]
CONVERGING = "not synchronized"
DRILL_ARG_HELP = "The drill to apply; without it, the list by symptom."
LINE = 78
LangOpt = Annotated[str | None, typer.Option("--lang", metavar="LANG", help="en or ko (default: the locale's: "
                                                                           "LANG=ko_KR.UTF-8 speaks Korean).")]


def lab_services(name: str | None) -> list[str]:
    """The services of the lab `name` (or the only one up); the notes' chapter's when no lab is up to ask."""
    try:
        return open_lab(name).spec.service_names
    except UserError:
        return list(DEFAULT)


def _indented(label: str, text: str) -> None:
    """`     seen: …` wrapped under its label at the terminal's width (at most 100), in terminal cells (a Korean
    letter takes two)."""
    rest = " " * (7 + cell_len(label))
    lines = Text(f"{label}: {text}").wrap(out, max(40, min(out.width, 100)) - len(rest))
    for i, line in enumerate(lines):
        out.print(("     " if i == 0 else rest) + line.plain.rstrip(), highlight=False, markup=False, soft_wrap=True)


def _fits(title: str, room: int) -> str:
    """`title` in at most `room` terminal cells (a Korean letter takes two)."""
    if cell_len(title) <= room:
        return title
    while cell_len(title) > room - 1:
        title = title[:-1]
    return title + "…"


def check(
    which: StepArg = None,
    name: NameOpt = None,
    hint: Annotated[bool, typer.Option("--hint", help="Also say where to look for each failure (the setting, "
                                                       "the file); `solve` shows the answer.")] = False,
    sync_timeout: Annotated[float | None, typer.Option("--sync-timeout", metavar="SECONDS",
                                                       help="Longest wait for chrony.")] = None,
    lang: LangOpt = None,
) -> None:
    """Grade the lab against the notes' steps: a line per check and, for each failure, its symptom — what was
    asked, from where, what came back (exit 1 unless all pass). Stuck? `--hint` says where to look; `airgaplab
    solve STEP` shows the answer."""
    set_language(lang)
    if which:
        exercise.step(which, exercise.ALL)  # a step no service has: said before a lab is looked for
    be = open_lab(name)
    steps = [exercise.step(which, exercise.of(be.spec))] if which else list(exercise.of(be.spec))
    total = passed = 0
    failing_steps: list[int] = []
    said: set[str] = set()  # symptoms shown already: one root cause is told once, what follows from it collapsed
    judged = exercise.graded_on(be.spec)
    for s in steps:
        reqs = [r for r in catalog().values() if r.step == s.number]
        if not which and s not in judged:  # the other end of the gateway: not this lab's state
            out.print(f"[bold]{t('step {number} {name}').format(number=s.number, name=s.name)}[/] ({t(s.where)}): "
                      + t("not this lab's state (its spec) — `airgaplab check {number}` grades it").format(
                          number=s.number), highlight=False)
            continue
        wait = be.world.sync_timeout if sync_timeout is None else sync_timeout
        converges = any(r.kind == CONVERGING for r in reqs)
        why = t("waiting for chrony to converge (up to {seconds} s) while ").format(seconds=f"{wait:.0f}") \
            if converges else ""
        with out.status(why + t("checking step {number} {name} …").format(number=s.number, name=s.name)) as status:
            def waiting(line: str, step: exercise.Step = s) -> None:  # a check began to wait: for what, how long
                if out.is_terminal:
                    status.update(f"step {step.number} {step.name}: {line} …")
                else:
                    out.print(f"  … {line}", highlight=False, soft_wrap=True)

            graded = exercise.grade(be, s, sync_timeout, progress=waiting)
        if not graded and not be.is_up():  # taken down (or half gone) while the suite ran: nothing was graded
            raise UserError(f"lab {be.spec.name!r} went away while `check` ran, so nothing was graded — bring it up "
                            "again (`airgaplab up`, or `airgaplab reset` if it is still there) and check again")
        out.print(f"[bold]{t('step {number} {name}').format(number=s.number, name=s.name)}[/] ({t(s.where)})")
        for g in graded:
            left = f" · {g.host}: "
            room = LINE - len(left) - 9
            title = _fits(t(g.title), room)
            mark = {Result.PASS: "[green]PASS[/]", Result.SKIP: "[yellow]SKIP[/]"}.get(g.outcome, "[red]FAIL[/]")
            out.print(f"{left}{title} " + "." * max(3, LINE - len(left) - cell_len(title) - 5) + " " + mark,
                      highlight=False)
            if g.outcome is Result.SKIP and g.observed:
                _indented(t("not checked"), g.observed.removeprefix("not checked: "))
            if g.outcome.passing:
                continue
            new = [c for c in g.causes if c not in said]  # a cause of its own is never folded into one above
            if not new:
                out.print(f"     [dim]{t('(the same cause as above)')}[/]", highlight=False)
                continue
            said.update(new)
            for cause in new:
                _indented(t("seen"), cause)
            if len(new) < len(g.causes):
                out.print(f"     [dim]{t('(and the cause above)')}[/]", highlight=False)
            if hint:
                _indented(t("hint"), be.family.localize(t(g.nudge)))
        total += len(graded)
        passed += sum(g.outcome.passing for g in graded)
        if any(g.outcome.failed for g in graded):
            failing_steps.append(s.number)
    done = passed == total and total > 0
    verdict = f"[green]{t('all checks pass')}[/]" if done else \
        f"[red]{t('{failing} of {total} checks fail').format(failing=total - passed, total=total)}[/]"
    out.print(f"{t('verdict')}: {verdict}" + ("" if done else t(" — fix them and run `airgaplab check` again")))
    if not done:
        first = failing_steps[0] if failing_steps else 1
        more = "" if hint else t("`airgaplab check --hint` says where to look; ")
        stuck = t("stuck? {more}`airgaplab solve {step}` shows (and applies) the answer").format(more=more, step=first)
        out.print(textwrap.fill(stuck,
                                width=max(40, min(out.width, 100)), subsequent_indent="  "), highlight=False,
                  soft_wrap=True)
        raise typer.Exit(1)


def solve(
    which: Annotated[str | None, typer.Argument(metavar="STEP", help="1 ntp-server, 2 ntp-clients, 3 dns-server, "
                                                                    "4 dns-clients")] = None,
    name: NameOpt = None,
    to: Annotated[str | None, typer.Option("--to", metavar="STEP", help="Fast-forward: solve every step from 1 "
                                                                        "up to this one (a group that is behind).")] = None,
    lang: LangOpt = None,
) -> None:
    """Show the reference solution of one step, then apply it (for a group that is stuck): the notes' commands on
    each host as they are typed (backups, the files with what changes in them, restarts), all before anything
    runs; then `airgaplab check STEP`. `--to N` solves steps 1..N without showing them."""
    if (which is None) == (to is None):
        raise UserError("solve: name one step (`airgaplab solve 2`) or fast-forward up to one "
                        "(`airgaplab solve --to 3`)")
    set_language(lang)
    exercise.step(str(to if to is not None else which), exercise.ALL)  # said before a lab is looked for
    be = open_lab(name)
    if to is not None:
        last = exercise.step(to, exercise.of(be.spec))
        for s in (s for s in exercise.of(be.spec) if s.number <= last.number):
            with out.status(t("solving step {number} {name} …").format(number=s.number, name=s.name)):
                changed = exercise.solve(be, s)
            out.print(t("step {number} {name}: the reference configuration is on {hosts}").format(
                number=s.number, name=s.name, hosts=", ".join(changed)), highlight=False)
        out.print(t("now `airgaplab check {step}` (or `airgaplab reset bare` starts the exercise over)").format(
            step=last.number), highlight=False)
        return
    s = exercise.step(str(which), exercise.of(be.spec))
    with out.status(t("working out step {number} {name} …").format(number=s.number, name=s.name)):
        shown = exercise.answer(be, s)
    for host, ans in shown.items():  # all of it shown first, then applied
        out.print(f"[bold]{host}[/]: " + (t("the notes' step {number}, as it is typed:").format(number=s.number)
                                          if ans.commands else t("already done: nothing of the step is left to run")))
        for line in ans.lines():
            style = "green" if line.startswith("  +") else "red" if line.startswith("  -") else \
                "bold" if line.startswith("$") else ""
            out.print(f"  {line}", style=style or None, highlight=False, markup=False, soft_wrap=True)
    if not any(ans.commands for ans in shown.values()):
        out.print(t("step {number} {name} is done already — `airgaplab check {number}`").format(
            number=s.number, name=s.name), highlight=False)
        return
    with out.status(t("applying step {number} {name} …").format(number=s.number, name=s.name)):
        changed = exercise.solve(be, s)
    said = t("applied: step {number} {name} is the notes' on {hosts} — now `airgaplab check {number}`").format(
        number=s.number, name=s.name, hosts=", ".join(changed))
    out.print(textwrap.fill(said, width=min(out.width, 100), subsequent_indent="  "), highlight=False, soft_wrap=True)


def drill(
    which: Annotated[str | None, typer.Argument(metavar="DRILL", help=DRILL_ARG_HELP)] = None,
    name: NameOpt = None,
    show: Annotated[bool, typer.Option("--show", help="Reveal what each drill breaks (spoils the exercise).")] = False,
    reset: Annotated[bool, typer.Option("--reset", help="Undo the active drill: back to the lab as it was before "
                                                        "it (its saved state; on VMs, provisioned again).")] = False,
) -> None:
    """Break one thing in the lab on purpose; find it from the symptom and what `pytest` says, then repair it."""
    if reset:
        be = open_lab(name)
        from_state = be.can_save_states and states.BEFORE_DRILL in states.saved(be)
        with out.status("undoing the drill …"):
            undone = rewind.undo_drill(be)
        how = "back to the state saved before it" if from_state else "the lab is provisioned again"
        out.print(f"undid drill {undone}: {how}" if undone else f"no drill is active; {how} all the same")
        return
    if which is None:
        # the names are what the user types next: never cut, whatever the terminal's width (the rest wraps)
        shown = drills.of(lab_services(name))
        name_col = Column("drill", no_wrap=True, min_width=max(len(d) for d in shown))
        rest = [Column(c, overflow="fold") for c in ("symptom", *(["what it breaks", "requirements that fail"]
                                                                if show else []))]
        table = Table(name_col, *rest, title="break/fix drills (`airgaplab drill NAME`)", title_justify="left")
        for d in shown.values():
            table.add_row(d.name, d.symptom, *([d.what, ", ".join(sorted({r for r, _ in d.breaks}))] if show else []))
        out.print(table)
        return
    be = open_lab(name)
    d = drills.apply(be, which)
    out.print(f"Drill [bold]{d.name}[/] applied. Symptom: {d.symptom}")
    out.print("Find the cause with `pytest` and the hosts' own tools, repair it by hand; `airgaplab drill --reset` "
              "undoes it.")
