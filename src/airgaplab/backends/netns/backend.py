"""The embedded backend: every lab host is a Linux network + mount namespace on this machine.

Topology (all inside namespaces; nothing of the lab touches the root namespace):

    k8s-node1 ─┐                                   ┌─ 198.51.100.53  root + zones (named)
    k8s-node2 ─┼─ lan (bridge) ─ admin ─ eth1 ─ internet (bridge 203.0.113.1) ─ 198.51.100.1.. forwarders (named)
    ...        ┘   192.168.10.0/24      203.0.113.10     │                     └─ 198.51.100.123.. NTP (chronyd)
                                                         outsider 203.0.113.66
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.rcode

from airgaplab import kit, retry
from airgaplab.backends.base import Backend, HostStatus, LabStatus, Progress, quiet
from airgaplab.backends.forwarders import forwarder_dnat
from airgaplab.backends.journal import Journal
from airgaplab.backends.namespaces import existing_netns
from airgaplab.backends.netns import addressing as A
from airgaplab.backends.netns import internet as I
from airgaplab.backends.netns import procs, topology
from airgaplab.backends.netns.boots import LabBoots
from airgaplab.backends.netns.doctor import in_chroot, install_command, missing_tools
from airgaplab.backends.netns.hostview import HostView
from airgaplab.backends.netns.syscalls import BOOT_KINDS, has_boot_namespaces
from airgaplab.backends.netns.topology import INTERNET, LAN, OUTSIDER
from airgaplab.backends.netns.transport import NetnsTransport
from airgaplab.backends.netns.users import machine_user
from airgaplab.backends.netns.world import NetnsWorld
from airgaplab.errors import LabError, UserError
from airgaplab.lab import provisioner
from airgaplab.lab.spec import LabSpec

RESERVED = (INTERNET, OUTSIDER, LAN)
STATE_DAEMONS = ("NetworkManager", *procs.DAEMONS)  # started in this order (admin's chronyd resolves via named)
def copy_layers(src: Path, hosts: list[str], dest: Path) -> None:
    """The hosts' layers (HOST/etc/upper, HOST/var/upper, HOST/own) from src to dest, by `cp -a`, which keeps
    overlayfs's own marks (whiteouts, opaque dirs' xattrs) as they are: a few cp's for a whole lab, side by side
    (a lab of 100 nodes saves two states as it comes up)."""
    chunks = {str(i): [f"{h}/{layer}" for h in share for layer in HostView.layers_rel]  # a host's in one share
              for i, share in enumerate(provisioner.shares(hosts))}

    def copy(chunk: str) -> None:
        procs.run(["cp", "-a", "--reflink=auto", "--parents", *chunks[chunk], str(dest)], cwd=str(src))

    provisioner.parallel(list(chunks), copy)


def needs_root(what: str) -> None:
    if os.geteuid() != 0:
        raise UserError(f"the netns backend needs root to {what} (namespaces, mounts): run it with sudo or as root")


class NetnsBackend(Backend):
    name = "netns"

    def __init__(self, spec: LabSpec, progress: Progress = quiet, *, sealed: bool = True) -> None:
        """`sealed`: each host sees the machine read-only and has /root, /home, /srv and /tmp of its own
        (False only for the harness's own hosts, the private hypervisor's)."""
        super().__init__(spec, progress)
        self.sealed = sealed
        self.inet = A.Internet(spec)
        self.prefix = f"agl.{spec.name}."
        self.transport = NetnsTransport(self.view, self.netns(LAN))
        self.world = NetnsWorld(spec, self.inet, self.transport)
        # the harness's own hosts (a private hypervisor's) boot no PID 1 of their own: nothing to keep
        self.boots = LabBoots(self.state.dir / "ns", self.prefix, self.transport, kept=sealed)
        self.kit = kit.Kit(kit.default_dir())  # the lab's own chrony and BIND: up fetches them (preflight)

    # --- naming ------------------------------------------------------------
    def netns(self, host: str) -> str:
        return f"{self.prefix}{host}"

    @property
    def all_hosts(self) -> list[str]:
        """Lab hosts plus the simulated internet and the outsider (also reachable with exec)."""
        return [*self.spec.host_names, INTERNET, OUTSIDER]

    @property
    def image(self) -> Path:
        """The lab's shared layer: the stock files every host has alike, under each host's own."""
        return self.state.dir / "hosts" / ".image"  # beside the hosts' own layers (in memory with them)

    def view(self, host: str) -> HostView:
        if host not in self.all_hosts:
            raise UserError(f"no host {host!r} in lab {self.spec.name!r} — hosts are: {', '.join(self.all_hosts)}")
        return HostView(host, self.netns(host), self.state.dir / "hosts" / host, self.state.dir / "ns", self.sealed,
                        self.image, self.kit.usr)

    # --- lifecycle hooks -------------------------------------------------------------
    def preflight(self) -> None:
        needs_root("bring a lab up")
        if in_chroot():
            raise UserError("this is a chroot: a lab host, entered by its mount namespace, would see the machine's / "
                            "rather than this one — run the lab in a container (the Containerfile), not a chroot")
        missing = missing_tools()
        if missing:
            raise UserError(f"missing on this machine: {', '.join(missing)} — run `make deps` "
                            f"({install_command(sorted(set(missing.values())))})")
        kit.ensure(self.progress, self.kit.root)  # the lab's own chrony and BIND, fetched the first time
        if self.sealed and not has_boot_namespaces():
            raise UserError(f"this kernel (Linux {os.uname().release}) makes no time namespaces: a netns host boots "
                            "with a PID 1 and a clock of its own, which takes Linux 5.6 or newer")
        clash = [h for h in self.spec.host_names if h in RESERVED]
        if clash:
            raise UserError(f"hosts: the name {clash[0]!r} is reserved by the netns backend — rename that host")
        self.inet.check_safety()

    def create(self, journal: Journal, *, bare: bool) -> None:
        built: dict[str, I.InternetBuild] = {}
        errors: list[BaseException] = []

        def build_internet() -> None:
            try:
                built["x"] = I.build_once(self.inet, self.state.dir / "internet-build")
            except BaseException as exc:
                errors.append(exc)

        signer = threading.Thread(target=build_internet, name="sign-root")
        signer.start()
        topology.namespace_dir(self.state.dir / "ns", journal)
        self.boots.launch()  # its interpreter starts while the network is made
        self.progress(f"namespaces and links for {len(self.all_hosts)} hosts")
        with journal.phase("network"):
            topology.create_network(self.spec, self.inet, self.netns, self.all_hosts, journal)
            signer.join()
        if errors:
            raise errors[0]
        self.progress("host views (private /etc, /var, /run)")
        with journal.phase("views"):
            if self.sealed:  # not the private hypervisor's host: its layers hold VM disks
                topology.in_memory([self.state.dir / "hosts", self.state.states_dir], journal)
            topology.create_views(self.spec, self.inet, self.view, self.all_hosts, self.state.dir / "ns", journal,
                                  built["x"], self.image)
        self.progress(f"booting {len(self.all_hosts)} hosts (PID 1 and a clock of their own)")
        with journal.phase("hosts"):
            self.boots.ask(f"boot {' '.join(self.all_hosts)}")
        self.progress("simulated internet: signed root, forwarders, NTP servers")
        with journal.phase("internet"):
            self._translate_at_the_edge()
            self._start_internet()
        # what a stock Rocky host runs at boot: NetworkManager (a lab host's init started it: enabled in the
        # image), and chronyd with its stock config
        boot = (["NetworkManager"] if not self.sealed else []) + (["chronyd"] if bare else [])
        if not boot:
            return
        self.progress(f"boot: {' and '.join(boot)} on every host" + (" (--bare: no NTP/DNS provisioning)" if bare else ""))

        def boot_host(host: str) -> None:
            self.transport.run(host, ["systemctl", "enable", "--quiet", "--now", *boot], what="booting")

        with journal.phase("boot"):
            provisioner.parallel(self.spec.host_names, boot_host)

    # --- saved states: the hosts' own layers, and which daemons ran ----------------------------
    can_save_states = True

    def save_state(self, name: str) -> None:
        dest = self.state.states_dir / name
        saving = dest.with_name(f".{name}.saving")
        shutil.rmtree(saving, ignore_errors=True)
        saving.mkdir(parents=True)
        # which daemons ran: one pass over /proc (the daemons' own names, as `systemctl is-active` checks them)
        running = procs.daemons_by_netns(STATE_DAEMONS)
        daemons = {h: sorted(running.get(os.stat(f"/run/netns/{self.netns(h)}").st_ino, set()),
                             key=STATE_DAEMONS.index) for h in self.spec.host_names}

        copy_layers(self.state.dir / "hosts", self.spec.host_names, saving)
        (saving / "meta.json").write_text(json.dumps({"name": name, "saved": time.time(), "daemons": daemons}))
        shutil.rmtree(dest, ignore_errors=True)
        saving.rename(dest)

    def restore_state(self, name: str) -> None:
        src = self.state.states_dir / name
        daemons: dict[str, list[str]] = json.loads((src / "meta.json").read_text())["daemons"]
        hosts = self.spec.host_names
        self.progress(f"stopping {len(hosts)} hosts")
        self.boots.ask(f"halt {' '.join(hosts)}")
        procs.kill_in_netns([self.netns(h) for h in hosts])  # what a keeper gone meanwhile would have left
        for host in hosts:
            v = self.view(host)
            for f in (v.mnt_file, v.uts_file, *(v.ns_file(kind) for kind in BOOT_KINDS)):
                procs.unmount(str(f))
            for path in v.layers:
                shutil.rmtree(path, ignore_errors=True)
            for top in ("etc", "var"):  # overlayfs wants an empty work dir of its own
                shutil.rmtree(v.root / top / "work", ignore_errors=True)
                (v.root / top / "work").mkdir()
        copy_layers(src, hosts, self.state.dir / "hosts")
        self.progress(f"host views from state {name!r}")
        topology.mount_views(self.view, hosts)
        self.boots.ask(f"boot {' '.join(hosts)} quiet")  # booted with no unit started: those that ran, below
        # the servers first, as `up` provisions them: a node's iburst must find admin's chronyd
        order = [h.name for h in self.spec.hosts if h.is_server] + [h.name for h in self.spec.hosts if not h.is_server]
        self.progress("starting the daemons that ran")
        for host in order:
            if daemons.get(host):
                self.transport.run(host, ["systemctl", "start", *daemons[host]], what="starting the saved daemons")

    def reboot(self, host: str) -> None:
        if self.view(host).boots:
            self.boots.reboot(host)
        else:
            super().reboot(host)

    def _start_internet(self) -> None:
        tx, view = self.transport, self.view(INTERNET)
        for conf, log in ((I.ROOT_CONF, "root.log"), (I.RESOLVER_CONF, "resolver.log")):
            tx.run(INTERNET, [view.machine_program("sbin/named"), "-u", view.user(machine_user("named")), "-c", conf,
                              "-L", f"/var/named/internet/{log}"],
                   what=f"starting the simulated internet's named ({conf})")
        tx.run(INTERNET, ["systemctl", "start", "chronyd"], what="starting the simulated NTP servers")
        # Ready when a forwarder resolves an NTP upstream name with a validated (AD) answer.
        probe = next(iter(self.inet.upstream_names), "google.com")
        resolver = str(A.FORWARDER_BASE)

        def validated() -> bool:
            q = dns.message.make_query(probe, "A", want_dnssec=True)
            wire = tx.exchange(INTERNET, resolver, 53, q.to_wire(), timeout=0.5)
            if wire is None:
                return False
            r = dns.message.from_wire(wire)
            return r.rcode() == dns.rcode.NOERROR and bool(r.flags & dns.flags.AD)

        if not retry.until(validated, timeout=15):
            log = tx.exec(INTERNET, ["tail", "-n", "20", "/var/named/internet/resolver.log"]).stdout.decode()
            raise LabError(f"the simulated internet's resolver did not validate {probe} within 15 s\n{log}")

    def _translate_at_the_edge(self) -> None:
        """The notes' forwarders (168.126.63.1, 8.8.8.8) reach the stand-in resolvers from every host with an
        outside link — translated inside that host's namespace, so no link beyond it carries them."""
        ruleset = forwarder_dnat(self.inet.forwarders).encode()
        for h in self.spec.hosts:
            if h.internet and self.inet.forwarders:
                self.transport.run(h.name, ["nft", "-f", "-"], input=ruleset, what="nftables (forwarder translation)")

    def running(self, journal: Journal) -> bool:
        return set(journal.netns) <= set(existing_netns(self.prefix))

    def leftovers(self) -> bool:
        return bool(existing_netns(self.prefix))

    def status(self) -> LabStatus:
        journal = self.state.journal()
        existing = set(existing_netns(self.prefix))
        if journal is None and not existing:
            return LabStatus(self.spec.name, self.name, "down")
        daemons = procs.daemons_by_netns()
        hosts = []
        for host in self.all_hosts:
            ns = self.netns(host)
            if ns not in existing:
                hosts.append(HostStatus(host, "missing"))
                continue
            ino = os.stat(f"/run/netns/{ns}").st_ino
            running = daemons.get(ino, set())
            boot = self.boots.state(host)[0] if self.view(host).boots else "up"
            hosts.append(HostStatus(
                host, {"up": "running", "unknown": "running"}.get(boot, boot), procs.addresses(ns),
                {d: ("active" if d in running else "inactive") for d in procs.DAEMONS},
            ))
        complete = journal is not None and journal.complete and all(h.state == "running" for h in hosts)
        return LabStatus(self.spec.name, self.name, "up" if complete else "partial", hosts)

    def destroy(self) -> None:
        needs_root("take a lab down")
        journal = self.state.journal()
        self.boots.end(self.all_hosts)  # first: nothing boots again, and every host's processes end with its init
        names = sorted(set(journal.netns if journal else []) | set(existing_netns(self.prefix)))
        names = [n for n in names if os.path.exists(f"/run/netns/{n}")]
        if names:
            self.progress(f"stopping daemons in {len(names)} namespaces")
            procs.kill_in_netns(names)
        mounts = procs.mounts_under(self.state.dir)
        if mounts:
            self.progress("unmounting host views")
        for mnt in mounts:
            procs.unmount(mnt)
        if names:
            self.progress(f"deleting {len(names)} namespaces")
            procs.run(["ip", "-b", "-"], input="\n".join(f"netns del {n}" for n in names).encode(), check=False)
        left = procs.mounts_under(self.state.dir)
        if left:
            raise LabError(f"still mounted after down: {', '.join(left)} — close shells inside the lab and retry")
