"""The daemons' own checkers on the files `up` would install: a spec whose rendering chronyd or named would
refuse is refused in one line before anything exists (the field validators do not know BIND's or chrony's
grammar; `named-checkconf` and `chronyd -p` do).

    refusal(spec, family("rocky10"))   # None, or "admin's /etc/named.conf would not load: named-checkconf: …"
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from airgaplab.lab import render
from airgaplab.lab.family import Family
from airgaplab.lab.spec import LabSpec

INCLUDE = re.compile(r'^\s*include\s+"[^"]*"\s*;\s*$', re.M)  # the OS's stock files: known good, maybe absent here
DIRECTORY = re.compile(r'(\bdirectory\s+)"[^"]*"(\s*;)')


def _named_checkconf(text: str, work: Path) -> str | None:
    conf = work / "named.conf"
    conf.write_text(DIRECTORY.sub(rf'\1"{work}"\2', INCLUDE.sub("", text)))
    r = subprocess.run(["named-checkconf", str(conf)], capture_output=True, text=True, timeout=30)
    said = (r.stdout + r.stderr).replace(f"{conf}:", "line ").strip()
    return None if r.returncode == 0 else f"named-checkconf: {said.splitlines()[0] if said else f'exit {r.returncode}'}"


def _chronyd_parse(text: str, work: Path) -> str | None:
    conf = work / "chrony.conf"
    conf.write_text(text)
    r = subprocess.run(["chronyd", "-p", "-f", str(conf)], capture_output=True, text=True, timeout=30)
    said = re.sub(r"^\S+Z\s+", "", (r.stderr.strip() or r.stdout.strip()).replace(str(conf), "chrony.conf"))
    return None if r.returncode == 0 else f"chronyd -p: {said.splitlines()[0] if said else f'exit {r.returncode}'}"


def refusal(spec: LabSpec, fam: Family) -> str | None:
    """Why a daemon would refuse a file rendered from `spec` (one line), or None. A checker this machine lacks
    checks nothing (the hosts' own steps check again before they install)."""
    checks = [(fam.named_conf, "named-checkconf", _named_checkconf), (fam.chrony_conf, "chronyd", _chronyd_parse)]
    seen: set[str] = set()  # the nodes' files are alike: each text is checked once (a hundred nodes, one check)
    with tempfile.TemporaryDirectory(prefix="airgaplab-check-") as tmp:
        for host in spec.hosts:
            files = render.files_for(spec, host, fam=fam)
            for path, tool, check in checks:
                if path not in files or files[path] in seen or not shutil.which(tool):
                    continue
                seen.add(files[path])
                if why := check(files[path], Path(tmp)):
                    return f"{host.name}'s {path} would not load — {why}"
    return None
