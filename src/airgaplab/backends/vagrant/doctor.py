"""doctor's findings for the VM lab (vagrant, vagrant-libvirt, the hypervisor, the guests' CPU, subnets, the
box, memory), and whether a VM lab can come up here at all (`usable`, what `--backend auto` asks)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from airgaplab.backends.vagrant.libvirt.virt import INSTALL, SYSTEM_URI, Virt, binding_missing
from airgaplab.diagnosis import Diagnosis, mem_available_mib, run, subnet_collisions
from airgaplab.lab.family import family
from airgaplab.lab.spec import LabSpec, Vm

PRIVATE_HYPERVISOR_TOOLS = ("libvirtd", "qemu-system-x86_64", "dnsmasq", "iptables", "nft", "nsenter")


def private_hypervisor_missing() -> list[str]:
    """What a private hypervisor needs and this machine lacks (root and its tools)."""
    missing = [t for t in PRIVATE_HYPERVISOR_TOOLS if shutil.which(t) is None]
    return (["root"] if os.geteuid() != 0 else []) + missing


def usable(spec: LabSpec | None = None) -> tuple[bool, str]:
    """Can a VM lab really come up here: vagrant + vagrant-libvirt, a hypervisor, and the box at hand? Or why not."""
    if shutil.which("vagrant") is None:
        return False, "no vagrant"
    try:
        plugins = subprocess.run(["vagrant", "plugin", "list"], capture_output=True, text=True, timeout=60,
                                 cwd="/").stdout
    except (OSError, subprocess.TimeoutExpired):
        return False, "vagrant does not answer"
    if "vagrant-libvirt" not in plugins:
        return False, "no vagrant-libvirt plugin"
    if binding := binding_missing():
        return False, binding
    from airgaplab.backends.vagrant.libvirt import libvirtd

    vm = spec.vm if spec else Vm()
    choice = libvirtd.choose(vm.hypervisor, vm.os)
    if choice.blocker:
        return False, f"{choice.why}: {choice.blocker}"
    if choice.kind == "system":
        where = "the system libvirtd"
    elif tools := private_hypervisor_missing():
        return False, f"no reachable libvirtd, and a private one needs {', '.join(tools)}"
    else:
        where = "a private libvirtd"
    if spec is not None:
        from airgaplab.backends.vagrant.guests import box
        from airgaplab.backends.vagrant.guests.plan import box_name

        name = box_name(spec)
        if libvirtd.box_is_local(spec.vm.os) and box.box_file(box.recipe(spec.vm.os)).exists():
            return True, f"vagrant + {where}, {spec.vm.os} box cached"
        if name not in box.vagrant_boxes():
            how = f"`airgaplab box build {spec.vm.os}`" if libvirtd.box_is_local(spec.vm.os) else "`vagrant box add` it"
            return False, f"the {spec.vm.os} box {name} is not cached ({how})"
    return True, f"vagrant + {where}"


def vagrant_source(repos: Path = Path("/etc/yum.repos.d/hashicorp.repo"),
                   apt: Path = Path("/etc/apt/sources.list.d/hashicorp.list")) -> str:
    """Where this machine's Vagrant comes from, when it is not the distribution's: HashiCorp's repository (on
    EL 10, its RHEL 9 path: HashiCorp publishes none for 10)."""
    for source in (repos, apt):
        if source.exists():
            rhel9 = "/RHEL/9/" in source.read_text()
            return f", from HashiCorp's {'RHEL 9 ' if rhel9 else ''}repository ({source})"
    return ""


def findings(spec: LabSpec) -> list[Diagnosis]:
    from airgaplab.backends.vagrant.guests.plan import network_names, subnets

    f: list[Diagnosis] = []
    vagrant = shutil.which("vagrant")
    ver = run(["vagrant", "--version"]) if vagrant else None
    f.append(Diagnosis("vagrant", bool(ver and ver.returncode == 0),
                     f"{ver.stdout.strip()}{vagrant_source()}" if ver and ver.returncode == 0 else "vagrant not found",
                     "make deps-vm (Debian/Ubuntu and Fedora: their own package; Rocky/Alma/RHEL and Debian 13: "
                     "HashiCorp's repository — on EL 10 its RHEL 9 path)"))
    plugins = run(["vagrant", "plugin", "list"]) if vagrant else None
    has_plugin = bool(plugins and "vagrant-libvirt" in plugins.stdout)
    f.append(Diagnosis("vagrant-libvirt plugin", has_plugin,
                     next((line for line in (plugins.stdout if plugins else "").splitlines() if "libvirt" in line),
                          "not installed"),
                     "install it: apt-get install vagrant-libvirt (or: vagrant plugin install vagrant-libvirt)"))
    missing = binding_missing()
    f.append(Diagnosis("libvirt-python", not missing, "not installed" if missing else "libvirt's binding imports",
                       INSTALL))
    hv, private = _hypervisor_finding(spec)
    f.append(hv)
    f.append(_guest_cpu_finding(spec))
    f.append(_firewall_backend_finding())
    names = set(network_names(spec).values())
    collisions = subnet_collisions(subnets(spec), ignore_devices=tuple(_libvirt_bridges(names)))
    f.append(Diagnosis("lab subnets free on this host", not collisions,
                     "; ".join(collisions) or ", ".join(str(s) for s in subnets(spec)),
                     "change network.internal or vm.management_nat/vm.management_isolated in the lab spec"))
    built_here = family(spec.vm.os).box_built_here
    f.append(_box_finding(spec) if built_here else _published_box_finding(spec, private))
    if spec.vm.box_url and not built_here and not spec.vm.box_checksum:
        f.append(Diagnosis("box pinned by checksum", False, "vm.box_checksum is not set",
                         "set vm.box_checksum to the sha256 published next to the box (its CHECKSUM file)",
                         blocking=False))
    f.append(_memory_finding(spec, mem_available_mib()))
    return f


HOST_RESERVE_MIB = 1024  # this machine's own share beside the guests (qemu, libvirtd, vagrant, the suite)
MIN_GUEST_MIB = 1024  # below this EL10 boots, but dnf and named get tight


def memory_needed(spec: LabSpec) -> int:
    """What the plan's guests are given, plus this machine's own share (MiB)."""
    return sum(h.memory or spec.vm.memory for h in spec.hosts) + HOST_RESERVE_MIB


def fit_memory(spec: LabSpec, avail_mib: int) -> LabSpec | None:
    """The spec with every guest's memory scaled down (in 256 MiB steps, none below MIN_GUEST_MIB) to fit
    `avail_mib`; the spec itself when it fits; None when even the floor does not (a 2-vCPU runner has ~6.5 GiB)."""
    if memory_needed(spec) <= avail_mib:
        return spec
    room = avail_mib - HOST_RESERVE_MIB
    given = {h.name: h.memory or spec.vm.memory for h in spec.hosts}
    factor = room / sum(given.values())
    scaled = {n: max(MIN_GUEST_MIB, int(m * factor) // 256 * 256) for n, m in given.items()}
    if sum(scaled.values()) > room:
        return None
    hosts = [h.model_copy(update={"memory": scaled[h.name]}) for h in spec.hosts]
    return spec.model_copy(update={"hosts": hosts, "vm": spec.vm.model_copy(update={"memory": min(scaled.values())})})


def _memory_finding(spec: LabSpec, avail: int) -> Diagnosis:
    need = memory_needed(spec)
    fitted = fit_memory(spec, avail)
    fix = "free memory, or use fewer --nodes"
    if fitted is not None and fitted is not spec:
        fix = "lower the guests' memory to fit: " + ", ".join(f"{h.name} {h.memory} MiB" for h in fitted.hosts) + \
              " (hosts[].memory, vm.memory in the spec)"
    return Diagnosis("free memory", avail >= need, f"{avail} MiB available; the plan's {len(spec.hosts)} VMs and "
                     f"this machine's share need ~{need} MiB", fix)


def _hypervisor_finding(spec: LabSpec) -> tuple[Diagnosis, bool]:
    """The finding (the same decision `up` makes), and whether the lab would run on a private hypervisor."""
    from airgaplab.backends.vagrant.libvirt import libvirtd

    choice = libvirtd.choose(spec.vm.hypervisor, spec.vm.os)
    private = choice.kind == "private"
    if choice.blocker:
        return Diagnosis("hypervisor", False, f"{choice.kind}: {choice.why}", choice.blocker), private
    if not private:
        return Diagnosis("hypervisor", True, f"system: {choice.why}"), False
    missing = private_hypervisor_missing()
    return Diagnosis("hypervisor", not missing, f"private: {choice.why}" if not missing
                     else f"private, but it needs {', '.join(missing)} ({choice.why})",
                     "make deps-vm (libvirt-daemon-system, qemu-system-x86, dnsmasq-base, iptables), as root"), True


def _guest_cpu_finding(spec: LabSpec) -> Diagnosis:
    """The guests' accelerator and CPU as `up` will give them (the same probe): EL10 stops at boot below v3."""
    from airgaplab.backends.vagrant.libvirt import accel
    from airgaplab.lab.family import family

    cpu = accel.choose(spec.vm.accel)
    need = family(spec.vm.os).min_x86_64_level
    ok = cpu.level >= need
    lacks = f" (the guest CPU lacks {', '.join(cpu.missing)})" if cpu.missing and not ok else ""
    fix = (f"{family(spec.vm.os).pretty} needs x86-64-v{need}: on KVM a CPU that has it, under emulation "
           "QEMU ≥ 7.2 (its `max` CPU has AVX2) — or --os debian12")
    return Diagnosis("guest CPU", ok, cpu.line() + lacks, fix)


