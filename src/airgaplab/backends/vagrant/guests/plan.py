"""The plan the Vagrantfile reads (.lab/<name>/plan.json): everything derived here, nothing in Ruby."""

from __future__ import annotations

import hashlib
import ipaddress
import json
from pathlib import Path

from airgaplab.backends.vagrant.guests import firstboot
from airgaplab.backends.vagrant.libvirt import accel as accel_mod
from airgaplab.lab import render
from airgaplab.lab.family import family
from airgaplab.lab.spec import Host, LabSpec
from airgaplab.lab.world import GRADER
from airgaplab.services import registry

PREFIX = "agl-{name}-"  # libvirt domain names: the prefix, then the host's name
# A private hypervisor's guests write their serial console here (inside its namespace: qemu runs as its root);
# a system libvirtd keeps the pty its guests always had (its qemu user and AppArmor/SELinux decide what it may write)
CONSOLE_LOG = "/var/log/libvirt/qemu/{domain}-console.log"


def console_log(spec: LabSpec, host: str) -> str | None:
    return CONSOLE_LOG.format(domain=PREFIX.format(name=spec.name) + host) if spec.vm.hypervisor == "private" else None


def network_names(spec: LabSpec) -> dict[str, str]:
    """libvirt network names, lab-specific so two labs never share one."""
    return {
        "internal": f"agl-{spec.name}-internal",
        "nat": f"agl-{spec.name}-nat",
        "isolated": f"agl-{spec.name}-isolated",
    }


def hosts_block(spec: LabSpec) -> str:
    lines = ["# BEGIN airgaplab", *[f"{h.ip}\t{h.name}" for h in spec.hosts], f"{spec.grader_ip}\t{GRADER}",
             "# END airgaplab"]
    return "\n".join(lines) + "\n"


def mac(spec: LabSpec, host: str, nic: str = "internal") -> str:
    """A NIC's MAC, fixed per lab, host and NIC: the base step finds the internal NIC by it on any OS, the
    first-boot profile the management NIC."""
    seed = f"{spec.name}/{host}" if nic == "internal" else f"{spec.name}/{host}/{nic}"
    h = hashlib.sha256(seed.encode()).digest()
    return "52:54:00:" + ":".join(f"{b:02x}" for b in h[:3])


def box_name(spec: LabSpec) -> str:
    """The box a lab boots: built here (airgaplab.box; debian12), or the published one the spec names (rocky10)."""
    if not family(spec.vm.os).box_built_here:
        return spec.vm.box
    from airgaplab.backends.vagrant.guests import box

    return box.recipe(spec.vm.os).box_name


def step_env(spec: LabSpec, host: Host) -> dict[str, str]:
    """The base step's environment on a VM (plus the family's names and paths)."""
    net = spec.network.net
    return {
        **render.step_env(spec, family(spec.vm.os)),
        "HARDENING": "1" if spec.vm.hardening else "0",
        "INTERNAL_NET": str(net),
        # the firewalld services its server roles open
        "SERVICES": " ".join(s.firewall for s in registry.of(spec) if s.firewall and host.has(s.server_role)),
        "HOST_NAME": host.name,
        "INTERNAL_IP": host.ip,
        "INTERNAL_PREFIX": str(net.prefixlen),
        "INTERNAL_MAC": mac(spec, host.name),
    }


def machine(spec: LabSpec, h: Host, names: dict[str, str], emulated: bool) -> dict[str, object]:
    """One VM of the plan: size, management network, the provisioning steps and their environment."""
    mgmt = ("nat", spec.vm.management_nat) if h.internet else ("isolated", spec.vm.management_isolated)
    return {
        "name": h.name,
        "ip": h.ip,
        "mac": mac(spec, h.name),
        "roles": list(h.roles),
        "internet": h.internet,
        # software emulation: one vCPU each, so three guests do not fight over two cores
        "cpus": 1 if emulated else (h.cpus or spec.vm.cpus),
        "memory": h.memory or spec.vm.memory,
        "management_network": {"name": names[mgmt[0]], "mode": "nat" if h.internet else "none", "address": mgmt[1],
                               "mac": mac(spec, h.name, "management")},
        # the management NIC's DHCP profile, before anything of ours runs (firstboot.py)
        "smbios_oem_strings": firstboot.smbios_strings(mac(spec, h.name, "management")),
        "console_log": console_log(spec, h.name),
        "steps": ["base", *render.steps_for(h)],
        "env": step_env(spec, h),
    }


