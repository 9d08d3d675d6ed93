"""Which host takes which seat. Each host says what it has (memory free now, CPUs); a seat needs its lab's
memory and virtual CPUs; seats are spread, each to the host with the most memory left, and a seat that fits
nowhere is one line saying what each host has left against what the seat needs.

    place(["seat-01", "seat-02"], [Capacity("qemu+ssh://a/system", 7000, 4), ...], Need(3072, 3))
    # {'seat-01': 'qemu+ssh://a/system', 'seat-02': ...}
"""

from __future__ import annotations

from airgaplab.backends.seating import Capacity, Need
from airgaplab.errors import UserError

__all__ = ["Capacity", "Need", "place"]

RESERVE_MIB = 1024  # what a host keeps for itself beyond its seats
VCPUS_PER_CPU = 4  # the guests idle (chronyd, named): overcommit, up to a point


def place(seats: list[str], hosts: list[Capacity], need: Need) -> dict[str, str]:
    """seat → host, or UserError (exit 2, nothing created) naming the first seat that fits nowhere."""
    if not hosts:
        raise UserError("no host to place seats on")
    mem = {h.host: h.free_mib - RESERVE_MIB for h in hosts}
    vcpus = {h.host: h.cpus * VCPUS_PER_CPU for h in hosts}
    room = {h.host: h.seats_max or len(seats) for h in hosts}
    placed: dict[str, str] = {}
    for seat in seats:
        fits = [h.host for h in hosts
                if mem[h.host] >= need.memory_mib and vcpus[h.host] >= need.vcpus and room[h.host] > 0]
        if not fits:
            left = "; ".join(f"{h.host}: {max(mem[h.host], 0)} MiB free beyond its reserve, "
                             f"{max(vcpus[h.host], 0)} vCPUs left"
                             + (f", {room[h.host]} of its {h.seats_max} seat(s) left" if h.seats_max else "")
                             for h in hosts)
            limits = "; ".join(sorted({f"at most {h.seats_max} seat(s) per host: {h.why_max}"
                                       for h in hosts if h.seats_max}))
            raise UserError(f"{seat} fits on no host (a seat needs {need.memory_mib} MiB"
                            f"{f' and {need.vcpus} vCPUs' if need.vcpus else ''}; {left}"
                            f"{f'; {limits}' if limits else ''}) — fewer seats, a smaller spec (--spec), "
                            "or one more --host")
        best = max(fits, key=lambda h: (mem[h], -list(mem).index(h)))
        placed[seat] = best
        mem[best] -= need.memory_mib
        vcpus[best] -= need.vcpus
        room[best] -= 1
    return placed
