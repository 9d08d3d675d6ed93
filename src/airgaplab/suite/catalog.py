"""The requirement catalog (catalog.yaml): ids, claims, sources in the reference, hints."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from airgaplab.lab.spec import LabSpec
from airgaplab.paths import PACKAGE_DIR
from airgaplab.services import registry


@dataclass(frozen=True)
class Requirement:
    id: str
    kind: str
    scope: str
    claim: str
    source: str
    hint: str
    vagrant: str = ""  # how the check differs on the Vagrant/libvirt lab, if it does
    step: int = 0  # the exercise step it grades (1 NTP server … 4 DNS clients; a catalog may name it: ntp-server)
    nudge: str = ""  # a hint for `airgaplab check --hint` that points the way without giving the answer
    title: str = ""  # the line `airgaplab check` shows: the claim in a few words
    runs: str = ""  # the daemon (chronyd, named) whose running state the claim judges
    silent: str = ""  # the daemon whose silence the claim expects: not checked while it does not run
    service: str = ""  # the service whose module holds it ("": the lab's own)
    when: str = ""  # judged only on a lab whose spec says so ("gateway.open", "!gateway.open"), or when asked for

    def holds_on(self, spec: LabSpec) -> bool:
        """Is the lab `spec` in the state this requirement judges (its service there, its `when` true)?"""
        if self.service and self.service not in spec.service_names:
            return False
        when = self.when or (CLOSED if self.kind == "isolation" else "")  # a node cut off: on a closed lab
        if not when:
            return True
        section, _, key = when.lstrip("!").partition(".")
        value = bool(getattr(spec.sections.get(section), key, False))
        return value != when.startswith("!")

    @property
    def group(self) -> str:
        """The requirement's group: NET, NTP-SRV, NTP-CLI, DNS-SRV, DNS-CLI, NTP-RES, DNS-RES ("family" is the OS's)."""
        return self.id.rsplit("-", 1)[0]


CLOSED = "!gateway.open"  # the lab's way out is shut (the gateway chapter's end, where the NTP/DNS chapter starts)
KINDS = ("not synchronized", "ACL", "forwarding", "DNSSEC", "isolation", "configuration", "resilience")


def files() -> list[Path]:
    """Where the requirements are written: the lab's own (suite/catalog.yaml), then each service's."""
    return [PACKAGE_DIR / "suite" / "catalog.yaml", *(s.catalog_file for s in registry.every())]


@cache
def catalog() -> dict[str, Requirement]:
    """Every requirement by id: the lab's and each service's, the resilience ones last (a run's order)."""
    numbers = {e.name: n for n, _, e in registry.exercise()}  # a service's catalog names its steps
    owner = {s.catalog_file: s.name for s in registry.every()}
    found = [Requirement(**{**r, "step": numbers.get(r.get("step"), r.get("step", 0)), "service": owner.get(f, "")})
             for f in files() for r in yaml.safe_load(f.read_text())]
    return {r.id: r for r in sorted(found, key=lambda r: "-RES-" in r.id)}


def requirement(rid: str) -> Requirement:
    try:
        return catalog()[rid]
    except KeyError:
        raise KeyError(f"{rid}: not in the requirement catalog (suite/catalog.yaml, services/*/catalog.yaml)") from None
