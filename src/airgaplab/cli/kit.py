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
    out.print(f"{got.summary} (with {len(got.versions) - 2} more packages: the BIND tools, the libraries)",
              highlight=False)
    out.print(f"in {got.root}", highlight=False)
