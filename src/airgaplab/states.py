"""Saved lab states: back to a known state in seconds, as often as a study group breaks its lab.

    states.save(be, "before-lunch")     # every host as it is now
    states.reset(be)                    # back to the state `up` saved (provisioned, or bare)
    states.reset(be, "before-lunch")    # faults and the drill undone too
    states.saved(be), states.delete(be, "before-lunch")

A state holds what the hosts hold (files, which daemons run); what lives in the network (a fault's
link or rule, a drill's route) is undone before the hosts are restored. The backend does the rest
(`save_state`, `restore_state`); the states live in the lab's state dir and go with `down`.
"""

from __future__ import annotations

import re
import shutil

from airgaplab import drills, faults
from airgaplab.backends.base import Backend
from airgaplab.errors import UserError

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
BEFORE_DRILL = "before-drill"  # saved by `airgaplab drill NAME`, restored by `drill --reset`


def default(be: Backend) -> str:
    """The state `up` saved: `bare` after `up --bare`, else `provisioned`."""
    journal = be.state.journal()
    return "bare" if journal is not None and journal.bare else "provisioned"


def saved(be: Backend) -> list[str]:
    return be.state.saved_states()


def _check(name: str) -> None:
    if not NAME.match(name):
        raise UserError(f"state name {name!r}: use lower-case letters, digits, '.', '_' and '-' (up to 40), "
                        "e.g. `before-step-3`")


def _known(be: Backend, name: str) -> None:
    have = saved(be)
    if name not in have:
        listed = f"saved: {', '.join(have)}" if have else "none is saved"
        raise UserError(f"lab {be.spec.name!r} has no saved state {name!r} ({listed}) — "
                        "`airgaplab state save NAME` saves one")


def save(be: Backend, name: str) -> None:
    _check(name)
    be.save_state(name)  # a backend that cannot says why


def delete(be: Backend, name: str) -> None:
    _check(name)
    _known(be, name)
    be.delete_state(name)
    shutil.rmtree(be.state.states_dir / name)


def reset(be: Backend, name: str | None = None) -> str:
    """Every host back to saved state `name` (default: the one `up` saved), faults and the drill undone."""
    name = name or default(be)
    _check(name)
    if not be.can_save_states:
        be.restore_state(name)  # says why it cannot
    _known(be, name)
    faults.clear(be)
    drills.undo(be)  # what lives in the network (a route, a rule): the hosts' files come from the state
    be.restore_state(name)
    be.state.record_drill(None)
    return name
