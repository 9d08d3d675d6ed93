"""A break-one-thing drill, as a service module declares it: plain shell run inside lab hosts, and the
requirements it breaks (`airgaplab.exercise.drills` applies, judges and undoes them).

    Drill("nodes-lose-time", symptom, what, steps=((ADMIN, "sed -i '/^allow/d' $chrony_conf"),), …)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from string import Template

from airgaplab.lab.family import ROCKY, Family
from airgaplab.lab.spec import LabSpec

# Host tokens, resolved against the lab: its server host (admin), every node, the first node.
ADMIN, NODES, NODE = "@admin", "@nodes", "@node"
KEEP = "/var/lib/airgaplab"  # inside the host's own /var: where a drill keeps a file it restores


def hosts(token: str, spec: LabSpec) -> list[str]:
    nodes = [h.name for h in spec.nodes_list]
    return {ADMIN: [spec.admin.name], NODES: nodes, NODE: nodes[:1]}.get(token, [token])


def lab_values(spec: LabSpec) -> dict[str, str]:
    """What any drill's command may name: the lab's addresses ($admin_ip, $unused_ip, $internal)."""
    taken = {h.ip for h in spec.hosts}
    unused = next(str(a) for a in reversed(list(spec.network.net.hosts())) if str(a) not in taken)
    return {"admin_ip": spec.admin.ip, "unused_ip": unused, "internal": str(spec.network.net)}


def _none(_fam: Family) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class Drill:
    name: str
    symptom: str  # what a student notices — never what was broken
    what: str  # what it breaks (`drill --show`)
    steps: tuple[tuple[str, str], ...]  # (host token or name, shell command with $-placeholders)
    breaks: frozenset[tuple[str, str]]  # (requirement id, host token, name or "lab")
    undo: tuple[tuple[str, str], ...] = ()  # what re-provisioning does not restore (routes, running daemons)
    values: Callable[[Family], dict[str, str]] = _none  # its service's files and units ($chrony_conf, $named …)

    def expected(self, spec: LabSpec, resilience: bool = False) -> set[tuple[str, str]]:
        """(requirement, host) this drill makes fail: in the default run, or with `resilience` in the
        resilience run (`pytest -m resilience`)."""
        return {(req, h) for req, token in self.breaks for h in hosts(token, spec) if ("-RES-" in req) == resilience}

    def commands(self, spec: LabSpec, fam: Family = ROCKY,
                 steps: tuple[tuple[str, str], ...] | None = None) -> list[tuple[str, str]]:
        """(host, command) with the lab's names and addresses and the OS family's paths — derived, never
        hard-coded."""
        values = {**lab_values(spec), **self.values(fam)}
        return [(h, Template(cmd).safe_substitute(values))
                for token, cmd in (self.steps if steps is None else steps) for h in hosts(token, spec)]


def table(values: Callable[[Family], dict[str, str]]) -> Callable[..., Drill]:
    """A maker of one service's drills: `d(name, symptom, what, steps, breaks, undo=None)` with its values."""
    def d(name: str, symptom: str, what: str, steps: list[tuple[str, str]], breaks: list[tuple[str, str]],
          undo: list[tuple[str, str]] | None = None) -> Drill:
        return Drill(name, symptom, what, tuple(steps), frozenset(breaks), tuple(undo or ()), values)
    return d
