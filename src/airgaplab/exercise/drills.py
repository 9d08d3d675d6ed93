"""Break-one-thing drills: plain shell run inside lab hosts, and the requirements each one breaks.

They prove the suite can fail (the harness's tests bring up a lab, apply a
drill, run the suite and compare the failing ids), and they are the
break/fix exercises of a study group: `airgaplab drill` lists them by symptom
only, applying one does not print what it does, `pytest` and the hosts' own
tools lead to the cause, and `drill --reset` restores the provisioned lab.
"""

from __future__ import annotations

from collections.abc import Callable

from airgaplab.backends.base import Backend
from airgaplab.backends.state import LabState
from airgaplab.errors import UserError
from airgaplab.exercise import states
from airgaplab.services import drill, registry
from airgaplab.services.drill import NODE, Drill
from airgaplab.suite.outcomes import Outcome

_d = drill.table(lambda _fam: {})  # the lab's drills name its addresses only

# the lab's own drills (its network), then each service's (airgaplab.services.<name>.drills)
LAB_DRILLS = (
    _d("one-node-can-get-out", "the first node could send packets towards the internet",
       "the first node gets a default route through admin",
       [(NODE, "ip route add default via $admin_ip")],
       [("NET-1", NODE)],
       [(NODE, "ip route del default via $admin_ip 2>/dev/null || true")]),
)
ALL: dict[str, Drill] = {d.name: d for d in (*LAB_DRILLS, *(d for s in registry.every() for d in s.drills()))}
SERVICE_OF = {d.name: s.name for s in registry.every() for d in s.drills()}  # the lab's own: none


def of(names: tuple[str, ...] | list[str]) -> dict[str, Drill]:
    """The drills of a lab with services `names`: the lab's own and those of its services."""
    return {n: d for n, d in ALL.items() if SERVICE_OF.get(n, "") in ("", *names)}


DRILLS = of(registry.DEFAULT)  # the notes' chapter's


def active(state: LabState) -> Drill | None:
    """The drill applied to a lab and not reset since."""
    name = state.drill()
    return ALL.get(name) if name else None


def _run(be: Backend, commands: list[tuple[str, str]]) -> None:
    for host, cmd in commands:
        be.transport.run(host, ["sh", "-c", cmd], what="a drill command", timeout=60)


def apply(be: Backend, which: str, steps_pass: Callable[[Backend], tuple[bool, str]] | None = None) -> Drill:
    """Apply drill `which` to the lab, and record it as the lab's active drill. A bare lab takes drills once
    the exercise's steps pass on it (`steps_pass`, default: the suite grades them): a drill breaks a
    working lab."""
    if which not in of(be.spec.service_names):
        there = f" (lab {be.spec.name!r} has no {SERVICE_OF[which]})" if which in SERVICE_OF else ""
        raise UserError(f"no drill {which!r}{there} — `airgaplab drill` lists them")
    journal = be.state.journal()
    if journal is not None and journal.bare:
        from airgaplab.exercise import steps as exercise

        ok, how = (steps_pass or exercise.all_steps_pass)(be)
        if not ok:
            raise UserError(f"lab {be.spec.name!r} is bare and its steps do not all pass yet ({how}): a drill breaks "
                            "a working lab — finish the steps (`airgaplab check`), or `airgaplab up` a provisioned lab")
    d = ALL[which]
    if be.can_save_states and active(be.state) is None:  # `drill --reset` comes back to exactly this
        states.save(be, states.BEFORE_DRILL)
    _run(be, d.commands(be.spec, be.family))
    be.state.record_drill(d.name)
    return d


def judged(be: Backend, d: Drill,
           outcomes: Callable[[Backend, list[str]], list[Outcome]] | None = None) -> tuple[str, str]:
    """Is an applied drill still breaking the lab, or was it repaired by hand? ("broken" | "repaired" |
    "unknown", in words), judged by the requirements it breaks (those of the default run)."""
    reqs = sorted({r for r, _ in d.breaks if "-RES-" not in r})
    if not reqs:
        return "unknown", "it shows only under a fault (`pytest -m resilience` tells)"
    if outcomes is None:
        from airgaplab.exercise import steps as exercise

        def outcomes(b: Backend, ids: list[str]) -> list[Outcome]:
            return exercise.run_suite(b, *[f"--req={r}" for r in ids])

    failing = sorted({f"{o.req} on {o.host}" for o in outcomes(be, reqs) if o.outcome.failed})
    if failing:
        return "broken", f"still broken: {', '.join(failing)} fail"
    return "repaired", f"repaired: {', '.join(reqs)} pass again"


def undo(be: Backend) -> str | None:
    """The active drill's undo commands (what provisioning does not restore: routes, rules, running daemons);
    its name, if one was active."""
    d = active(be.state)
    if d is not None:
        _run(be, d.commands(be.spec, be.family, d.undo))
    return d.name if d else None
