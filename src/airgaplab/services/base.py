"""A lab service: one base whose hooks do nothing, one subclass per service module (as netlab's providers).

What the rest of the lab asks of a service goes through these hooks and attributes only — the spec's roles,
rendering, the provisioning order, the daemons' own config checkers, the netns lab's daemons, the VMs' firewall,
`status`'s columns, the catalog and the conformance suite, the exercise's steps and the drills.

    ntp = registry.named("ntp")
    ntp.files(spec, spec.host("admin"), family("rocky10"))   # {"/etc/chrony.conf": "server pool.ntp.org iburst…"}
    ntp.unit(family("debian12"))                             # 'chrony'
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import jinja2

from airgaplab.lab.family import Family
from airgaplab.lab.spec import Host, LabSpec
from airgaplab.services import names
from airgaplab.services.drill import Drill

# a daemon's own checker of a text it would load: (the text, a scratch dir, the family) → why not, or None
Checker = Callable[[str, Path, Family], "str | None"]


@dataclass(frozen=True)
class ExerciseStep:
    """One step of the exercise: what `check NAME` grades and `solve NAME` does."""

    name: str  # e.g. ntp-server
    role: str  # the provisioning step that solves it, run on every host with that role
    where: str
    todo: str
    by_hand: str
    then: tuple[str, ...] = ()  # more roles whose steps solve it, each on its hosts after the one before
    env: tuple[tuple[str, str], ...] = ()  # what its steps are told besides the lab's values (GATEWAY_OPEN=1)

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role, *self.then)


@dataclass(frozen=True)
class DaemonUser:
    """A daemon's user as a Rocky host has it: a netns host's /etc/passwd names the machine's user so (or adds it,
    where the machine has none: the daemon's package is not installed here)."""

    name: str  # Rocky's: named
    machine: tuple[str, ...]  # the names the machine may give it, in the order looked for: ("bind", "named")
    gecos: str
    home: str
    rocky_id: int | None = None  # Rocky's fixed uid and gid (named: 25), taken where the machine has it free


@dataclass(frozen=True)
class NetnsParts:
    """What a netns lab host (a Rocky host over this machine) has of the service before its package is installed:
    its daemon's users, the files its package brings (netns/image/ under the service, kept in the package's
    payload until `dnf install`) and who owns what (path, "user:group", mode)."""

    users: tuple[DaemonUser, ...] = ()
    packages: dict[str, tuple[str, ...]] = field(default_factory=dict)  # package → its files in the image
    owned: tuple[tuple[str, str, int], ...] = ()


@dataclass(frozen=True)
class ConfigCheck:
    """A file of the service checked by its daemon's own checker before `up` installs it."""

    path: str  # where the file lands on a host of the family
    tool: str  # the program the check runs (a machine without it checks nothing)
    check: Checker


class Service:
    """A lab service. A subclass fills in what is its own; every hook's default is "nothing"."""

    name: ClassVar[str]
    daemon: ClassVar[str | None] = None  # the process its server runs: a `status` column, a fault's target
    on_clients: ClassVar[bool] = False  # its daemon runs on the clients too (chronyd does; named only on admin)
    firewall: ClassVar[str | None] = None  # the firewalld service the server's VM opens
    enabled_when_installed: ClassVar[bool] = False  # its unit starts at boot once installed (Rocky's chronyd does)
    rank: ClassVar[int] = 0  # provisioning and start order among services: lower first
    after_servers: ClassVar[tuple[str, ...]] = ()  # client steps that must wait until the servers are provisioned
    exercise: ClassVar[tuple[ExerciseStep, ...]] = ()
    netns: ClassVar[NetnsParts] = NetnsParts()
    kit_packages: ClassVar[dict[str, tuple[str, ...]]] = {}  # what the netns lab unpacks, by package manager
    kit_programs: ClassVar[tuple[str, ...]] = ()  # the programs the kit must then hold

    @property
    def roles(self) -> tuple[str, str]:
        """(server role, client role): `<name>-server` (admin), `<name>-client` (the nodes)."""
        return names.roles_of(self.name)

    @property
    def server_role(self) -> str:
        return self.roles[0]

    @property
    def client_role(self) -> str:
        return self.roles[1]

    def runs_daemon(self, host: Host) -> bool:
        """Does its daemon run on `host` (by the host's roles)?"""
        return bool(self.daemon) and (host.has(self.server_role) or (self.on_clients and host.has(self.client_role)))

    @property
    def home(self) -> Path:
        """The service's module directory (templates/, steps/, catalog.yaml, conformance/)."""
        return Path(str(sys.modules[type(self).__module__].__file__)).parent

    @cached_property
    def _templates(self) -> jinja2.Environment:
        return jinja2.Environment(loader=jinja2.FileSystemLoader(self.home / "templates"),
                                  undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True)

    def render(self, template: str, spec: LabSpec, host: Host, fam: Family, **extra: Any) -> str:
        """One of the service's templates, with the lab (`lab`, `host`, `fam` and each section by name)."""
        return self._templates.get_template(template).render(lab=spec, host=host, fam=fam, **spec.sections, **extra)

    # --- hooks -----------------------------------------------------------
    def files(self, spec: LabSpec, host: Host, fam: Family) -> dict[str, str]:
        """Absolute path on `host` → content, for what the host's roles of this service install."""
        return {}

    def checks(self, fam: Family) -> list[ConfigCheck]:
        """Its files a daemon's own checker judges before anything exists."""
        return []

    def unit(self, fam: Family) -> str | None:
        """The systemd unit of its daemon on `fam`."""
        return None

    def config(self, fam: Family) -> str | None:
        """Its daemon's main config file on `fam`."""
        return None

    def packages(self, fam: Family) -> tuple[str, ...]:
        """Its packages on `fam` (what a box built here installs, what the steps install on a stock host)."""
        return ()

    def step_env(self, spec: LabSpec, fam: Family) -> dict[str, str]:
        """What its provision steps read instead of hard-coded paths (packages, units, files of `fam`, the lab's
        values)."""
        return {}

    def drills(self) -> tuple[Drill, ...]:
        """Its break-one-thing drills."""
        return ()

    def drill_values(self, fam: Family) -> dict[str, str]:
        """What its drills' commands may name ($chrony_conf …), for `fam`."""
        return {}

    # --- what the module holds ---------------------------------------------
    def step_scripts(self) -> dict[str, bytes]:
        """Its provision steps (steps/*.sh, and the shell they source): file name → bytes."""
        return {p.name: p.read_bytes() for p in sorted((self.home / "steps").glob("*.sh"))}

    @property
    def catalog_file(self) -> Path:
        return self.home / "catalog.yaml"

    @property
    def conformance_dir(self) -> Path:
        return self.home / "conformance"

    @property
    def netns_image(self) -> Path:
        """The stock files a netns host has of it (path below = path on the host; *.j2 rendered per lab)."""
        return self.home / "netns" / "image"
