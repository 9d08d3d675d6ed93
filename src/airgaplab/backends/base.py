"""A Backend in three parts, as containerlab's runtimes and netlab's providers separate them:

- `transport` (airgaplab.transport): exec, put_many, exchange, interactive — the only way anything
  touches a host;
- the lifecycle, written here once: `up` refuses a lab that is up or half-created, journals, creates,
  provisions and marks the lab up; `down` is idempotent; both over `state` (a LabState);
- `world` (airgaplab.world): what the hypervisor offers around the hosts.

A backend module provides the hooks `create`, `destroy`, `running` and `status`, and where it needs them
`preflight`, `prepare`, `settle`, `leftovers`, `provision_plan`, `reboot` and `dry_run` (no-ops here). The
CLI and every other module know no backend by name.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from airgaplab.backends.journal import Journal
from airgaplab.backends.state import LabState
from airgaplab.errors import UserError
from airgaplab.lab import checkers, provisioner
from airgaplab.lab.family import Family
from airgaplab.lab.spec import LabSpec
from airgaplab.lab.transport import Transport
from airgaplab.lab.world import World
from airgaplab.services import registry

Progress = Callable[[str], None]


def quiet(_: str) -> None:
    pass


@dataclass
class HostStatus:
    name: str
    state: str  # running | stopped | missing | not created
    addresses: dict[str, str] = field(default_factory=dict)  # interface -> address/prefix
    daemons: dict[str, str] = field(default_factory=dict)  # daemon -> active | activating | inactive | failed


@dataclass
class LabStatus:
    lab_name: str
    backend: str
    state: str  # up | partial | down
    hosts: list[HostStatus] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"lab": self.lab_name, "backend": self.backend, "state": self.state,
                "hosts": [h.__dict__ for h in self.hosts]}


class Backend(ABC):
    """One lab on one kind of machinery: its transport, its lifecycle, its world."""

    name: str = "base"
    transport: Transport
    """How to reach the hosts (each backend sets its own in __init__)."""
    world: World
    """What surrounds the hosts (each backend sets its own in __init__)."""

    def __init__(self, spec: LabSpec, progress: Progress = quiet) -> None:
        self.spec = spec
        self.progress = progress
        self.state = LabState(spec.name)

    @property
    def family(self) -> Family:
        return self.world.family

    # --- lifecycle ---------------------------------------------------------------------
    def up(self, *, bare: bool = False) -> None:
        """Create the hosts and networks and provision them (`bare`: stock hosts, no NTP/DNS steps).

        Raises UserError before creating anything when it cannot start (the lab is up or half-created, a
        tool is missing); any other error may leave a half-created lab, which `down` removes
        (backends.lifecycle.up_or_clean does both)."""
        self.preflight()
        if why := checkers.refusal(self.spec, self.family):  # the daemons' own checkers, before anything exists
            raise UserError(f"{why}: change that value in the spec (nothing was created)")
        if self.is_up():
            raise UserError(f"lab {self.spec.name!r} is already up — see `airgaplab status --name {self.spec.name}`")
        if self.state.exists():
            raise UserError(f"lab {self.spec.name!r} was left half-created by an interrupted `up` — "
                            f"run `airgaplab down --name {self.spec.name}` first")
        if self.leftovers():  # not of this state dir: names are the machine's (namespaces), state dirs are not
            raise UserError(f"a lab named {self.spec.name!r} of another state dir is up on this machine — give this "
                            "one another --name, or take that one down (`airgaplab down` with its AIRGAPLAB_STATE)")
        t0 = time.monotonic()
        self.prepare()
        journal = self.state.begin(self.name, self.spec.model_dump(), bare)
        with journal.phase("create"):
            self.create(journal, bare=bare)
        with journal.phase("provision"):
            if self.can_save_states and not bare:  # the stock hosts, saved first: `reset bare` and `solve --to N`
                self.provision(bare=True)           # start the exercise over from them on any lab
                self.settle(bare=True)
                self.save_state("bare")
            self.provision(bare=bare, timings=journal.timings)
        with journal.phase("settle"):
            self.settle(bare=bare)
        if self.can_save_states:  # the state `airgaplab reset` returns to
            with journal.phase("save"):
                self.save_state("bare" if bare else "provisioned")
        journal.finish(t0)

    def down(self) -> bool:
        """Remove everything of the lab: daemons, VMs, mounts, namespaces, state. Idempotent: works on a
        half-created lab and after a killed `up`; False when there was nothing to take down."""
        existed = self.state.exists() or self.leftovers()
        if existed:
            self.destroy()
            self.state.remove()
        return existed

    def is_up(self) -> bool:
        """The lab came up completely and all its hosts are running."""
        journal = self.state.journal()
        return journal is not None and journal.complete and self.running(journal)

    def provision(self, *, bare: bool = False, timings: dict[str, float] | None = None) -> None:
        """The backend-neutral provisioner with this backend's plan; bare: only the plan's first steps."""
        hosts = self.spec.hosts
        if bare:
            hosts = [h.model_copy(update={"roles": []}) for h in hosts]
        provisioner.provision(self.transport, self.spec, self.family, self.provision_plan(), hosts, self.progress,
                              timings)

    # --- hooks -------------------------------------------------------------------------
    def preflight(self) -> None:
        """Refuse (UserError) before anything exists when this machine cannot run the lab."""
        return None  # a no-op hook (netlab's providers' shape): backends override what they need

    def prepare(self) -> None:
        """What must exist before the lab does (a VM box); a refusal here leaves nothing to take down."""
        return None  # a no-op hook (netlab's providers' shape): backends override what they need

    @abstractmethod
    def create(self, journal: Journal, *, bare: bool) -> None:
        """Hosts and networks, recording in `journal` what `destroy` must find; booted, not provisioned."""

    def settle(self, *, bare: bool = False) -> None:
        """Wait until what `up` started answers (so the status printed after it is true)."""
        return None  # a no-op hook (netlab's providers' shape): backends override what they need

    @abstractmethod
    def destroy(self) -> None:
        """Remove what `create` made, from the journal and from what exists; never fails for missing parts."""

    def leftovers(self) -> bool:
        """Something of the lab exists outside its state directory (a killed `up`)."""
        return False

    @abstractmethod
    def running(self, journal: Journal) -> bool:
        """Everything the journal says was created is there and running."""

    @abstractmethod
    def status(self) -> LabStatus:
        """What exists now: each host's state, addresses and daemons; never raises for a lab that is down."""

    def provision_plan(self) -> provisioner.Plan:
        """What this backend adds to the common provisioning (a first step, extra files, step environment)."""
        return provisioner.Plan()

    def reboot(self, host: str) -> None:
        """Bring `host` down and up as a reboot would. This default (hosts that are not machines of their own):
        every daemon stops, then those enabled start again, NetworkManager first."""
        units = ("NetworkManager", *(registry.unit_of(d, self.family) for d in registry.daemons(self.spec)))
        script = (f"for u in {' '.join(units)}; do systemctl stop $u 2>/dev/null; done; "
                  f"for u in {' '.join(units)}; do if systemctl is-enabled --quiet $u 2>/dev/null; then "
                  "systemctl start $u || exit 1; fi; done")
        self.transport.sh(host, script, what="its daemons coming back after the reboot")

    can_save_states = False
    """Whether `save_state` and `restore_state` work on this backend."""

    def save_state(self, name: str) -> None:
        """Save every host as it is now (files, which daemons run) under the lab's states/NAME/."""
        raise UserError(f"the {self.name} backend cannot save lab states yet — `airgaplab up` again instead")

    def restore_state(self, name: str) -> None:
        """Bring every host back to saved state NAME: its files, and the daemons that ran then."""
        raise UserError(f"the {self.name} backend cannot restore lab states yet — `airgaplab up` again instead")

    def delete_state(self, name: str) -> None:
        """Free what a saved state holds outside the lab's state dir (the VMs' snapshots); no-op here."""
        return None

    def keep_evidence(self, dest: Path) -> list[str]:
        """Copy into `dest` what tells why a lab failed (plans, logs, consoles) before `down` removes it; what was
        kept. Called when AIRGAPLAB_EVIDENCE names a directory (the nightly run's artifact)."""
        return []  # a no-op hook (netlab's providers' shape): backends override what they need

    def dry_run(self) -> dict[str, object] | None:
        """What `up` would do, without doing it (None: this backend has nothing to show)."""
        return None
