"""The services airgaplab knows, by name, in the study's order: each is loaded from its module when first asked.

    registry.named("ntp").daemon          # 'chronyd'
    [s.name for s in registry.of(spec)]   # the lab's services: ['ntp', 'dns']
    registry.roles()                      # every role a host may have
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

from airgaplab.errors import UserError
from airgaplab.services.names import DEFAULT, NAMES, roles, service_of

if TYPE_CHECKING:
    from airgaplab.lab.family import Family
    from airgaplab.lab.spec import LabSpec
    from airgaplab.services.base import ExerciseStep, Service

__all__ = ["DEFAULT", "NAMES", "daemons", "every", "named", "of", "of_daemon", "of_role", "roles"]


@cache
def named(name: str) -> Service:
    """The service called `name` (a one-line error naming the known ones, else)."""
    if name not in NAMES:
        raise UserError(f"no service {name!r} — airgaplab knows {', '.join(NAMES)}")
    service: Service = importlib.import_module(f"airgaplab.services.{name}.service").SERVICE
    return service


def every() -> list[Service]:
    """Every service airgaplab knows, in the study's order."""
    return [named(n) for n in NAMES]


def of(spec: LabSpec) -> list[Service]:
    """The services lab `spec` has, in the study's order."""
    return [named(n) for n in spec.service_names]


def exercise() -> list[tuple[int, Service, ExerciseStep]]:
    """Every service's exercise steps, numbered from 1 across the services in the study's order: a step keeps its
    number in every lab (a lab without a service skips its numbers)."""
    steps = [(s, e) for s in every() for e in s.exercise]
    return [(n, s, e) for n, (s, e) in enumerate(steps, 1)]


def of_role(role: str) -> Service:
    """The service a role belongs to."""
    return named(service_of(role))


def of_daemon(daemon: str) -> Service | None:
    """The service whose server runs `daemon` (chronyd, named), or None."""
    return next((s for s in every() if s.daemon == daemon), None)


def daemons(spec: LabSpec | None = None) -> tuple[str, ...]:
    """The services' daemons (of lab `spec`, or of all), in the order they start: a service a daemon resolves or
    asks through comes first (admin's chronyd resolves its upstreams through admin's named)."""
    chosen = every() if spec is None else of(spec)
    return tuple(s.daemon for s in sorted(chosen, key=lambda s: s.rank) if s.daemon)


def _of_daemon(daemon: str) -> Service:
    found = of_daemon(daemon)
    if found is None:
        raise KeyError(f"{daemon}: no service runs it — the services' daemons are {', '.join(daemons())}")
    return found


def unit_of(daemon: str, fam: Family) -> str:
    """The systemd unit of `daemon` (chronyd, named) on `fam`: `chrony` on Debian."""
    return str(_of_daemon(daemon).unit(fam))


def config_of(daemon: str, fam: Family) -> str:
    """The main config file of `daemon` on `fam`."""
    return str(_of_daemon(daemon).config(fam))


def pidfiles() -> dict[str, str]:
    """Each service's daemon → its PID file on every family (its module's netns/<unit>.unit says it: the one table
    the netns hosts' shims read too)."""
    out = {}
    for s in every():
        for unit in sorted((s.home / "netns").glob("*.unit")):
            fields = dict(line.split(None, 1) for line in unit.read_text().splitlines() if line.strip()
                          and not line.startswith("#"))
            out[unit.stem] = fields["pidfile"]
    return out
