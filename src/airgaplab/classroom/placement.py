"""Which host takes which seat. Each host says what it has (memory free now, CPUs); a seat needs its lab's
memory and virtual CPUs; seats are spread, each to the host with the most memory left, and a seat that fits
nowhere is one line saying what each host has left against what the seat needs.

    place(["seat-01", "seat-02"], [Capacity("qemu+ssh://a/system", 7000, 4), ...], Need(3072, 3))
    # {'seat-01': 'qemu+ssh://a/system', 'seat-02': ...}
"""

from __future__ import annotations

from dataclasses import dataclass

from airgaplab.errors import UserError

RESERVE_MIB = 1024  # what a host keeps for itself beyond its seats
VCPUS_PER_CPU = 4  # the guests idle (chronyd, named): overcommit, up to a point


@dataclass(frozen=True)
class Capacity:
    host: str
    free_mib: int
    cpus: int


@dataclass(frozen=True)
class Need:
    memory_mib: int
    vcpus: int = 0  # 0: processes on the host itself (netns), no virtual CPUs


def place(seats: list[str], hosts: list[Capacity], need: Need) -> dict[str, str]:
    """seat → host, or UserError (exit 2, nothing created) naming the first seat that fits nowhere."""
    if not hosts:
        raise UserError("no host to place seats on")
    mem = {h.host: h.free_mib - RESERVE_MIB for h in hosts}
    vcpus = {h.host: h.cpus * VCPUS_PER_CPU for h in hosts}
    placed: dict[str, str] = {}
    for seat in seats:
        fits = [h.host for h in hosts if mem[h.host] >= need.memory_mib and vcpus[h.host] >= need.vcpus]
        if not fits:
            left = "; ".join(f"{h.host}: {max(mem[h.host], 0)} MiB free beyond its reserve, "
                             f"{max(vcpus[h.host], 0)} vCPUs left" for h in hosts)
            raise UserError(f"{seat} fits on no host (a seat needs {need.memory_mib} MiB"
                            f"{f' and {need.vcpus} vCPUs' if need.vcpus else ''}; {left}) — fewer seats, "
                            "a smaller spec (--spec), or one more --host")
        best = max(fits, key=lambda h: (mem[h], -list(mem).index(h)))
        placed[seat] = best
        mem[best] -= need.memory_mib
        vcpus[best] -= need.vcpus
    return placed
