"""`airgaplab doctor`: can this machine run the lab? Each finding says how to fix it."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from airgaplab.spec import Lab

TOOLS_NETNS = {
    "chronyd": "chrony", "chronyc": "chrony", "named": "bind9", "named-checkconf": "bind9-utils",
    "dnssec-signzone": "bind9-utils", "dig": "bind9-dnsutils", "ip": "iproute2", "nsenter": "util-linux",
    "unshare": "util-linux",
}


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str
    fix: str = ""
    blocking: bool = True  # a failed non-blocking finding is a warning


def _run(argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return None


def host_networks() -> list[tuple[str, ipaddress.IPv4Network]]:
    """(device, network) of every IPv4 route on this machine, the default route excepted."""
    proc = _run(["ip", "-4", "-j", "route", "show", "table", "all"])
    out = []
    for r in json.loads(proc.stdout or "[]") if proc else []:
        dst = r.get("dst", "")
        if dst in ("default", "") or r.get("type") in ("local", "broadcast"):
            continue
        try:
            out.append((r.get("dev", "?"), ipaddress.IPv4Network(dst if "/" in dst else f"{dst}/32", strict=False)))
        except ValueError:
            continue
    return out


def subnet_collisions(subnets: list[ipaddress.IPv4Network], ignore_devices: tuple[str, ...] = ()) -> list[str]:
    return [f"{net} overlaps {theirs} on {dev}" for net in subnets for dev, theirs in host_networks()
            if net.overlaps(theirs) and not dev.startswith(ignore_devices)]


def mem_available_mib() -> int:
    m = re.search(r"MemAvailable:\s+(\d+) kB", Path("/proc/meminfo").read_text())
    return int(m.group(1)) // 1024 if m else 0


def vagrant_findings(lab: Lab) -> list[Finding]:
    from airgaplab.backends.vagrant.plan import network_names, subnets

    f: list[Finding] = []
    vagrant = shutil.which("vagrant")
    ver = _run(["vagrant", "--version"]) if vagrant else None
    f.append(Finding("vagrant", bool(ver and ver.returncode == 0),
                     ver.stdout.strip() if ver and ver.returncode == 0 else "vagrant not found",
                     "install it: apt-get install vagrant (Debian/Ubuntu) or dnf install vagrant (Fedora)"))
    plugins = _run(["vagrant", "plugin", "list"]) if vagrant else None
    has_plugin = bool(plugins and "vagrant-libvirt" in plugins.stdout)
    f.append(Finding("vagrant-libvirt plugin", has_plugin,
                     next((line for line in (plugins.stdout if plugins else "").splitlines() if "libvirt" in line),
                          "not installed"),
                     "install it: apt-get install vagrant-libvirt (or: vagrant plugin install vagrant-libvirt)"))
    virsh = shutil.which("virsh")
    lv = _run(["virsh", "-c", "qemu:///system", "version"], timeout=20) if virsh else None
    lv_ok = bool(lv and lv.returncode == 0)
    detail = ("virsh not found" if not virsh else
              (lv.stdout.strip().splitlines()[-1] if lv_ok and lv and lv.stdout.strip() else
               (lv.stderr.strip().splitlines()[0] if lv and lv.stderr.strip() else "no answer")))
    f.append(Finding("libvirtd at qemu:///system", lv_ok, detail,
                     "install and start it: apt-get install libvirt-daemon-system libvirt-clients && "
                     "systemctl enable --now libvirtd (and add your user to group libvirt)"))
    kvm = os.path.exists("/dev/kvm") and os.access("/dev/kvm", os.R_OK | os.W_OK)
    f.append(Finding("/dev/kvm usable", kvm, "present and writable" if kvm else
                     ("present but not writable" if os.path.exists("/dev/kvm") else "missing"),
                     "enable virtualization (VT-x/AMD-V, nested virtualization in a VM) and add your user to group kvm"))
    f.append(_firewall_backend_finding())
    names = set(network_names(lab).values())
    collisions = subnet_collisions(subnets(lab), ignore_devices=tuple(_libvirt_bridges(names)))
    f.append(Finding("lab subnets free on this host", not collisions,
                     "; ".join(collisions) or ", ".join(str(s) for s in subnets(lab)),
                     "change network.internal or vm.management_nat/vm.management_isolated in the lab spec"))
    boxes = _run(["vagrant", "box", "list"]) if vagrant else None
    cached = bool(boxes and re.search(rf"^{re.escape(lab.vm.box)}\s", boxes.stdout, re.M))
    f.append(Finding("box", cached or bool(lab.vm.box_url),
                     f"{lab.vm.box} cached" if cached else
                     (f"not cached; `vagrant up` downloads {lab.vm.box_url}" if lab.vm.box_url
                      else "not cached, no box_url"),
                     "set vm.box_url (and vm.box_checksum) in the lab spec, or `vagrant box add` the box"))
    if lab.vm.box_url and not lab.vm.box_checksum:
        f.append(Finding("box pinned by checksum", False, "vm.box_checksum is not set",
                         "set vm.box_checksum to the sha256 published next to the box (its CHECKSUM file)",
                         blocking=False))
    need = sum(h.memory or lab.vm.memory for h in lab.hosts) + 1024
    avail = mem_available_mib()
    f.append(Finding("free memory", avail >= need, f"{avail} MiB available, the VMs need ~{need} MiB",
                     "free memory, or lower vm.memory / use fewer --nodes"))
    return f


def _libvirt_bridges(names: set[str]) -> list[str]:
    """Bridges of this lab's own libvirt networks (their routes are the lab's, not a collision)."""
    out = []
    for n in names:
        p = _run(["virsh", "-c", "qemu:///system", "net-info", n], timeout=10) if shutil.which("virsh") else None
        m = re.search(r"Bridge:\s+(\S+)", p.stdout) if p and p.returncode == 0 else None
        if m:
            out.append(m.group(1))
    return out


def _firewall_backend_finding() -> Finding:
    """libvirt ≥ 10 may use nftables while Docker/iptables-legacy rules drop forwarded guest traffic."""
    conf = Path("/etc/libvirt/network.conf")
    backend = "iptables"
    if conf.exists():
        m = re.search(r'^\s*firewall_backend\s*=\s*"(\w+)"', conf.read_text(), re.M)
        backend = m.group(1) if m else "default"
    legacy = _run(["iptables-legacy", "-S", "FORWARD"]) if shutil.which("iptables-legacy") else None
    drop = bool(legacy and legacy.returncode == 0 and "-P FORWARD DROP" in legacy.stdout)
    ok = not (drop and backend in ("nftables", "default"))
    detail = f"libvirt firewall backend: {backend}" + ("; iptables-legacy FORWARD policy DROP" if drop else "")
    return Finding("libvirt firewall backend", ok, detail,
                   'set firewall_backend = "iptables" in /etc/libvirt/network.conf and restart libvirtd '
                   "(guest DHCP/DNS are dropped otherwise)", blocking=False)


def netns_findings(lab: Lab) -> list[Finding]:
    from airgaplab.backends.netns.addressing import SIM_RANGES, machine_networks

    f = [Finding("root", os.geteuid() == 0, "running as root" if os.geteuid() == 0 else f"uid {os.geteuid()}",
                 "run as root (sudo): namespaces and mounts need it")]
    missing = {pkg for tool, pkg in TOOLS_NETNS.items() if shutil.which(tool) is None}
    f.append(Finding("chronyd, named, dig, iproute2", not missing,
                     "all present" if not missing else f"missing packages: {', '.join(sorted(missing))}",
                     f"make deps (apt-get install {' '.join(sorted(missing))})"))
    has_overlay = "overlay" in Path("/proc/filesystems").read_text() or _modprobe_overlay()
    f.append(Finding("overlayfs", has_overlay, "available" if has_overlay else "not in /proc/filesystems",
                     "modprobe overlay (hosts' /etc and /var are overlays)"))
    clash = [f"{own} overlaps {r}" for own in machine_networks() for r in SIM_RANGES if own.overlaps(r)]
    f.append(Finding("simulated internet ranges free", not clash, "; ".join(clash) or
                     ", ".join(str(r) for r in SIM_RANGES), "run the lab on a machine that is not itself on these ranges"))
    return f


def _modprobe_overlay() -> bool:
    p = _run(["modprobe", "overlay"])
    return bool(p and p.returncode == 0) and "overlay" in Path("/proc/filesystems").read_text()


def findings(backend: str, lab: Lab) -> list[Finding]:
    return vagrant_findings(lab) if backend == "vagrant" else netns_findings(lab)


def blocking_failures(found: list[Finding]) -> list[Finding]:
    return [x for x in found if not x.ok and x.blocking]
