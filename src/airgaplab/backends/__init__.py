"""The backends by registry, and the labs that are up.

Every backend is an entry of REGISTRY (as containerlab registers runtimes and netlab loads providers): the CLI,
doctor and the clean-up of a lab with no record ask it, and compare no backend's name themselves. A third backend
is a package backends/<name>/ (backend.py with its Backend class, doctor.py with `usable` and `findings`) and one
line here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from airgaplab.backends.base import Backend, Progress, quiet
from airgaplab.backends.parts import Boxes, StandInHosts
from airgaplab.backends.seating import Seating
from airgaplab.backends.state import LabState
from airgaplab.diagnosis import Diagnosis
from airgaplab.errors import UserError
from airgaplab.lab.spec import LabSpec
from airgaplab.paths import state_root


@dataclass(frozen=True)
class Registered:
    """A backend as the rest of airgaplab knows it: by name, through these — never by its module (imported only
    when used, so a netns run loads nothing of the VM lab's)."""

    name: str
    module: str  # its package: <module>.backend holds the Backend class `cls`, <module>.doctor `usable` and `findings`
    cls: str
    checked_before_up: bool = False  # `up` runs doctor first and stops on a blocking finding (it fails late otherwise)
    seats: bool = False  # a class's seats can be labs of this backend (`class up --backend`): <module>.seating
    boxes: str = ""  # its module of guest images built here (backends.parts.Boxes), under <module>
    stand_ins: str = ""  # its module of stand-in hypervisor hosts (backends.parts.StandInHosts), under <module>

    def backend(self, spec: LabSpec, progress: Progress = quiet) -> Backend:
        made: Backend = getattr(importlib.import_module(f"{self.module}.backend"), self.cls)(spec, progress)
        return made

    def seating(self) -> Seating:
        """Where this backend's seats can go and what one needs (backends.seating)."""
        got: Seating = importlib.import_module(f"{self.module}.seating")
        return got

    def usable(self, spec: LabSpec | None = None) -> tuple[bool, str]:
        """Can a lab of this backend really come up here? Or why not."""
        ok: tuple[bool, str] = importlib.import_module(f"{self.module}.doctor").usable(spec)
        return ok

    def findings(self, spec: LabSpec) -> list[Diagnosis]:
        """doctor's lines for this backend."""
        found: list[Diagnosis] = importlib.import_module(f"{self.module}.doctor").findings(spec)
        return found


REGISTRY: dict[str, Registered] = {r.name: r for r in (
    Registered("netns", "airgaplab.backends.netns", "NetnsBackend", seats=True),
    Registered("vagrant", "airgaplab.backends.vagrant", "VagrantBackend", checked_before_up=True, seats=True,
               boxes="guests.box", stand_ins="libvirt.standin"),
)}
AUTO = ("vagrant", "netns")  # `--backend auto`: the first whose lab can come up here (the embedded one always can)
RECORDLESS = "netns"  # the backend that takes down a lab whose `up` died before recording it (its namespaces)


def registered(name: str) -> Registered:
    if name not in REGISTRY:
        raise UserError(f"--backend {name}: unknown backend — use {', '.join(REGISTRY)} or auto")
    return REGISTRY[name]


def resolve_backend_name(name: str, spec: LabSpec | None = None) -> tuple[str, str]:
    """(backend, why) for --backend NAME|auto: on auto, the first of AUTO whose lab can come up here."""
    if name != "auto":
        return registered(name).name, "chosen with --backend"
    whys: list[str] = []
    for candidate in AUTO:
        ok, why = registered(candidate).usable(spec)
        if ok:
            return candidate, f"{'; '.join(whys)}: using {why}" if whys else why
        whys.append(why)
    raise UserError(f"--backend auto: no backend can run a lab here ({'; '.join(whys)})")


def boxes() -> Boxes:
    """The guest images built here, of the backend that has them."""
    got: Boxes = _part("boxes", "no backend here builds boxes")
    return got


def stand_in_hosts() -> StandInHosts:
    """The stand-in hypervisor hosts, of the backend that has them."""
    got: StandInHosts = _part("stand_ins", "no backend here has stand-in hosts")
    return got


def _part(kind: str, none: str) -> Any:
    for r in REGISTRY.values():
        if sub := getattr(r, kind):
            return importlib.import_module(f"{r.module}.{sub}")
    raise UserError(none)


def make_backend(name: str, spec: LabSpec, progress: Progress = quiet) -> Backend:
    return registered(name).backend(spec, progress)


def known_labs() -> list[str]:
    """The labs with a state directory here (up, or left half-created)."""
    root = state_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))  # .class: no lab


def _only_lab(name: str | None) -> str:
    labs = known_labs()
    if name is not None:
        return name
    if not labs:
        raise UserError("no lab is up — bring one up with `make lab-up` (or `airgaplab up`)")
    if len(labs) > 1:
        raise UserError(f"several labs are up ({', '.join(labs)}) — pick one with --name")
    return labs[0]


def open_lab(name: str | None, progress: Progress = quiet) -> Backend:
    """The backend of a lab that was brought up (from its recorded spec)."""
    name = _only_lab(name)
    journal = LabState(name).journal()
    if journal is None:
        if name in known_labs():  # a state dir without its record: an `up` killed at its very start
            return leftover_lab(name, progress)
        raise UserError(f"no lab named {name!r} is up — labs here: {', '.join(known_labs()) or 'none'}")
    return make_backend(journal.backend, LabSpec.model_validate(journal.spec), progress)


def leftover_lab(name: str, progress: Progress = quiet) -> Backend:
    """What `down` needs of a lab with no record: its name (its namespaces' prefix and state dir)."""
    from airgaplab.lab.specfile import load_spec
    from airgaplab.paths import default_lab_file

    return make_backend(RECORDLESS, load_spec(default_lab_file()).model_copy(update={"name": name}), progress)


def lab_to_take_down(name: str | None, progress: Progress = quiet) -> Backend | None:
    """The lab `down` removes: the one named (recorded or not), the only one here, or None when none is."""
    if name is None and not known_labs():
        return None
    name = _only_lab(name)
    return open_lab(name, progress) if LabState(name).journal() else leftover_lab(name, progress)
