"""VM seats: each on a libvirt host given by its URI — this machine's libvirtd (qemu:///system), another machine's
over ssh (remote.py) or a stand-in host (standin.py) — or, with none given, each seat on a hypervisor of its own
here (the spec's choice).

Seats on a libvirt host given by its URI share it, as many as its memory and CPUs take: each seat's networks and
grader are its own there, and nothing of a seat routes on the host (seatnet.py). With no host given, each seat
has a private hypervisor of its own here, or — on this machine's libvirtd — they share that one as on any host."""

from __future__ import annotations

import os
import re

from airgaplab.backends.seating import LOCAL, Capacity, Need
from airgaplab.backends.vagrant.guests import seatnet
from airgaplab.backends.vagrant.libvirt import libvirtd
from airgaplab.backends.vagrant.libvirt.seathost import seat_host
from airgaplab.backends.vagrant.libvirt.virt import SYSTEM_URI, Virt
from airgaplab.diagnosis import mem_available_mib
from airgaplab.errors import LabError, UserError
from airgaplab.lab.spec import LabSpec

QEMU_MIB = 256  # a guest's qemu beyond the guest's own memory (its code, device models, TCG's translation cache)
root_here = False  # a seat's shell is root in a VM


def hosts(uris: list[str], spec: LabSpec) -> list[Capacity]:
    caps = []
    for uri in uris or _this_machine(spec):
        seat_host(uri)  # one line for a URI no seat can run on, before anything exists
        try:
            with Virt.connect(uri) as v:
                r, taken = v.resources(), seatnet.clashes(v.subnets())
        except LabError as e:  # a --host that does not answer: the class's input, refused before anything exists
            raise UserError(f"--host {uri}: {e} — `virsh -c '{uri}' version` must answer") from None
        if taken:  # libvirt would refuse a seat's management network only once the seat is half up
            raise UserError(f"--host {uri}: its network(s) {', '.join(taken)} overlap {seatnet.MANAGEMENT}, the "
                            "range seats' management networks take there — a class still up (`airgaplab class "
                            "down`), or move that network")
        caps.append(Capacity(uri, r.free_mib, r.cpus))
    return caps or [Capacity(LOCAL, mem_available_mib() or 0, os.cpu_count() or 1)]


def _this_machine(spec: LabSpec) -> list[str]:
    """No --host: this machine's libvirtd, if the spec's hypervisor is that one; else none (each seat on a private
    hypervisor of its own)."""
    return [SYSTEM_URI] if libvirtd.choose(spec.vm.hypervisor, spec.vm.os).kind == "system" else []


def need(spec: LabSpec) -> Need:
    vm = spec.vm
    return Need(memory_mib=sum((h.memory or vm.memory) + QEMU_MIB for h in spec.hosts),
                vcpus=sum(h.cpus or vm.cpus for h in spec.hosts))


def placed(spec: LabSpec, host: str) -> LabSpec:
    """The seat's spec on its host: the host's URI, and management subnets of the seat's own there."""
    if host == LOCAL:
        return spec
    m = re.fullmatch(r"seat-(\d+)", spec.name)
    if not m:
        raise LabError(f"{spec.name}: not a seat's name (seat-NN)")
    nat, isolated = seatnet.subnets(int(m.group(1)))
    return spec.model_copy(update={"vm": spec.vm.model_copy(
        update={"host": host, "management_nat": nat, "management_isolated": isolated})})
