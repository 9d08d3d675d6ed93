"""Going back: to a saved state, or to the lab as it was before its drill.

    rewind.reset(be)                    # the state `up` saved (provisioned, or bare)
    rewind.reset(be, "before-lunch")    # a state of the group's own
    rewind.undo_drill(be)               # the active drill undone (its saved state, or re-provisioning)

Above states (what the hosts hold), drills and faults (what lives in the network), so that none of those
imports another to undo it.
"""

from __future__ import annotations

from airgaplab.backends.base import Backend
from airgaplab.exercise import drills, faults, states


def reset(be: Backend, name: str | None = None) -> str:
    """Every host back to saved state `name` (default: the one `up` saved), faults and the drill undone."""
    name = name or states.default(be)
    states.check_name(name)
    if not be.can_save_states:
        be.restore_state(name)  # says why it cannot
    states.known(be, name)
    faults.clear(be)
    drills.undo(be)  # what lives in the network (a route, a rule): the hosts' files come from the state
    be.restore_state(name)
    be.state.record_drill(None)
    return name


def undo_drill(be: Backend, *, use_state: bool = True) -> str | None:
    """Undo the active drill: back to the state saved before it (where the backend saves states), else its
    undo commands and the provisioning again (files restored, daemons whose files changed restarted).
    Returns the drill's name, if one was active."""
    if use_state and be.can_save_states and states.BEFORE_DRILL in states.saved(be):
        d = drills.active(be.state)
        reset(be, states.BEFORE_DRILL)
        return d.name if d else None
    undone = drills.undo(be)
    be.provision()
    be.state.record_drill(None)
    return undone
