"""VM seats: each on a libvirt host given by its URI — this machine's libvirtd (qemu:///system), another machine's
over ssh (remote.py) or a stand-in host (standin.py) — or, with none given, each seat on a hypervisor of its own
here (the spec's choice).

One seat per libvirt host: a seat's internal network is the notes' 192.168.10.0/24 with the grader's address
(.1) on the host, where the suite's probes come from; a second seat's would be the same network on the same
host, and libvirt refuses it (as it should: the host could not tell the two apart)."""

from __future__ import annotations

import os

from airgaplab.backends.seating import LOCAL, Capacity, Need
from airgaplab.backends.vagrant import libvirtd
from airgaplab.backends.vagrant.seathost import seat_host
from airgaplab.backends.vagrant.virt import Virt
from airgaplab.diagnosis import mem_available_mib
from airgaplab.errors import LabError, UserError
from airgaplab.lab.spec import LabSpec

QEMU_MIB = 256  # a guest's qemu beyond the guest's own memory (its code, device models, TCG's translation cache)
root_here = False  # a seat's shell is root in a VM
ONE_PER_HOST = "a seat's internal network (192.168.10.0/24) has the grader's address on its libvirt host"


def hosts(uris: list[str], spec: LabSpec) -> list[Capacity]:
    caps = []
    for uri in uris:
        seat_host(uri)  # one line for a URI no seat can run on, before anything exists
        try:
            with Virt.connect(uri) as v:
                r = v.resources()
        except LabError as e:  # a --host that does not answer: the class's input, refused before anything exists
            raise UserError(f"--host {uri}: {e} — `virsh -c '{uri}' version` must answer") from None
        caps.append(Capacity(uri, r.free_mib, r.cpus, seats_max=1, why_max=ONE_PER_HOST))
    return caps or [_this_machine(spec)]


def _this_machine(spec: LabSpec) -> Capacity:
    """No --host: each seat on a private hypervisor of its own (no limit), or all on the system libvirtd (one)."""
    system = libvirtd.choose(spec.vm.hypervisor, spec.vm.os).kind == "system"
    return Capacity(LOCAL, mem_available_mib() or 0, os.cpu_count() or 1, seats_max=1 if system else 0,
                    why_max=ONE_PER_HOST if system else "")


def need(spec: LabSpec) -> Need:
    vm = spec.vm
    return Need(memory_mib=sum((h.memory or vm.memory) + QEMU_MIB for h in spec.hosts),
                vcpus=sum(h.cpus or vm.cpus for h in spec.hosts))


def placed(spec: LabSpec, host: str) -> LabSpec:
    if host == LOCAL:
        return spec
    return spec.model_copy(update={"vm": spec.vm.model_copy(update={"host": host})})
