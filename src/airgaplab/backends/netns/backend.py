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
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import dns.flags
import dns.message
import dns.rcode

from airgaplab import provisioner, render
from airgaplab.backends.base import Backend, DnssecNames, HostStatus, LabStatus, Progress, _quiet
from airgaplab.backends.journal import Journal
from airgaplab.backends.netns import addressing as A
from airgaplab.backends.netns import internet as I
from airgaplab.backends.netns.hostview import HostView, named_user
from airgaplab.backends.netns.setns import network_namespace
from airgaplab.errors import LabError, UserError
from airgaplab.paths import state_root
from airgaplab.probes import relay
from airgaplab.spec import Lab

INTERNET = "internet"
OUTSIDER = "outsider"
RESERVED = (INTERNET, OUTSIDER, "lan")
# tool → the Debian package that has it: `up` refuses and `doctor` reports from this one list
REQUIRED_TOOLS = {
    "ip": "iproute2", "nsenter": "util-linux", "unshare": "util-linux", "mount": "mount", "tar": "tar",
    "chronyd": "chrony", "chronyc": "chrony", "named": "bind9", "named-checkconf": "bind9-utils",
    "dnssec-keygen": "bind9-utils", "dnssec-signzone": "bind9-utils", "dnssec-dsfromkey": "bind9-utils",
    "dig": "bind9-dnsutils",
}
DAEMONS = ("chronyd", "named")


def missing_tools() -> dict[str, str]:
    """The tools the netns backend needs that this machine lacks, with their packages."""
    return {t: pkg for t, pkg in REQUIRED_TOOLS.items() if shutil.which(t) is None}


