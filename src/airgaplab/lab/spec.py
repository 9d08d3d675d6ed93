"""The lab spec: one YAML file, validated by pydantic, the single source of truth."""

from __future__ import annotations

import ipaddress
from collections import Counter
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, Field, field_validator, model_validator

from airgaplab.errors import UserError
from airgaplab.lab.family import FAMILIES
from airgaplab.lab.fields import Section, Strict, cidr
from airgaplab.services import names
from airgaplab.services.dns.section import Dns
from airgaplab.services.gateway.section import Gateway
from airgaplab.services.ntp.section import Ntp

OS_NAMES: tuple[str, ...] = tuple(FAMILIES)  # one table: airgaplab.family
NAME_PATTERN = r"^[a-z][a-z0-9-]{0,30}$"


def _known_role(role: str) -> str:
    if role not in names.roles():
        raise ValueError(f"unknown role {role!r} — roles are {', '.join(names.roles())}")
    return role


Role = Annotated[str, AfterValidator(_known_role)]  # a service's server or client role (services.names)


class Network(Strict):
    internal: str = Field(description="the lab's internal network, e.g. 192.168.10.0/24")

    @field_validator("internal")
    @classmethod
    def _check(cls, v: str) -> str:
        return cidr(v)

    @property
    def net(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.internal)


class Host(Strict):
    name: str = Field(pattern=NAME_PATTERN)
    ip: str
    roles: list[Role] = Field(default=[], description="each a service's server or client role: ntp-server, "
                             "ntp-client, dns-server, dns-client")
    internet: bool = False
    cpus: int | None = Field(default=None, ge=1, le=64)
    memory: int | None = Field(default=None, ge=512, description="MiB")

    @field_validator("ip")
    @classmethod
    def _check_ip(cls, v: str) -> str:
        try:
            return str(ipaddress.IPv4Address(v))
        except ValueError:
            raise ValueError(f"{v!r} is not an IPv4 address") from None

    def has(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_server(self) -> bool:
        return any(names.is_server(r) for r in self.roles)


class Vm(Strict):
    """The Vagrant/libvirt lab: guest OS, hypervisor, box, resources, libvirt networks, hardening."""

    os: str = Field(default="rocky10", description="the guest OS: a family of airgaplab.family (rocky10, debian12)")
    # system: the machine's libvirtd; private: one airgaplab starts in a namespace of the lab's (leading into
    # the simulated internet); auto: system where it is reachable, else private
    hypervisor: Literal["system", "private", "auto"] = "auto"
    # kvm | qemu (software emulation); auto: kvm only where it really starts a guest
    accel: Literal["kvm", "qemu", "auto"] = "auto"
    box: str = "rockylinux-10-libvirt"
    box_url: str | None = None
    box_checksum: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}([0-9a-f]{64})?$")
    box_checksum_type: Literal["sha256", "sha512"] = "sha256"
    cpus: int = Field(default=2, ge=1, le=64)
    memory: int = Field(default=2048, ge=512, description="MiB")
    disk_gb: int = Field(default=20, ge=10, le=500, description="machine_virtual_size (the box under-states its disk)")
    hardening: bool = True
    # a class's seat: the libvirt host (its URI) the seat was placed on; none: `hypervisor` decides
    host: str | None = None
    # libvirt management networks: admin's reaches the internet (NAT), the nodes' is isolated (mode none)
    management_nat: str = "192.168.125.0/24"
    management_isolated: str = "192.168.126.0/24"

    @field_validator("management_nat", "management_isolated")
    @classmethod
    def _check_mgmt(cls, v: str) -> str:
        return cidr(v)

    @field_validator("os")
    @classmethod
    def _check_os(cls, v: str) -> str:
        if v not in FAMILIES:
            raise ValueError(f"{v!r} is not a guest OS airgaplab knows — use one of {', '.join(FAMILIES)}")
        return v


