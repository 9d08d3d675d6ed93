"""The seats' lifecycle: a class comes up side by side and goes down whole (idempotent, also after a killed
`class up`); actions.py changes one seat while the others stay as they are.

    roster = plan(3, "netns", [], spec_file, bare=False)   # checked and placed; nothing created yet
    up(roster, say)                                        # the roster saved first, then the seats
    open_seat(roster.seat("seat-02"))                      # that seat's lab (a Backend)
    down(say)                                              # every seat, the gateway, the record
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from airgaplab.backends import REGISTRY, known_labs, lab_to_take_down, make_backend, open_lab, registered
from airgaplab.backends.base import Backend
from airgaplab.backends.lifecycle import up_or_clean
from airgaplab.backends.seating import LOCAL
from airgaplab.classroom import gateway
from airgaplab.classroom.placement import place
from airgaplab.classroom.roster import SEAT, Roster, Seat, class_dir, seat_name
from airgaplab.errors import LabError, UserError
from airgaplab.lab.specfile import load_spec

MAX_SEATS = 99
UP_SIDE_BY_SIDE = 8  # seats coming up at once: much of the work is waiting (daemons starting, VMs booting)

Say = Callable[[str], None]


def plan(seats: int, backend: str, hosts: list[str], spec_file: Path, *, bare: bool) -> Roster:
    """The class as it will be: seats named, each placed; UserError (exit 2) on anything that stops it."""
    if not 1 <= seats <= MAX_SEATS:
        raise UserError(f"--seats {seats}: a class has 1 to {MAX_SEATS} seats")
    if not registered(backend).seats:
        raise UserError(f"--backend {backend}: no seats on this backend — use {', '.join(seat_backends())}")
    if Roster.load() is not None:
        raise UserError("a class is up here already — `airgaplab class status` shows it, `airgaplab class down` "
                        "ends it")
    names = [seat_name(n) for n in range(1, seats + 1)]
    taken = sorted(set(names) & set(known_labs()))
    if taken:
        raise UserError(f"labs named {', '.join(taken)} exist already (not a class's): `airgaplab down --name "
                        f"{taken[0]}` first")
    spec = load_spec(spec_file)  # a bad spec is one line now, not one per seat later
    elsewhere = [n for n in names if make_backend(backend, spec.model_copy(update={"name": n})).leftovers()]
    if elsewhere:  # another state dir's class (or labs) on this machine: seat names are the machine's
        raise UserError(f"labs named {', '.join(elsewhere)} of another state dir are up on this machine — one class "
                        "per machine: `airgaplab class down` with that class's AIRGAPLAB_STATE first")
    seating = registered(backend).seating()
    placed = place(names, seating.hosts(hosts, spec), seating.need(spec))  # libvirt hosts asked: after the cheap checks
    return Roster(backend=backend, spec_file=str(spec_file), bare=bare,
                  seats=[Seat(name=n, lab=n, host=placed[n]) for n in names])


def seat_backends() -> list[str]:
    return [r.name for r in REGISTRY.values() if r.seats]


def seat_backend(roster: Roster, seat: Seat, say: Say) -> Backend:
    spec = load_spec(Path(roster.spec_file)).model_copy(update={"name": seat.lab})
    spec = registered(roster.backend).seating().placed(spec, seat.host)
    return make_backend(roster.backend, spec, lambda m: say(f"{seat.name}: {m}"))


def up(roster: Roster, say: Say) -> dict[str, float]:
    """Every seat up (a few side by side); seconds each took. A seat that fails takes the class down with it:
    nothing is left half-created, and the error names the seat."""
    roster.save()  # before anything exists: `class down` after a SIGKILL reads it
    took: dict[str, float] = {}

    def one(seat: Seat) -> None:
        took[seat.name] = up_or_clean(seat_backend(roster, seat, lambda m: None), bare=roster.bare)
        say(f"{seat.name} up in {took[seat.name]:.1f} s")

    try:
        with ThreadPoolExecutor(max_workers=UP_SIDE_BY_SIDE) as pool:
            for wave in waves(roster.seats):
                for f in [pool.submit(one, s) for s in wave]:
                    f.result()
    except BaseException as e:
        say("a seat failed: taking the class down again")
        down(say)
        if isinstance(e, UserError | LabError):
            raise LabError(f"class up failed: {e}") from None
        raise
    return took


def waves(seats: list[Seat]) -> list[list[Seat]]:
    """The seats in the order they come up: a libvirt host's first seat before its others (vagrant-libvirt
    uploads the box into a host's pool when it is not there; two seats at once would both upload it), every
    seat of this machine's at once."""
    first = {s.host: s for s in reversed(seats) if s.host != LOCAL}
    firsts = [s for s in seats if first.get(s.host) is s]
    rest = [s for s in seats if s not in firsts]
    return [w for w in (firsts, rest) if w]


def open_seat(seat: Seat) -> Backend:
    return open_lab(seat.lab)


def shell_argv(seat: Seat, host: str) -> list[str]:
    """The command that opens a shell on one host of a seat: what the ssh gateway and the board's terminals run."""
    return [sys.executable, "-m", "airgaplab", "shell", "--name", seat.lab, host]


def down(say: Say) -> list[str]:
    """Every seat of the class down, the gateway stopped, the record removed; the labs taken down. Seats whose
    record is gone (a class up killed before it was written) are found by their names."""
    roster = Roster.load()
    labs = {s.lab for s in roster.seats} if roster else set()
    labs |= {lab for lab in known_labs() if SEAT.match(lab)} if roster is None else set()
    gateway.stop()
    removed: list[str] = []

    def one(lab: str) -> None:
        be = lab_to_take_down(lab, lambda m: None)
        if be is not None and be.down():
            removed.append(lab)
            say(f"{lab} down")

    with ThreadPoolExecutor(max_workers=UP_SIDE_BY_SIDE) as pool:
        list(pool.map(one, sorted(labs)))
    shutil.rmtree(class_dir(), ignore_errors=True)
    return sorted(removed)
