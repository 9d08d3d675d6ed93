"""The verbs every backend offers; the CLI, the provisioner and the suite use only these."""

from __future__ import annotations

import io
import subprocess
import tarfile
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

from airgaplab.errors import LabError
from airgaplab.family import ROCKY, Family
from airgaplab.spec import Lab

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass
class HostStatus:
    name: str
    state: str  # running | stopped | missing | not created
    addresses: dict[str, str] = field(default_factory=dict)  # interface -> address/prefix
    daemons: dict[str, str] = field(default_factory=dict)  # daemon -> active | inactive


@dataclass
class LabStatus:
    lab: str
    backend: str
    state: str  # up | partial | down
    hosts: list[HostStatus] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "lab": self.lab,
            "backend": self.backend,
            "state": self.state,
            "hosts": [h.__dict__ for h in self.hosts],
        }


class Backend(ABC):
    """One lab, on one kind of machinery. Subclasses: netns (embedded), vagrant (VMs)."""

    name: str = "base"

    def __init__(self, lab: Lab, progress: Progress = _quiet) -> None:
        self.lab = lab
        self.progress = progress

    @abstractmethod
    def up(self, *, bare: bool = False) -> None:
        """Create the hosts and networks and provision them (`bare`: stock configs, no NTP/DNS steps).

        Raises UserError before creating anything when it cannot start (the lab is already up, a tool is
        missing); any other error may leave a half-created lab, which `down` removes
        (backends.lifecycle does both)."""

    @abstractmethod
    def down(self) -> None:
        """Remove everything of the lab: daemons, VMs, mounts, namespaces, state. Idempotent; works on a
        half-created lab and after a killed `up`."""

    @abstractmethod
    def status(self) -> LabStatus:
        """What exists now: each host's state, addresses and daemons; never raises for a lab that is down."""

    @abstractmethod
    def is_up(self) -> bool:
        """The lab came up completely and all its hosts are running."""

    @abstractmethod
    def exec(
        self, host: str, argv: list[str], *, input: bytes | None = None, timeout: float | None = 120
    ) -> subprocess.CompletedProcess[bytes]:
        """Run argv on host; never raises for a non-zero exit."""

    @abstractmethod
    def interactive(self, host: str, argv: list[str]) -> int:
        """Run argv on host attached to this terminal (for `airgaplab shell`)."""

    def put(self, host: str, path: str, data: bytes) -> None:
        """Write one file on host (see put_many)."""
        self.put_many(host, {path: data})

    def put_many(self, host: str, files: dict[str, bytes]) -> None:
        """Write files (absolute path → content, mode 0644, parents created) on host in one round trip."""
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            for path, data in files.items():
                info = tarfile.TarInfo(path.lstrip("/"))
                info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
                tar.addfile(info, io.BytesIO(data))
        # --no-overwrite-dir: existing directories keep their owners and modes (e.g. /etc/bind root:bind)
        proc = self.exec(host, ["tar", "-x", "--no-same-owner", "--no-overwrite-dir", "-C", "/", "-f", "-"],
                         input=buf.getvalue())
        if proc.returncode != 0:
            raise LabError(f"{host}: could not write files: {proc.stderr.decode().strip()}")

    @abstractmethod
    def exchange(
        self, host: str, server: str, port: int, payload: bytes, *, proto: str = "udp", timeout: float = 2.0,
        source: str | None = None,
    ) -> bytes | None:
        """Send `payload` from inside `host` (from its address `source`, if given) to server:port, return the
        reply (None: no answer, no route).

        The protocol probes (dnspython, ntplib) build and parse packets here;
        only this exchange happens on the lab host. proto: udp | tcp-dns.
        """

    # --- what the conformance suite needs to know about the backend's world ---------
    @property
    def family(self) -> Family:
        """The hosts' OS family: paths, service names, packages (netns hosts are Rocky-shaped)."""
        return ROCKY

    @property
    def box(self) -> str | None:
        """The VM box the hosts boot from (None: the hosts are not VMs)."""
        return None

    sync_timeout: float = 30.0
    """How long things that converge (NTP sync) may take on this backend."""

    silence_s: float = 2.0
    """How long a probe waits before it concludes that no answer will come (a round trip is far shorter)."""

    def nm_connection(self, host: str) -> str:
        """The NetworkManager connection of `host`'s internal NIC (`nmcli connection up` it to see whether
        NetworkManager rewrites resolv.conf)."""
        return "eth0"

    def reboot(self, host: str) -> None:
        """Bring `host` down and up as a reboot would. This default (hosts that are not machines of their own):
        every daemon stops, then those enabled start again, NetworkManager first."""
        units = ("NetworkManager", self.family.named_service, self.family.chrony_service)
        script = (f"for u in {' '.join(units)}; do systemctl stop $u 2>/dev/null; done; "
                  f"for u in {' '.join(units)}; do if systemctl is-enabled --quiet $u 2>/dev/null; then "
                  "systemctl start $u || exit 1; fi; done")
        proc = self.exec(host, ["sh", "-c", script], timeout=120)
        if proc.returncode != 0:
            raise LabError(f"{host}: its daemons did not come back after the reboot: {proc.stderr.decode().strip()}")

    def keep_reachable(self, host: str) -> str | None:
        """The network `host` must keep reaching when its internet goes (its management link), if any."""
        return None

    def firewalled(self, host: str) -> bool:
        """A host firewall on `host` drops what outsiders send (VMs with hardening and firewalld)."""
        return False

    def egress_address(self, host: str) -> str | None:
        """The address `host`'s traffic to the internet comes from, as the internet sees it."""
        return self.outside_address(host)

    outsider: str | None = None
    """A host outside every ACL, to probe from (None: the machine running the suite)."""

    def outside_address(self, host: str) -> str | None:
        """The address `host` has towards the internet, as the outsider reaches it."""
        return None

    def forwarder_log(self) -> str | None:
        """The forwarders' query log, if this backend can see the forwarder's side."""
        return None

    def dnssec_names(self) -> DnssecNames:
        return DnssecNames()


@dataclass(frozen=True)
class DnssecNames:
    """Names whose DNSSEC status is known: signed and valid, signed but bogus, unsigned."""

    secure: str = "www.isc.org"
    bogus: str = "www.dnssec-failed.org"
    insecure: str = "google.com"
