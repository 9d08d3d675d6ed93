"""The graded exercise: the four steps of the study notes, checked by the conformance suite itself.

    airgaplab up --bare          # stock hosts; prints the steps below
    airgaplab check [STEP]       # grades the lab: a line per check, the symptom of each failure
    airgaplab check --hint       # … and where to look
    airgaplab solve STEP         # shows and applies the reference solution of one step (a group that is stuck)

`check` runs the suite's own tests (`pytest -m stepN`): a requirement is graded by exactly one
implementation. `solve` runs the provisioning step of that role on the hosts that have it.
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from functools import partial
from pathlib import Path

from airgaplab import retry
from airgaplab.backends.base import Backend
from airgaplab.errors import UserError
from airgaplab.i18n import t
from airgaplab.lab import provisioner, render
from airgaplab.lab.spec import LabSpec
from airgaplab.paths import project_root
from airgaplab.probes import facts
from airgaplab.services import registry
from airgaplab.services.base import ExerciseStep
from airgaplab.suite import outcomes
from airgaplab.suite.catalog import catalog
from airgaplab.suite.outcomes import Outcome, Result


@dataclass(frozen=True)
class Step(ExerciseStep):
    """A service's exercise step with the number it has in every lab."""

    number: int = field(kw_only=True)


def numbered(names: tuple[str, ...] | list[str] = registry.DEFAULT) -> tuple[Step, ...]:
    """The exercise of a lab with services `names`: their steps, by the numbers they have in every lab."""
    return tuple(Step(**{f.name: getattr(e, f.name) for f in fields(e)}, number=n)
                 for n, s, e in registry.exercise() if s.name in names)


STEPS = numbered()  # the notes' chapter: 1 ntp-server, 2 ntp-clients, 3 dns-server, 4 dns-clients
ALL = numbered(registry.NAMES)  # every service's: what a step's number or name may be before a lab is asked


def of(spec: LabSpec) -> tuple[Step, ...]:
    """The exercise of lab `spec`: the steps of its services."""
    return numbered(spec.service_names)


def graded_on(spec: LabSpec) -> tuple[Step, ...]:
    """The steps a grade of the whole lab `spec` judges: its services' steps whose requirements hold in its state
    (a closed gateway's lab: not gateway-open)."""
    reqs = catalog().values()
    return tuple(s for s in of(spec) if any(r.step == s.number and r.holds_on(spec) for r in reqs))


def step(which: str, steps: tuple[Step, ...] = STEPS) -> Step:
    """A step of `steps` (default: the notes' chapter) by number (1-4) or name (ntp-server, ntp-clients,
    dns-server, dns-clients)."""
    for s in steps:
        if which in (str(s.number), s.name):
            return s
    names = ", ".join(f"{s.number} {s.name}" for s in steps)
    raise UserError(f"no exercise step {which!r} — the steps are {names}")


def text(width: int = 80, steps: tuple[Step, ...] = STEPS) -> str:
    """The exercise as `up --bare` prints it, wrapped at `width` with each step's lines indented under it."""
    def para(line: str, first: str, rest: str) -> list[str]:
        return textwrap.wrap(line, width=width, initial_indent=first, subsequent_indent=rest) or [first]

    lines = para(t("The exercise — the study notes' four steps on this bare lab (`airgaplab shell admin` to start):"),
                 "", "")
    for s in steps:
        lines += para(f"{s.number}. {s.name} ({t(s.where)}): {t(s.todo)}.", "  ", "     ")
        lines += para(f"{t('check by hand:')} {t(s.by_hand)}", "     ", "       ")
    lines += para(t("Grade it with `airgaplab check [STEP]`; stuck on a step? `airgaplab solve STEP`."), "", "")
    return "\n".join(lines)


@dataclass(frozen=True)
class Graded:
    req: str
    host: str
    outcome: Result
    title: str  # the claim in a few words
    observed: str  # the symptom: what was asked, from where, what came back (never the reference's answer)
    nudge: str  # where to look (`check --hint`)
    also: tuple[str, ...] = ()  # the symptoms of its other failing checks, each a cause of its own

    @property
    def causes(self) -> tuple[str, ...]:
        """Every distinct symptom of the requirement on this host, the first failure's first."""
        return (self.observed, *self.also)


