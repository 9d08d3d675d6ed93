"""The lab spec: one YAML file, validated by pydantic, the single source of truth."""

from __future__ import annotations

import ipaddress
from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from airgaplab.errors import UserError
from airgaplab.lab.family import FAMILIES

Role = Literal["ntp-server", "ntp-client", "dns-server", "dns-client"]
ROLES: tuple[str, ...] = ("ntp-server", "ntp-client", "dns-server", "dns-client")
OS_NAMES: tuple[str, ...] = tuple(FAMILIES)  # one table: airgaplab.family
NAME_PATTERN = r"^[a-z][a-z0-9-]{0,30}$"


class _Strict(BaseModel):
    # A typo in a key must fail loudly, not be ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _cidr(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=True))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a network in CIDR form (e.g. 192.168.10.0/24): {exc}") from None


def _addr_or_cidr(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return _cidr(value)


class Network(_Strict):
    internal: str = Field(description="the lab's internal network, e.g. 192.168.10.0/24")

    @field_validator("internal")
    @classmethod
    def _check(cls, v: str) -> str:
        return _cidr(v)

    @property
    def net(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.internal)


class Host(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    ip: str
    roles: list[Role] = []
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
        return self.has("ntp-server") or self.has("dns-server")


class Ntp(_Strict):
    upstream: list[str] = Field(min_length=1)
    allow: list[str] = []
    local_stratum: int | None = Field(default=10, ge=1, le=15)
    logdir: str = "/var/log/chrony"
    iburst: bool = True

    @field_validator("allow")
    @classmethod
    def _check_allow(cls, v: list[str]) -> list[str]:
        return [_cidr(x) for x in v]


class Dns(_Strict):
    listen_on: list[str] = ["any"]
    listen_on_v6: list[str] = ["::1"]
    allow_query: list[str] = ["localhost"]
    allow_recursion: list[str] = ["localhost"]
    forwarders: list[str] = []
    recursion: bool = True
    dnssec_validation: bool = True

    @field_validator("allow_query", "allow_recursion", "listen_on")
    @classmethod
    def _check_acl(cls, v: list[str]) -> list[str]:
        keywords = {"any", "none", "localhost", "localnets"}
        return [x if x in keywords else _addr_or_cidr(x) for x in v]

    @field_validator("forwarders")
    @classmethod
    def _check_forwarders(cls, v: list[str]) -> list[str]:
        out = []
        for x in v:
            try:
                out.append(str(ipaddress.ip_address(x)))
            except ValueError:
                raise ValueError(f"{x!r} is not an IP address (forwarders are addresses)") from None
        return out


class Vm(_Strict):
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
        return _cidr(v)

    @field_validator("os")
    @classmethod
    def _check_os(cls, v: str) -> str:
        if v not in FAMILIES:
            raise ValueError(f"{v!r} is not a guest OS airgaplab knows — use one of {', '.join(FAMILIES)}")
        return v


class LabSpec(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    network: Network
    hosts: list[Host] = Field(min_length=1)
    ntp: Ntp | None = None
    dns: Dns | None = None
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
        for kind in ("ntp", "dns"):
            clients = [h.name for h in self.hosts if h.has(f"{kind}-client")]
            servers = [h for h in self.hosts if h.has(f"{kind}-server")]
            if clients and not servers:
                raise ValueError(
                    f"hosts: {clients[0]} has role {kind}-client but no host has role {kind}-server — "
                    f"add {kind}-server to a host's roles"
                )
            if len(servers) > 1:
                raise ValueError(f"hosts: more than one {kind}-server ({', '.join(h.name for h in servers)}) — keep one")
            if servers and getattr(self, kind) is None:
                raise ValueError(f"{kind}: missing — a host has role {kind}-server, so the lab needs a '{kind}:' section")
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
        return next((h for h in self.hosts if h.has(f"{kind}-server")), None)

    @property
    def nodes_list(self) -> list[Host]:
        """Hosts that only consume services: the k8s nodes."""
        return [h for h in self.hosts if not h.is_server]