def _box_finding(spec: LabSpec) -> Diagnosis:
    from airgaplab.backends.vagrant.guests import box

    r = box.recipe(spec.vm.os)
    cached = box.box_file(r).exists()
    tools = [t for t in box.BUILD_TOOLS if shutil.which(t) is None]
    return Diagnosis("box", cached or not tools,
                   f"{r.box_name} cached" if cached else f"not built yet; `up` builds it (~3 min) from {r.mirror}",
                   f"make deps-box (missing {', '.join(tools)})")


def _published_box_finding(spec: LabSpec, private: bool) -> Diagnosis:
    boxes = run(["vagrant", "box", "list"]) if shutil.which("vagrant") else None
    cached = bool(boxes and re.search(rf"^{re.escape(spec.vm.box)}\s", boxes.stdout, re.M))
    if cached:
        return Diagnosis("box", True, f"{spec.vm.box} cached")
    if private:  # vagrant runs inside the private hypervisor's namespace: it sees only the simulated internet
        return Diagnosis("box", False, f"{spec.vm.box} not cached, and a private hypervisor cannot download it",
                       f"`vagrant box add {spec.vm.box} <the Rocky 10 libvirt box>` on this machine first, "
                       "or use --os debian12 (built here from Debian packages)")
    return Diagnosis("box", bool(spec.vm.box_url),
                   f"not cached; `vagrant up` downloads {spec.vm.box_url}" if spec.vm.box_url else "not cached, no box_url",
                   "set vm.box_url (and vm.box_checksum) in the lab spec, or `vagrant box add` the box")


