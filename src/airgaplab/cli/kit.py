"""`airgaplab kit`: the netns lab's own chrony and BIND (kit.py), fetched now rather than at the first `up` — for an
image built once and run offline (the Containerfile), or a machine about to lose its network."""

from __future__ import annotations

from airgaplab import kit as kit_mod
from airgaplab.cli.console import Steps, out


def kit() -> None:
    """Fetch the netns lab's own chrony and BIND (the distribution's packages, unpacked into a cache; nothing is
    installed on this machine) and say which versions and where. `up` does this the first time on its own."""
    with Steps() as steps:
        got = kit_mod.ensure(steps)
    v = got.versions
    out.print(", ".join(f"{p} {v[p]}" for p in sorted(v)), highlight=False)
    out.print(f"in {got.root}", highlight=False)