def _run(argv: list[str], *, input: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(argv, input=input, capture_output=True)
    if check and proc.returncode != 0:
        raise LabError(f"{' '.join(argv[:4])}… failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc


def wait_until(cond: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if cond():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


class NetnsBackend(Backend):
    name = "netns"

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
        self._create_network(journal)
        signer.join()
        if errors:
            raise errors[0]
        self.progress("host views (private /etc, /var, /run)")
        self._create_views(journal, built["x"])
        journal.timings["network_s"] = round(time.monotonic() - t0, 3)

        self.progress("simulated internet: signed root, forwarders, NTP servers")
        self._start_internet()
        journal.timings["internet_s"] = round(time.monotonic() - t0, 3)

        if bare:
            self.progress("stock chronyd on every host (--bare: no NTP/DNS provisioning)")
            provisioner.parallel(self.lab.host_names, lambda h: self._check(h, ["systemctl", "enable", "--now", "chronyd"]))
        else:
            self.provision()
        journal.finish(t0)

    def _create_network(self, journal: Journal) -> None:
        names = [self.netns(h) for h in self.all_hosts] + [self.netns("lan")]
        journal.will_create_netns(names)
        lan, inet = self.netns("lan"), self.netns(INTERNET)
        lines = [f"netns add {n}" for n in names]
        # Each veth is created directly inside its two namespaces: it never exists in the root namespace.
        for i, h in enumerate(self.lab.hosts):
            lines.append(f"link add eth0 netns {self.netns(h.name)} type veth peer name p{i} netns {lan}")
            if h.internet:
                lines.append(f"link add eth1 netns {self.netns(h.name)} type veth peer name w{i} netns {inet}")
        lines.append(f"link add eth0 netns {self.netns(OUTSIDER)} type veth peer name wout netns {inet}")
        _run(["ip", "-b", "-"], input="\n".join(lines).encode())

        batches: dict[str, list[str]] = {n: ["link set lo up"] for n in names}
        batches[lan] += ["link add br0 type bridge", "link set br0 up"]
        batches[inet] += ["link add br0 type bridge", f"addr add {A.GATEWAY}/24 dev br0", "link set br0 up"]
        batches[inet] += [f"addr add {a}/32 dev lo" for a in self.inet.service_addresses]
        prefix = self.lab.network.net.prefixlen
        for i, h in enumerate(self.lab.hosts):
            ns = self.netns(h.name)
            batches[lan] += [f"link set p{i} master br0", f"link set p{i} up"]
            batches[ns] += [f"addr add {h.ip}/{prefix} dev eth0", "link set eth0 up"]
            if h.internet:
                batches[inet] += [f"link set w{i} master br0", f"link set w{i} up"]
                batches[ns] += [f"addr add {self.inet.wan_address(h.name)}/24 dev eth1", "link set eth1 up",
                                f"route add default via {A.GATEWAY}"]
        batches[inet] += ["link set wout master br0", "link set wout up"]
        batches[self.netns(OUTSIDER)] += [f"addr add {A.OUTSIDER}/24 dev eth0", "link set eth0 up",
                                          f"route add default via {A.GATEWAY}"]
        for ns, cmds in batches.items():
            _run(["ip", "-n", ns, "-b", "-"], input="\n".join(cmds).encode())

    def _create_views(self, journal: Journal, built: I.InternetBuild) -> None:
        ns_dir = self.dir / "ns"
        ns_dir.mkdir(exist_ok=True)
        # Namespace files can only be bound on a private mount.
        journal.will_mount(str(ns_dir))
        _run(["mount", "--bind", str(ns_dir), str(ns_dir)])
        _run(["mount", "--make-private", str(ns_dir)])
        ctx = {"lab": self.lab, "isp_resolver": self.inet.isp_resolver, "root_server": A.ROOT_SERVER,
               "root_dnskey": built.root_dnskey}
        procs = []
        for host in self.all_hosts:
            v = self.view(host)
            v.seed({**ctx, "host": host}, built.files if host == INTERNET else None)
            v.mnt_file.touch()
            v.uts_file.touch()
            journal.mounts += [str(v.mnt_file), str(v.uts_file)]
        journal.save()
        for host in self.all_hosts:
            v = self.view(host)
            argv = ["unshare", f"--mount={v.mnt_file}", f"--uts={v.uts_file}", "--propagation", "private",
                    "sh", "-c", v.mount_script()]
            procs.append((host, subprocess.Popen(argv, stderr=subprocess.PIPE)))
        for host, p in procs:
            _, err = p.communicate()
            if p.returncode != 0:
                raise LabError(f"{host}: could not build its view (overlayfs on /etc, /var): {err.decode().strip()}")

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

        if not wait_until(validated, timeout=15):
            log = self.exec(INTERNET, ["tail", "-n", "20", "/var/named/internet/resolver.log"]).stdout.decode()
            raise LabError(f"the simulated internet's resolver did not validate {probe} within 15 s\n{log}")

    # --- provisioning ----------------------------------------------------------
    def provision(self) -> None:
        """The backend-neutral provisioner, with the forwarders mapped onto the simulated internet."""
        provisioner.provision(self, provisioner.Plan(amap=self.address_map()))

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

    def address_map(self) -> render.AddressMap:
        return self.inet.address_map()

    def forwarder_log(self) -> str | None:
        proc = self.exec(INTERNET, ["cat", I.RESOLVER_QUERYLOG])
        return proc.stdout.decode(errors="replace") if proc.returncode == 0 else ""

    def dnssec_names(self) -> DnssecNames:
        return DnssecNames(secure="www.secure.example", bogus="www.bogus.example", insecure="google.com")

    # --- state -----------------------------------------------------------------
    def _existing_netns(self) -> list[str]:
        try:
            names = os.listdir("/run/netns")
        except FileNotFoundError:
            return []
        return [n for n in names if n.startswith(self.prefix)]

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
        daemons = _daemons_by_netns()
        hosts = []
        for host in self.all_hosts:
            ns = self.netns(host)
            if ns not in existing:
                hosts.append(HostStatus(host, "missing"))
                continue
            ino = os.stat(f"/run/netns/{ns}").st_ino
            running = daemons.get(ino, set())
            hosts.append(HostStatus(
                host, "running", _addresses(ns),
                {d: ("active" if d in running else "inactive") for d in DAEMONS},
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
        _kill_in_netns(names)
        self.progress("unmounting host views")
        for mnt in _mounts_under(self.dir):
            if subprocess.run(["umount", mnt], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", mnt], capture_output=True)
        if names:
            self.progress(f"deleting {len(names)} namespaces")
            _run(["ip", "-b", "-"], input="\n".join(f"netns del {n}" for n in names).encode(), check=False)
        left = _mounts_under(self.dir)
        if left:
            raise LabError(f"still mounted after down: {', '.join(left)} — close shells inside the lab and retry")
        shutil.rmtree(self.dir, ignore_errors=True)


def _addresses(ns: str) -> dict[str, str]:
    proc = subprocess.run(["ip", "-n", ns, "-j", "-4", "addr"], capture_output=True, text=True)
    out: dict[str, str] = {}
    try:
        for link in json.loads(proc.stdout or "[]"):
            if link.get("ifname") == "lo":
                continue
            addrs = [f"{a['local']}/{a['prefixlen']}" for a in link.get("addr_info", [])]
            if addrs:
                out[link["ifname"]] = ", ".join(addrs)
    except ValueError:
        pass
    return out


def _daemons_by_netns() -> dict[int, set[str]]:
    """netns inode → names of lab daemons running in it (one pass over /proc)."""
    out: dict[int, set[str]] = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read().strip()
            if comm not in DAEMONS:
                continue
            ino = os.stat(f"/proc/{pid}/ns/net").st_ino
        except OSError:
            continue
        out.setdefault(ino, set()).add(comm)
    return out


def _pids_in(names: list[str]) -> list[int]:
    inodes = set()
    for n in names:
        with suppress(OSError):
            inodes.add(os.stat(f"/run/netns/{n}").st_ino)
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            if os.stat(f"/proc/{pid}/ns/net").st_ino in inodes:
                pids.append(int(pid))
        except OSError:
            continue
    return pids


def _kill_in_netns(names: list[str]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = _pids_in(names)
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, sig)
        if wait_until(lambda: not _pids_in(names), timeout=5, interval=0.05):
            return


def _mounts_under(root: Path) -> list[str]:
    prefix = str(root.resolve()) + "/"
    found = []
    with open("/proc/self/mounts") as f:
        for line in f:
            target = line.split()[1].replace("\\040", " ")
            if target.startswith(prefix) or target == prefix.rstrip("/"):
                found.append(target)
    return sorted(found, key=len, reverse=True)
