"""The requirement catalog (catalog.yaml): ids, claims, sources in the reference, hints."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml

from airgaplab.paths import PACKAGE_DIR


@dataclass(frozen=True)
class Requirement:
    id: str
    kind: str
    scope: str
    claim: str
    source: str
    hint: str
    vagrant: str = ""  # how the check differs on the Vagrant/libvirt lab, if it does
    step: int = 0  # the exercise step of the notes it grades (1 NTP server … 4 DNS clients)
    nudge: str = ""  # a hint for `airgaplab check --hint` that points the way without giving the answer
    title: str = ""  # the line `airgaplab check` shows: the claim in a few words
    runs: str = ""  # the daemon (chronyd, named) whose running state the claim judges
    silent: str = ""  # the daemon whose silence the claim expects: not checked while it does not run

    @property
    def group(self) -> str:
        """The requirement's group: NET, NTP-SRV, NTP-CLI, DNS-SRV, DNS-CLI, NTP-RES, DNS-RES ("family" is the OS's)."""
        return self.id.rsplit("-", 1)[0]


KINDS = ("not synchronized", "ACL", "forwarding", "DNSSEC", "isolation", "configuration", "resilience")


@cache
def catalog() -> dict[str, Requirement]:
    data = yaml.safe_load((PACKAGE_DIR / "suite" / "catalog.yaml").read_text())
    return {r["id"]: Requirement(**r) for r in data}


def requirement(rid: str) -> Requirement:
    try:
        return catalog()[rid]
    except KeyError:
        raise KeyError(f"{rid}: not in the requirement catalog (src/airgaplab/suite/catalog.yaml)") from None