def _libvirt_bridges(names: set[str]) -> list[str]:
    """Bridges of this lab's own libvirt networks (their routes are the lab's, not a collision)."""
    if not Virt.answers(SYSTEM_URI):
        return []
    with Virt.connect(SYSTEM_URI) as v:
        return [b for n in sorted(names) if (b := v.bridge(n))]


def _firewall_backend_finding() -> Diagnosis:
    """libvirt ≥ 10 may use nftables while Docker/iptables-legacy rules drop forwarded guest traffic."""
    conf = Path("/etc/libvirt/network.conf")
    backend = "iptables"
    if conf.exists():
        m = re.search(r'^\s*firewall_backend\s*=\s*"(\w+)"', conf.read_text(), re.M)
        backend = m.group(1) if m else "default"
    legacy = run(["iptables-legacy", "-S", "FORWARD"]) if shutil.which("iptables-legacy") else None
    drop = bool(legacy and legacy.returncode == 0 and "-P FORWARD DROP" in legacy.stdout)
    ok = not (drop and backend in ("nftables", "default"))
    detail = f"libvirt firewall backend: {backend}" + ("; iptables-legacy FORWARD policy DROP" if drop else "")
    return Diagnosis("libvirt firewall backend", ok, detail,
                   'set firewall_backend = "iptables" in /etc/libvirt/network.conf and restart libvirtd '
                   "(guest DHCP/DNS are dropped otherwise)", blocking=False)


