"""What a backend tells a class about its seats (airgaplab.classroom places them): the hosts that can take them
and what each has, what one seat needs, and a seat's spec once placed. A backend whose labs can be seats has a
module `seating` with `hosts`, `need` and `placed` (backends.Registered.seating).

    caps = seating.hosts(["qemu:///system"], spec)     # [Capacity('qemu:///system', 20480, 8, seats_max=1, …)]
    seating.need(spec)                           # Need(memory_mib=3072, vcpus=4)
    seating.placed(spec, caps[0].host)           # the seat's spec, on that host
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from airgaplab.lab.spec import LabSpec

LOCAL = "local"  # the leading machine itself (netns seats, and VM seats each on a hypervisor of its own)


@dataclass(frozen=True)
class Capacity:
    """A host as it reports itself: memory free now, CPUs; at most `seats_max` seats (0: no such limit), and why."""

    host: str
    free_mib: int
    cpus: int
    seats_max: int = 0
    why_max: str = ""


@dataclass(frozen=True)
class Need:
    memory_mib: int
    vcpus: int = 0  # 0: processes on the host itself (netns), no virtual CPUs


class Seating(Protocol):
    root_here: bool  # a seat's shell is root on the leading machine (its ssh gateway then serves loopback only)

    def hosts(self, uris: list[str], spec: LabSpec) -> list[Capacity]: ...
    def need(self, spec: LabSpec) -> Need: ...
    def placed(self, spec: LabSpec, host: str) -> LabSpec: ...
