"""netns seats: every seat a lab on this machine; what one needs is what `make bench` measured."""

from __future__ import annotations

import os

from airgaplab.backends.seating import LOCAL, Capacity, Need
from airgaplab.diagnosis import mem_available_mib
from airgaplab.errors import UserError
from airgaplab.lab.spec import LabSpec

# a netns seat's daemons (chronyd and named on its hosts and on the simulated internet) and its host views,
# measured with `make bench` (scripts/bench_class.py): about 60 MiB for three hosts; the figure leaves room
SEAT_MIB_PER_3_HOSTS = 120
root_here = True  # a netns host is a view of this machine, root in it


def hosts(uris: list[str], spec: LabSpec) -> list[Capacity]:
    if uris:
        raise UserError("--host places VM seats on libvirt hosts; netns seats run on this machine (drop --host)")
    return [Capacity(LOCAL, mem_available_mib() or 0, os.cpu_count() or 1)]


def need(spec: LabSpec) -> Need:
    return Need(SEAT_MIB_PER_3_HOSTS * len(spec.hosts) // 3)


def placed(spec: LabSpec, host: str) -> LabSpec:
    return spec
