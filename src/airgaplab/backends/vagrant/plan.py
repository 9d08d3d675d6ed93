"""The plan the Vagrantfile reads (.lab/<name>/plan.json): everything derived here, nothing in Ruby."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

from airgaplab import render
from airgaplab.paths import provision_dir
from airgaplab.spec import Lab

FIREWALL_SERVICES = {"dns-server": "dns", "ntp-server": "ntp"}


def network_names(lab: Lab) -> dict[str, str]:
    """libvirt network names, lab-specific so two labs never share one."""
    return {
        "internal": f"agl-{lab.name}-internal",
        "nat": f"agl-{lab.name}-nat",
        "isolated": f"agl-{lab.name}-isolated",
    }


def hosts_block(lab: Lab) -> str:
    lines = ["# BEGIN airgaplab", *[f"{h.ip}\t{h.name}" for h in lab.hosts], "# END airgaplab"]
    return "\n".join(lines) + "\n"


def build(lab: Lab, state_dir: Path) -> dict[str, object]:
    """Render each host's files under state_dir/rendered/<host>/ and return the plan."""
    net = lab.network.net
    names = network_names(lab)
    rendered_root = state_dir / "rendered"
    machines = []
    for h in lab.hosts:
        files = render.files_for(lab, h)
        files["/etc/hosts.airgaplab"] = hosts_block(lab)
        host_dir = rendered_root / h.name
        for path, content in files.items():
            dest = host_dir / path.lstrip("/")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(content)
        mgmt = ("nat", lab.vm.management_nat) if h.internet else ("isolated", lab.vm.management_isolated)
        machines.append({
            "name": h.name,
            "hostname": h.name,
            "ip": h.ip,
            "roles": list(h.roles),
            "internet": h.internet,
            "cpus": h.cpus or lab.vm.cpus,
            "memory": h.memory or lab.vm.memory,
            "management_network": {
                "name": names[mgmt[0]],
                "mode": "nat" if h.internet else "none",
                "address": mgmt[1],
            },
            "rendered_dir": str(host_dir),
            "files": sorted(files),
            "steps": ["base", *render.steps_for(h)],
            "env": {
                "HARDENING": "1" if lab.vm.hardening else "0",
                "INTERNAL_NET": str(net),
                "SERVICES": " ".join(FIREWALL_SERVICES[r] for r in h.roles if r in FIREWALL_SERVICES),
            },
        })
    return {
        "lab": lab.name,
        "provider": "libvirt",
        "box": {
            "name": lab.vm.box,
            "url": lab.vm.box_url,
            "checksum": lab.vm.box_checksum,
            "checksum_type": lab.vm.box_checksum_type,
        },
        "machine_virtual_size": lab.vm.disk_gb,
        "hardening": lab.vm.hardening,
        "steps_dir": str(provision_dir() / "steps"),
        "networks": {
            "internal": {
                "name": names["internal"],
                "subnet": str(net),
                "netmask": str(net.netmask),
                # the host takes .1 on the isolated internal network (no forwarding, no DHCP)
                "host_ip": str(next(net.hosts())),
                "forward_mode": "none",
                "dhcp": False,
            },
            "nat": {"name": names["nat"], "subnet": lab.vm.management_nat, "mode": "nat"},
            "isolated": {"name": names["isolated"], "subnet": lab.vm.management_isolated, "mode": "none"},
        },
        "machines": machines,
    }


def write(lab: Lab, state_dir: Path) -> Path:
    state_dir.mkdir(parents=True, exist_ok=True)
    plan = build(lab, state_dir)
    path = state_dir / "plan.json"
    path.write_text(json.dumps(plan, indent=2) + "\n")
    return path


def subnets(lab: Lab) -> list[ipaddress.IPv4Network]:
    return [lab.network.net, ipaddress.IPv4Network(lab.vm.management_nat), ipaddress.IPv4Network(lab.vm.management_isolated)]
