"""The daemons' own checkers on the files `up` would install: a spec whose rendering chronyd or named would
refuse is refused in one line before anything exists (the field validators do not know BIND's or chrony's
grammar; `named-checkconf` and `chronyd -p` do). Each service names its checks (`Service.checks`).

    refusal(spec, family("rocky10"))   # None, or "admin's /etc/named.conf would not load: named-checkconf: …"
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from airgaplab import kit
from airgaplab.lab import render
from airgaplab.lab.family import Family
from airgaplab.lab.spec import LabSpec
from airgaplab.services import registry


def run_checker(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """The lab's own checker (kit.py) where it was fetched, else the machine's."""
    own = kit.cached()
    if own is not None:
        return own.run(argv, timeout=30)
    return subprocess.run(argv, capture_output=True, text=True, timeout=30)


def have(tool: str) -> bool:
    return kit.cached() is not None or shutil.which(tool) is not None


def refusal(spec: LabSpec, fam: Family) -> str | None:
    """Why a daemon would refuse a file rendered from `spec` (one line), or None. A checker this machine lacks
    checks nothing (the hosts' own steps check again before they install)."""
    checks = [c for s in reversed(registry.of(spec)) for c in s.checks(fam)]
    seen: set[str] = set()  # the nodes' files are alike: each text is checked once (a hundred nodes, one check)
    with tempfile.TemporaryDirectory(prefix="airgaplab-check-") as tmp:
        for host in spec.hosts:
            files = render.files_for(spec, host, fam=fam)
            for c in checks:
                if c.path not in files or files[c.path] in seen or not have(c.tool):
                    continue
                seen.add(files[c.path])
                if why := c.check(files[c.path], Path(tmp), fam):
                    return f"{host.name}'s {c.path} would not load — {why}"
    return None