def run_suite(be: Backend, *args: str, progress: Callable[[str], None] | None = None) -> list[Outcome]:
    """The conformance suite's outcomes on the lab (pytest ARGS select what runs): a requirement is judged by
    exactly one implementation, whoever asks (`check`, a drill's state, the reports). `progress` hears each wait
    as it starts (what for, how long at most)."""
    with tempfile.TemporaryDirectory(prefix="airgaplab-check-") as tmp:
        results, said = Path(tmp) / "results.json", Path(tmp) / "progress"
        argv = [sys.executable, "-m", "pytest", "-p", "airgaplab.suite.plugin", "-p", "no:cacheprovider", "-q",
                "--no-header", str(project_root() / "tests" / "conformance"), "--lab", be.spec.name,
                f"--airgaplab-results={results}", *([f"--airgaplab-progress={said}"] if progress else []), *args]
        # the suite's own plugin only: the others installed grade nothing, and their imports were half of a
        # bare lab's grading (hypothesis alone 0.8 s) — on the board, half of the time a change takes to show
        env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        with subprocess.Popen(argv, cwd=project_root(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=env) as proc:
            told = 0
            while progress is not None and proc.poll() is None:
                told = _tell(said, told, progress)
                retry.until(lambda: proc.poll() is not None, timeout=0.25, interval=0.05)
        if progress is not None:
            _tell(said, told, progress)
        return outcomes.load(results)


def _tell(path: Path, told: int, progress: Callable[[str], None]) -> int:
    """The progress lines past the first `told`, each to `progress`; how many are told now."""
    lines = path.read_text().splitlines() if path.exists() else []
    for line in lines[told:]:
        progress(line)
    return len(lines)


CLOCK_ROLES = registry.named("ntp").roles  # the steps whose checks wait for chronyd to follow its source
IN_SYNC_S = 60  # how long solving waits for the clocks it set up (iburst: seconds; a busy VM lab: more)


def in_sync(be: Backend, upto: int, timeout: float = IN_SYNC_S) -> str | None:
    """After solving steps 1..upto: wait (bounded) until every host whose chronyd those steps restarted follows
    a real source again — admin its upstream, then each node admin — which is what their checks wait for, so a
    solved step passes when solving returns (on the board too). None then; else why not."""
    roles = [st.role for st in of(be.spec) if st.number <= upto and st.role in CLOCK_ROLES]
    hosts = [h.name for h in sorted(be.spec.hosts, key=lambda h: not h.is_server) if any(h.has(r) for r in roles)]
    end = time.monotonic() + timeout
    for host in hosts:
        got = retry.until(partial(facts.on_upstream, be.transport, host), deadline=end, interval=0.25,
                          give_up=partial(facts.unanswered, be.transport, host))
        if not got:
            return got.gave_up or f"{host}'s chronyd follows no source {timeout:.0f} s after solving"
    return None


def grade(be: Backend, which: Step | None, sync_timeout: float | None = None,
          progress: Callable[[str], None] | None = None) -> list[Graded]:
    """Run the suite's tests of one step (or all) against the lab; one result per requirement and host (`progress`:
    see run_suite)."""
    args = (["-m", f"step{which.number}"] if which else []) + ([f"--sync-timeout={sync_timeout}"] if sync_timeout else [])
    return graded(run_suite(be, *args, progress=progress))


def all_steps_pass(be: Backend) -> tuple[bool, str]:
    """Does the lab pass every step of the exercise? And, if not, how far from it it is."""
    got = grade(be, None)
    failing = [g for g in got if g.outcome.failed]
    return bool(got) and not failing, f"{len(failing)} of {len(got)} checks fail" if got else "nothing could be checked"


def graded(got: list[Outcome]) -> list[Graded]:
    """The suite's outcomes as `check` shows them: one line per requirement and host (its first failure, if
    any), in the catalog's order."""
    merged: dict[tuple[str, str], Graded] = {}
    for o in got:
        key = (o.req, o.host)
        if key in merged and merged[key].outcome is not Result.PASS:
            seen = o.observed or o.message
            if o.outcome.failed and seen not in merged[key].causes:  # a cause of its own
                merged[key] = replace(merged[key], also=(*merged[key].also, seen))
            continue  # the first failure of a requirement on a host is the one shown first
        r = catalog()[o.req]
        merged[key] = Graded(o.req, o.host, o.outcome, r.title or r.claim, o.observed or o.message, r.nudge)
    order = list(catalog())
    return sorted(merged.values(), key=lambda g: (order.index(g.req), g.host))


NOTES_ONLY = {"AS_THE_NOTES": "1"}  # the notes' step exactly, none of the lab's extras (admin's NetworkManager drop-in)
SHOWN = "$ "  # how a step's PLAN_ONLY run prints a command it would run


@dataclass(frozen=True)
class Answer:
    """What `solve` will do on one host, before it does it: the notes' commands in order, and for each file a
    command writes, what changes in it (a unified diff)."""

    commands: list[str]
    diffs: dict[str, list[str]]

    def lines(self) -> list[str]:
        """The commands, each file's diff under the command that writes it."""
        out: list[str] = []
        for cmd in self.commands:
            out.append(f"$ {cmd}")
            if cmd.startswith("cat > "):
                out += [f"  {line}" for line in self.diffs.get(cmd.removeprefix("cat > "), [])]
        return out


def answer(be: Backend, which: Step) -> dict[str, Answer]:
    """The reference solution of a step, per host with its role, as it would be typed — nothing is changed: the
    provisioning step runs with PLAN_ONLY=1 and says what it would run; files it would write are diffed against
    their rendering."""
    hosts = [h for h in be.spec.hosts if any(h.has(r) for r in which.roles)]
    plan, got = be.provision_plan(), {}

    def one(name: str) -> None:
        host = be.spec.host(name)
        said = provisioner.provision_host(be.transport, be.spec, be.family, host, plan,
                                          [r for r in which.roles if host.has(r)],
                                          env={**NOTES_ONLY, **dict(which.env), "PLAN_ONLY": "1"})
        commands = [line.removeprefix(SHOWN) for line in said.splitlines() if line.startswith(SHOWN)]
        written = [c.removeprefix("cat > ") for c in commands if c.startswith("cat > ")]
        rendered = render.files_for(be.spec, host, be.family)
        before = _contents(be, name, written)
        got[name] = Answer(commands, {p: changes({p: before[p]}, {p: rendered[p]}) for p in written})

    provisioner.parallel([h.name for h in hosts], one)
    return {h.name: got[h.name] for h in hosts}


def solve(be: Backend, which: Step) -> list[str]:
    """Apply the reference solution of a step (what `answer` shows) on every host with its roles, a role's hosts
    after the one before's (the gateway: admin, then the nodes); those hosts."""
    plan, done = be.provision_plan(), []
    for role in which.roles:
        hosts = [h.name for h in be.spec.hosts if h.has(role)]

        def one(name: str, role: str = role) -> None:
            provisioner.provision_host(be.transport, be.spec, be.family, be.spec.host(name), plan, [role],
                                       env={**NOTES_ONLY, **dict(which.env)})

        provisioner.parallel(hosts, one)
        done += [h for h in hosts if h not in done]
    return done


def changes(before: dict[str, str | None], after: dict[str, str | None]) -> list[str]:
    """What changed between two readings of a host's files, as unified diffs (a file that was not there: all
    its lines added)."""
    lines: list[str] = []
    for path in sorted(after):
        old, new = before.get(path), after[path]
        if old == new:
            continue
        # a line that differs in its whitespace only (Rocky's stock tabs, the rendering's spaces) is no change
        # a student makes: the diff compares lines with their runs of whitespace made one space
        a, b = ([" ".join(x.split()) for x in (text or "").splitlines()] for text in (old, new))
        if old is not None and a == b:
            continue
        lines += difflib.unified_diff(a, b, f"{path} (before)" if old is not None else "/dev/null", path, n=1,
                                      lineterm="")
    return lines


SEP = "\x1e"  # a byte no config file holds, between the files of one reading


def _contents(be: Backend, host: str, paths: list[str]) -> dict[str, str | None]:
    """The files' texts on the host in one round trip (None: no such file)."""
    script = "".join(f'if [ -f "{p}" ]; then cat "{p}"; else printf "\\035"; fi; printf "{SEP}"; ' for p in paths)
    text = be.transport.run(host, ["sh", "-c", script], what="reading the step's files").stdout.decode(errors="replace")
    parts = text.split(SEP)
    return {p: None if part == "\x1d" else part for p, part in zip(paths, parts, strict=False)}
