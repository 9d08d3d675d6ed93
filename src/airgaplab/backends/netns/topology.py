"""The netns lab's wiring: namespaces, veths, bridges and addresses; and each host's private view.

Every veth is created directly inside its two namespaces, so none exists in the root namespace.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from airgaplab.backends.journal import Journal
from airgaplab.backends.netns import addressing as A
from airgaplab.backends.netns import internet as I
from airgaplab.backends.netns import nm
from airgaplab.backends.netns.hostview import HostView
from airgaplab.backends.netns.procs import run
from airgaplab.backends.netns.seeding import seed_image
from airgaplab.backends.netns.syscalls import MS_BIND, MS_PRIVATE, mount
from airgaplab.backends.netns.viewmount import make_views
from airgaplab.lab.provisioner import parallel
from airgaplab.lab.spec import LabSpec

INTERNET = "internet"
OUTSIDER = "outsider"
LAN = "lan"


def create_network(spec: LabSpec, internet: A.Internet, netns: Callable[[str], str], hosts: list[str],
                   journal: Journal) -> None:
    """Namespaces for `hosts` and the LAN bridge, the links between them, addresses and routes."""
    names = [netns(h) for h in hosts] + [netns(LAN)]
    journal.will_create_netns(names)
    lan, inet = netns(LAN), netns(INTERNET)
    lines = [f"netns add {n}" for n in names]
    # Each veth is created directly inside its two namespaces: it never exists in the root namespace.
    for i, h in enumerate(spec.hosts):
        lines.append(f"link add eth0 netns {netns(h.name)} type veth peer name p{i} netns {lan}")
        if h.internet:
            lines.append(f"link add eth1 netns {netns(h.name)} type veth peer name w{i} netns {inet}")
    lines.append(f"link add eth0 netns {netns(OUTSIDER)} type veth peer name wout netns {inet}")
    run(["ip", "-b", "-"], input="\n".join(lines).encode())

    batches: dict[str, list[str]] = {n: ["link set lo up"] for n in names}
    # the grader's own address on the LAN (the bridge's, as a VM host's on its internal network)
    batches[lan] += ["link add br0 type bridge", f"addr add {spec.grader_ip}/{spec.network.net.prefixlen} dev br0",
                     "link set br0 up"]
    batches[inet] += ["link add br0 type bridge", f"addr add {A.GATEWAY}/24 dev br0", "link set br0 up"]
    batches[inet] += [f"addr add {a}/32 dev lo" for a in internet.service_addresses]
    prefix = spec.network.net.prefixlen
    for i, h in enumerate(spec.hosts):
        ns = netns(h.name)
        batches[lan] += [f"link set p{i} master br0", f"link set p{i} up"]
        batches[ns] += [f"addr add {h.ip}/{prefix} dev eth0", "link set eth0 up"]
        if h.internet:
            batches[inet] += [f"link set w{i} master br0", f"link set w{i} up"]
            batches[ns] += [f"addr add {internet.wan_address(h.name)}/24 dev eth1", "link set eth1 up",
                            f"route add default via {A.GATEWAY}"]
    batches[inet] += ["link set wout master br0", "link set wout up"]
    batches[netns(OUTSIDER)] += [f"addr add {A.OUTSIDER}/24 dev eth0", "link set eth0 up",
                                 f"route add default via {A.GATEWAY}"]
    def configure(ns: str) -> None:
        run(["ip", "-n", ns, "-b", "-"], input="\n".join(batches[ns]).encode())

    parallel(list(batches), configure)  # each in its own namespace: side by side


# A lab's host layers and saved states are a few MiB of small files, made and copied by the thousand as a lab
# comes up (a file costs ~1 ms on this machine's ext4, ~10 µs in memory). They live as long as the lab does
# (`down` removes them, a reboot ends its namespaces): in memory, capped so that a runaway write inside a
# host cannot take the machine's.
IN_MEMORY_SIZE = "512m"


def in_memory(dirs: list[Path], journal: Journal) -> None:
    """Each of `dirs` a tmpfs of its own, recorded before it is mounted (a killed `up` leaves nothing)."""
    for d in dirs:
        d.mkdir(parents=True, exist_ok=True)
        journal.will_mount(str(d))
        run(["mount", "-t", "tmpfs", "-o", f"mode=0755,size={IN_MEMORY_SIZE}", "airgaplab", str(d)])


def namespace_dir(ns_dir: Path, journal: Journal) -> None:
    """Where the hosts' namespaces are bound (their files), and the keeper's: a private mount of its own, as
    namespace files can only be bound on one."""
    ns_dir.mkdir(parents=True, exist_ok=True)
    journal.will_mount(str(ns_dir))
    # by mount(2), not mount(8): util-linux 2.41's fd-based `mount --bind` (Debian 13) makes a mount on which the
    # kernel refuses to bind a mount namespace's file (EINVAL)
    mount(str(ns_dir), str(ns_dir), None, MS_BIND)
    mount(None, str(ns_dir), None, MS_PRIVATE)


def create_views(spec: LabSpec, inet: A.Internet, view: Callable[[str], HostView], hosts: list[str], ns_dir: Path,
                 journal: Journal, built: I.InternetBuild, image: Path) -> None:
    """Each host's private /etc, /var and /run (overlays on the lab's shared `image` over the machine's), held
    by a mount namespace bound under `ns_dir` (namespace_dir)."""
    ctx = {"lab": spec, "isp_resolver": inet.isp_resolver, "root_server": A.ROOT_SERVER,
           "root_dnskey": built.root_dnskey}
    seed_image(image, ctx, rocky=all(view(h).boots for h in hosts))
    for host in hosts:
        v = view(host)
        extra = built.files if host == INTERNET else nm.keyfiles(spec, inet, host) if host in spec.host_names else {}
        v.seed({**ctx, "host": host}, extra)
        v.mnt_file.touch()
        v.uts_file.touch()
        journal.mounts += [str(v.mnt_file), str(v.uts_file)]
    journal.save()
    mount_views(view, hosts)


def mount_views(view: Callable[[str], HostView], hosts: list[str]) -> None:
    """Each host's mount and uts namespaces, made from its seeded (or restored) layers, side by side."""
    make_views([view(h) for h in hosts])
