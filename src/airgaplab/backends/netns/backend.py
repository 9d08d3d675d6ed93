"""The embedded backend: every lab host is a Linux network + mount namespace on this machine.

Topology (all inside namespaces; nothing of the lab touches the root namespace):

    k8s-node1 ─┐                                   ┌─ 198.51.100.53  root + zones (named)
    k8s-node2 ─┼─ lan (bridge) ─ admin ─ eth1 ─ internet (bridge 203.0.113.1) ─ 198.51.100.1.. forwarders (named)
    ...        ┘   192.168.10.0/24      203.0.113.10     │                     └─ 198.51.100.123.. NTP (chronyd)
                                                         outsider 203.0.113.66
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dns.flags
import dns.message
import dns.rcode

from airgaplab import provisioner, retry
from airgaplab.backends.base import Backend, DnssecNames, HostStatus, LabStatus, Progress, _quiet
from airgaplab.backends.journal import Journal
from airgaplab.backends.netns import addressing as A
from airgaplab.backends.netns import internet as I
from airgaplab.backends.netns import procs, topology
from airgaplab.backends.netns.edge import forwarder_dnat
from airgaplab.backends.netns.hostview import HostView, named_user
from airgaplab.backends.netns.setns import network_namespace
from airgaplab.backends.netns.topology import INTERNET, LAN, OUTSIDER
from airgaplab.errors import LabError, UserError
from airgaplab.paths import state_root
from airgaplab.probes import relay
from airgaplab.spec import Lab

RESERVED = (INTERNET, OUTSIDER, LAN)
# tool → the Debian package that has it: `up` refuses and `doctor` reports from this one list
REQUIRED_TOOLS = {
    "ip": "iproute2", "nsenter": "util-linux", "unshare": "util-linux", "mount": "mount", "tar": "tar",
    "chronyd": "chrony", "chronyc": "chrony", "named": "bind9", "named-checkconf": "bind9-utils",
    "dnssec-keygen": "bind9-utils", "dnssec-signzone": "bind9-utils", "dnssec-dsfromkey": "bind9-utils",
    "dig": "bind9-dnsutils", "nft": "nftables", "ping": "iputils-ping", "python3": "python3",
}


def missing_tools() -> dict[str, str]:
    """The tools the netns backend needs that this machine lacks, with their packages."""
    return {t: pkg for t, pkg in REQUIRED_TOOLS.items() if shutil.which(t) is None}


class NetnsBackend(Backend):
    name = "netns"
    silence_s = 0.5  # every round trip stays inside this machine's kernel: microseconds

    def __init__(self, lab: Lab, progress: Progress = _quiet) -> None:
        super().__init__(lab, progress)
        self.dir = state_root() / lab.name
        self.inet = A.Internet(lab)
        self.prefix = f"agl.{lab.name}."

    # --- naming ------------------------------------------------------------
    def netns(self, host: str) -> str:
        return f"{self.prefix}{host}"

    @property
    def all_hosts(self) -> list[str]:
        """Lab hosts plus the simulated internet and the outsider (also reachable with exec)."""
        return [*self.lab.host_names, INTERNET, OUTSIDER]

    def view(self, host: str) -> HostView:
        if host not in self.all_hosts:
            raise UserError(f"no host {host!r} in lab {self.lab.name!r} — hosts are: {', '.join(self.all_hosts)}")
        return HostView(host, self.netns(host), self.dir / "hosts" / host, self.dir / "ns")

    @property
    def journal_path(self) -> Path:
        return self.dir / "state.json"

    # --- preconditions ---------------------------------------------------------
    def preflight(self) -> None:
        if os.geteuid() != 0:
            raise UserError("the netns backend needs root (namespaces, mounts): run it with sudo or as root")
        missing = missing_tools()
        if missing:
            raise UserError(
                f"missing on this machine: {', '.join(missing)} — run `make deps` "
                f"(apt-get install {' '.join(sorted(set(missing.values())))})"
            )
        clash = [h for h in self.lab.host_names if h in RESERVED]
        if clash:
            raise UserError(f"hosts: the name {clash[0]!r} is reserved by the netns backend — rename that host")
        self.inet.check_safety()

    # --- up ----------------------------------------------------------------
    def up(self, *, bare: bool = False) -> None:
        self.preflight()
        if self.is_up():
            raise UserError(f"lab {self.lab.name!r} is already up — see `airgaplab status --name {self.lab.name}`")
        if self.dir.exists():
            raise UserError(
                f"lab {self.lab.name!r} was left half-created by an interrupted `up` — "
                f"run `airgaplab down --name {self.lab.name}` first"
            )
        t0 = time.monotonic()
        self.dir.mkdir(parents=True)
        journal = Journal(self.journal_path, lab=self.lab.name, spec=self.lab.model_dump(), bare=bare)
        journal.save()

        built: dict[str, I.InternetBuild] = {}
        errors: list[BaseException] = []

        def build_internet() -> None:
            try:
                built["x"] = I.build(self.inet, self.dir / "internet-build")
            except BaseException as exc:
                errors.append(exc)

        signer = threading.Thread(target=build_internet, name="sign-root")
        signer.start()

        self.progress(f"namespaces and links for {len(self.all_hosts)} hosts")
        topology.create_network(self.lab, self.inet, self.netns, self.all_hosts, journal)
        signer.join()
        if errors:
            raise errors[0]
        self.progress("host views (private /etc, /var, /run)")
        topology.create_views(self.lab, self.inet, self.view, self.all_hosts, self.dir / "ns", journal, built["x"])
        journal.timings["network_s"] = round(time.monotonic() - t0, 3)

        self._translate_at_the_edge()
        self.progress("simulated internet: signed root, forwarders, NTP servers")
        self._start_internet()
        journal.timings["internet_s"] = round(time.monotonic() - t0, 3)

        # what a stock Rocky host runs at boot: NetworkManager, and chronyd with its stock config
        boot = ["NetworkManager"] + (["chronyd"] if bare else [])
        self.progress(f"boot: {' and '.join(boot)} on every host" + (" (--bare: no NTP/DNS provisioning)" if bare else ""))
        provisioner.parallel(self.lab.host_names,
                             lambda h: self._check(h, ["systemctl", "enable", "--quiet", "--now", *boot]))
        if not bare:
            self.provision()
        journal.finish(t0)

    def _start_internet(self) -> None:
        for conf, log in ((I.ROOT_CONF, "root.log"), (I.RESOLVER_CONF, "resolver.log")):
            self._check(INTERNET, ["named", "-u", named_user(), "-c", conf, "-L", f"/var/named/internet/{log}"])
        self._check(INTERNET, ["systemctl", "start", "chronyd"])
        # Ready when a forwarder resolves an NTP upstream name with a validated (AD) answer.
        probe = next(iter(self.inet.upstream_names), "google.com")
        resolver = str(A.FORWARDER_BASE)

        def validated() -> bool:
            q = dns.message.make_query(probe, "A", want_dnssec=True)
            wire = self.exchange(INTERNET, resolver, 53, q.to_wire(), timeout=0.5)
            if wire is None:
                return False
            r = dns.message.from_wire(wire)
            return r.rcode() == dns.rcode.NOERROR and bool(r.flags & dns.flags.AD)

        if not retry.until(validated, timeout=15):
            log = self.exec(INTERNET, ["tail", "-n", "20", "/var/named/internet/resolver.log"]).stdout.decode()
            raise LabError(f"the simulated internet's resolver did not validate {probe} within 15 s\n{log}")

    def _translate_at_the_edge(self) -> None:
        """The notes' forwarders (168.126.63.1, 8.8.8.8) reach the stand-in resolvers from every host with an
        outside link — translated inside that host's namespace, so no link beyond it carries them."""
        ruleset = forwarder_dnat(self.inet.forwarders).encode()
        for h in self.lab.hosts:
            if h.internet and self.inet.forwarders:
                proc = self.exec(h.name, ["nft", "-f", "-"], input=ruleset)
                if proc.returncode != 0:
                    raise LabError(f"{h.name}: nftables (forwarder translation): {proc.stderr.decode().strip()}")

    # --- provisioning ----------------------------------------------------------
    def provision(self) -> None:
        """The backend-neutral provisioner: the notes' files, values unchanged (the edge translates)."""
        provisioner.provision(self, provisioner.Plan())

    def _check(self, host: str, argv: list[str]) -> None:
        proc = self.exec(host, argv)
        if proc.returncode != 0:
            err = (proc.stderr or proc.stdout).decode(errors="replace").strip()
            raise LabError(f"{host}: `{' '.join(argv)}` failed (exit {proc.returncode}): {err}")

    # --- verbs -----------------------------------------------------------------
    def exec(
        self, host: str, argv: list[str], *, input: bytes | None = None, timeout: float | None = 120
    ) -> subprocess.CompletedProcess[bytes]:
        v = self.view(host)
        return subprocess.run(v.command(argv), input=input, capture_output=True, timeout=timeout)

    def interactive(self, host: str, argv: list[str]) -> int:
        return subprocess.call(self.view(host).command(argv))

    def exchange(
        self, host: str, server: str, port: int, payload: bytes, *, proto: str = "udp", timeout: float = 2.0,
        source: str | None = None,
    ) -> bytes | None:
        with self.network_of(host):  # the socket is created inside the host's namespace
            return relay.exchange(proto, server, port, payload, timeout, source)

    @contextmanager
    def network_of(self, host: str) -> Iterator[None]:
        """Within this context, sockets the calling thread opens belong to `host`'s network."""
        self.view(host)
        with network_namespace(f"/run/netns/{self.netns(host)}"):
            yield

    # --- the simulated internet, for the suite ------------------------------------
    outsider = OUTSIDER

    def outside_address(self, host: str) -> str | None:
        return self.inet.wan_address(host) if self.lab.host(host).internet else None

    def forwarder_log(self) -> str | None:
        proc = self.exec(INTERNET, ["cat", I.RESOLVER_QUERYLOG])
        return proc.stdout.decode(errors="replace") if proc.returncode == 0 else ""

    def dnssec_names(self) -> DnssecNames:
        return DnssecNames(secure="www.secure.example", bogus="www.bogus.example", insecure="google.com")

    # --- state -----------------------------------------------------------------
    def _existing_netns(self) -> list[str]:
        return procs.existing_netns(self.prefix)

    def is_up(self) -> bool:
        journal = Journal.load(self.journal_path)
        if journal is None or not journal.complete:
            return False
        return set(journal.netns) <= set(self._existing_netns())

    def journal(self) -> Journal | None:
        return Journal.load(self.journal_path)

    def status(self) -> LabStatus:
        journal = Journal.load(self.journal_path)
        existing = set(self._existing_netns())
        if journal is None and not existing:
            return LabStatus(self.lab.name, self.name, "down")
        daemons = procs.daemons_by_netns()
        hosts = []
        for host in self.all_hosts:
            ns = self.netns(host)
            if ns not in existing:
                hosts.append(HostStatus(host, "missing"))
                continue
            ino = os.stat(f"/run/netns/{ns}").st_ino
            running = daemons.get(ino, set())
            hosts.append(HostStatus(
                host, "running", procs.addresses(ns),
                {d: ("active" if d in running else "inactive") for d in procs.DAEMONS},
            ))
        complete = journal is not None and journal.complete and all(h.state == "running" for h in hosts)
        return LabStatus(self.lab.name, self.name, "up" if complete else "partial", hosts)

    # --- down ----------------------------------------------------------------
    def down(self) -> None:
        if os.geteuid() != 0:
            raise UserError("the netns backend needs root to take a lab down: run it with sudo or as root")
        journal = Journal.load(self.journal_path)
        names = sorted(set(journal.netns if journal else []) | set(self._existing_netns()))
        names = [n for n in names if os.path.exists(f"/run/netns/{n}")]
        self.progress(f"stopping daemons in {len(names)} namespaces")
        procs.kill_in_netns(names)
        self.progress("unmounting host views")
        for mnt in procs.mounts_under(self.dir):
            if subprocess.run(["umount", mnt], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", mnt], capture_output=True)
        if names:
            self.progress(f"deleting {len(names)} namespaces")
            procs.run(["ip", "-b", "-"], input="\n".join(f"netns del {n}" for n in names).encode(), check=False)
        left = procs.mounts_under(self.dir)
        if left:
            raise LabError(f"still mounted after down: {', '.join(left)} — close shells inside the lab and retry")
        shutil.rmtree(self.dir, ignore_errors=True)