class LabSpec(Strict):
    name: str = Field(pattern=NAME_PATTERN)
    network: Network
    hosts: list[Host] = Field(min_length=1)
    # the services the lab has (names.NAMES), in any order; none named: those its hosts' roles belong to
    services: list[str] | None = Field(default=None, description="the services the lab has (ntp, dns); "
                                       "default: those its hosts' roles belong to")
    # each service's own section (airgaplab.services.<name>.section), named as the service
    ntp: Ntp | None = None
    dns: Dns | None = None
    gateway: Gateway | None = None
    vm: Vm = Vm()
    nodes: int | None = Field(default=None, ge=1, le=250, description="scale the nodes to k8s-node1..N")

    @model_validator(mode="after")
    def _check_lab(self) -> LabSpec:
        net = self.network.net
        for i, h in enumerate(self.hosts):
            if ipaddress.IPv4Address(h.ip) not in net or h.ip in (str(net.network_address), str(net.broadcast_address)):
                raise ValueError(
                    f"hosts[{i}].ip: {h.ip} is outside the internal network {net} — "
                    f"give {h.name} a host address in {net}"
                )
        for what, values in (("name", [h.name for h in self.hosts]), ("ip", [h.ip for h in self.hosts])):
            dup = [v for v, n in Counter(values).items() if n > 1]
            if dup:
                raise ValueError(f"hosts: duplicate host {what} {dup[0]!r} — each host needs its own {what}")
        if len({h.ip for h in self.hosts}) >= net.num_addresses - 2:
            raise ValueError(f"network.internal: {net} has no address left for the grader (the suite's own vantage "
                             "on the internal network) — use a larger network or fewer hosts")
        if self.services is not None:
            for name in self.services:
                if name not in names.NAMES:
                    raise ValueError(f"services: no service {name!r} — airgaplab knows {', '.join(names.NAMES)}")
            stray = [(h.name, r) for h in self.hosts for r in h.roles if names.service_of(r) not in self.services]
            if stray:
                raise ValueError(f"hosts: {stray[0][0]} has role {stray[0][1]} but services leaves "
                                 f"{names.service_of(stray[0][1])} out — add it to services, or drop the role")
        for kind in self.service_names:
            server_role, client_role = names.roles_of(kind)
            clients = [h.name for h in self.hosts if h.has(client_role)]
            servers = [h for h in self.hosts if h.has(server_role)]
            if clients and not servers:
                raise ValueError(
                    f"hosts: {clients[0]} has role {client_role} but no host has role {server_role} — "
                    f"add {server_role} to a host's roles"
                )
            if len(servers) > 1:
                raise ValueError(f"hosts: more than one {server_role} ({', '.join(h.name for h in servers)}) — keep one")
            if servers and kind in self.sections and self.sections[kind] is None and _needs_values(kind):
                raise ValueError(f"{kind}: missing — a host has role {server_role}, so the lab needs a '{kind}:' section")
        if not any(h.internet for h in self.hosts):
            raise ValueError("hosts: no host has 'internet: true' — the NTP/DNS server needs a way out")
        return self

    # --- derived views -------------------------------------------------
    def host(self, name: str) -> Host:
        for h in self.hosts:
            if h.name == name:
                return h
        raise UserError(f"no host {name!r} in lab {self.name!r} — hosts are: {', '.join(self.host_names)}")

    @property
    def host_names(self) -> list[str]:
        return [h.name for h in self.hosts]

    @property
    def grader_ip(self) -> str:
        """The grader's own address on the internal network (the first no host takes: .1 in the notes' lab): the
        suite's probes that a daemon records (`chronyc clients`) come from it, never from a host the student
        configures. On VMs the hypervisor holds it on the internal network; on netns, the LAN's bridge."""
        taken = {h.ip for h in self.hosts}
        return next(str(a) for a in self.network.net.hosts() if str(a) not in taken)  # one is free: _check_lab

    def server_for(self, kind: str) -> Host | None:
        """The host serving service `kind` (ntp, dns …)."""
        return next((h for h in self.hosts if h.has(names.roles_of(kind)[0])), None)

    @property
    def admin(self) -> Host:
        """The host that serves the others (the notes' admin): the first with a server role, else the first."""
        return next((h for h in self.hosts if h.is_server), self.hosts[0])

    @property
    def service_names(self) -> list[str]:
        """The lab's services (names.NAMES), in the study's order: those `services` names, else those its
        hosts' roles belong to."""
        chosen = set(self.services) if self.services is not None else \
            {names.service_of(r) for h in self.hosts for r in h.roles}
        return [n for n in names.NAMES if n in chosen]

    @property
    def sections(self) -> dict[str, Any]:
        """Each service's own section of the spec, by service name (None where the spec has none)."""
        return {n: getattr(self, n) for n, f in type(self).model_fields.items() if _is_section(f.annotation)}

    @property
    def nodes_list(self) -> list[Host]:
        """Hosts that only consume services: the k8s nodes."""
        return [h for h in self.hosts if not h.is_server]


def _needs_values(name: str) -> bool:
    """Must a lab with service `name` have its section (ntp's, dns's: the notes' values), or may it leave it out
    (the gateway's: closed)?"""
    annotation = LabSpec.model_fields[name].annotation
    model = next(a for a in (annotation, *get_args(annotation)) if isinstance(a, type) and issubclass(a, Section))
    return not model.optional


def _is_section(annotation: object) -> bool:
    return any(isinstance(a, type) and issubclass(a, Section) for a in (annotation, *get_args(annotation)))