def build(spec: LabSpec, *, accel: str = "kvm", proxy_command: str | None = None,
          keep_box_key: bool | None = None) -> dict[str, object]:
    """The plan: machines, networks, box, accelerator. Provisioning is airgaplab's (over ssh), not Vagrant's.
    A seat on a libvirt host over ssh: `proxy_command` reaches its VMs through the host (remote.py), and
    `keep_box_key` says whether Vagrant keeps the box's key (default: on a private hypervisor only)."""
    net = spec.network.net
    names = network_names(spec)
    emulated = accel == "qemu"
    machines = [machine(spec, h, names, emulated) for h in spec.hosts]
    box = {"name": box_name(spec), "url": None, "checksum": None, "checksum_type": None}
    if not family(spec.vm.os).box_built_here:
        box.update(url=spec.vm.box_url, checksum=spec.vm.box_checksum, checksum_type=spec.vm.box_checksum_type)
    return {
        "lab": spec.name,
        "os": spec.vm.os,
        "provider": "libvirt",
        "default_prefix": PREFIX.format(name=spec.name),
        "driver": accel,
        "uri": spec.vm.host,  # a seat's libvirt host; none: vagrant-libvirt's default (qemu:///system)
        # KVM: the host's CPU; emulation: QEMU's `max`, which has x86-64-v3 (EL10 stops at boot without it)
        "cpu_mode": accel_mod.MODES[accel],
        "boot_timeout": 900 if emulated else 300,
        # named, so Vagrant skips guest detection (dozens of ssh probes: half a minute under emulation)
        "guest": family(spec.vm.os).vagrant_guest,
        # Vagrant's key swap costs minutes of emulated ssh; on a private hypervisor the VMs are reachable
        # only from its own namespace, so the box's insecure key is kept there
        "insert_key": not keep_box_key if keep_box_key is not None else spec.vm.hypervisor != "private",
        "proxy_command": proxy_command,
        "box": box,
        "machine_virtual_size": spec.vm.disk_gb,
        "hardening": spec.vm.hardening,
        "networks": {
            "internal": {
                "name": names["internal"],
                "subnet": str(net),
                "netmask": str(net.netmask),
                # the host takes the grader's address (.1) on the isolated internal network (no forwarding, no
                # DHCP): the suite's probes of admin come from it. A class's seat on a libvirt host: no address
                # there, the grader is a namespace of the seat's own on the bridge (seatnet.py)
                "host_ip": None if spec.vm.host else spec.grader_ip,
                "forward_mode": "veryisolated" if spec.vm.host else "none",
                "dhcp": False,
            },
            "nat": {"name": names["nat"], "subnet": spec.vm.management_nat, "mode": "nat"},
            "isolated": {"name": names["isolated"], "subnet": spec.vm.management_isolated, "mode": "none"},
        },
        "machines": machines,
    }


def write(spec: LabSpec, state_dir: Path, *, accel: str = "kvm", proxy_command: str | None = None,
          keep_box_key: bool | None = None) -> Path:
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / "plan.json"
    plan = build(spec, accel=accel, proxy_command=proxy_command, keep_box_key=keep_box_key)
    path.write_text(json.dumps(plan, indent=2) + "\n")
    return path


def subnets(spec: LabSpec) -> list[ipaddress.IPv4Network]:
    vm = spec.vm
    return [spec.network.net, ipaddress.IPv4Network(vm.management_nat), ipaddress.IPv4Network(vm.management_isolated)]
