"""Saved lab states: back to a known state in seconds, as often as a study group breaks its lab.

    states.save(be, "before-lunch")     # every host as it is now
    states.saved(be), states.delete(be, "before-lunch")
    rewind.reset(be, "before-lunch")    # back to it, faults and the drill undone too (airgaplab.rewind)

A state holds what the hosts hold (files, which daemons run); what lives in the network (a fault's
link or rule, a drill's route) is undone before the hosts are restored. The backend does the rest
(`save_state`, `restore_state`); the states live in the lab's state dir and go with `down`.
"""

from __future__ import annotations

import re
import shutil

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


def check_name(name: str) -> None:
    if not NAME.match(name):
        raise UserError(f"state name {name!r}: use lower-case letters, digits, '.', '_' and '-' (up to 40), "
                        "e.g. `before-step-3`")


def known(be: Backend, name: str) -> None:
    have = saved(be)
    if name not in have:
        listed = f"saved: {', '.join(have)}" if have else "none is saved"
        raise UserError(f"lab {be.spec.name!r} has no saved state {name!r} ({listed}) — "
                        "`airgaplab state save NAME` saves one")


def save(be: Backend, name: str) -> None:
    check_name(name)
    be.save_state(name)  # a backend that cannot says why


def delete(be: Backend, name: str) -> None:
    check_name(name)
    known(be, name)
    be.delete_state(name)
    shutil.rmtree(be.state.states_dir / name)
