"""Seats sharing a libvirt host: each seat's networks, bridges, management subnets and grader are its own, and
its internal network has no address on the host (seatnet.py)."""

from __future__ import annotations

import ipaddress
import xml.etree.ElementTree as ET

from airgaplab.backends.vagrant import seating
from airgaplab.backends.vagrant.guests import plan as vplan
from airgaplab.backends.vagrant.guests import seatnet
from airgaplab.lab.spec import LabSpec
from airgaplab.lab.specfile import load_spec
from airgaplab.paths import default_lab_file

HOST = "qemu+ssh://root@kvm1/system"


def seat(n: int) -> LabSpec:
    spec = load_spec(default_lab_file()).model_copy(update={"name": f"seat-{n:02d}"})
    return seating.placed(spec, HOST)


def test_each_seat_has_management_subnets_of_its_own_for_every_seat_a_class_can_have() -> None:
    subnets = [ipaddress.IPv4Network(s) for n in range(1, 100) for s in seatnet.subnets(n)]
    assert len(set(subnets)) == len(subnets) and all(s.subnet_of(seatnet.MANAGEMENT) for s in subnets)
    one = seat(1)
    assert (one.vm.host, one.vm.management_nat, one.vm.management_isolated) == (HOST, "10.250.2.0/24", "10.250.3.0/24")
    assert not any(s.overlaps(one.network.net) for s in subnets)  # never the notes' internal network


def test_each_seats_bridges_are_its_own_and_fit_the_kernels_names() -> None:
    names = [b for n in range(1, 100) for b in seatnet.bridges(seat(n)).values()]
    assert len(set(names)) == len(names) and all(len(b) <= 15 for b in names)


def test_a_seats_internal_network_has_no_address_on_the_host_and_its_management_ones_hand_out_addresses() -> None:
    spec = seat(2)
    xml = {name: ET.fromstring(x) for name, x in seatnet.network_xml(spec).items()}
    internal, nat, isolated = (xml[n] for n in vplan.network_names(spec).values())
    assert internal.find("ip") is None and internal.find("forward") is None
    assert nat.find("forward").get("mode") == "nat" and isolated.find("forward") is None  # type: ignore[union-attr]
    for net, subnet in ((nat, spec.vm.management_nat), (isolated, spec.vm.management_isolated)):
        ip = net.find("ip")
        assert ip is not None and ip.find("dhcp/range") is not None
        assert ipaddress.IPv4Address(ip.get("address")) in ipaddress.IPv4Network(subnet)
    # vagrant-libvirt finds the internal network by name and gives it no address either
    internal_plan = vplan.build(spec)["networks"]["internal"]  # type: ignore[index]
    assert internal_plan["forward_mode"] == "veryisolated" and internal_plan["host_ip"] is None
    lab = load_spec(default_lab_file())  # a lab of its own keeps the grader's address on its hypervisor
    assert vplan.build(lab)["networks"]["internal"]["host_ip"] == lab.grader_ip  # type: ignore[index]


def test_a_hosts_network_in_the_seats_management_range_is_named_and_others_are_not() -> None:
    host = {"default": "192.168.122.1/255.255.255.0", "lab": "10.250.7.1/255.255.255.0", "wide": "10.0.0.1/8",
            "v6less": "172.16.0.1/16"}
    assert seatnet.clashes(host) == ["lab (10.250.7.0/24)", "wide (10.0.0.0/8)"]
    assert seatnet.clashes({}) == []
