"""Named network namespaces, as every backend finds them: a netns lab's hosts and a VM lab's private hypervisor
are `agl.<lab>.*` — names of the machine's, not of a state dir's."""

from __future__ import annotations

import os


def existing_netns(prefix: str) -> list[str]:
    """Named network namespaces whose names start with `prefix`."""
    try:
        names = os.listdir("/run/netns")
    except FileNotFoundError:
        return []
    return [n for n in names if n.startswith(prefix)]
