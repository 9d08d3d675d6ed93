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

from airgaplab import kit
from airgaplab.lab import render
from airgaplab.lab.family import Family
from airgaplab.lab.spec import LabSpec

INCLUDE = re.compile(r'^\s*include\s+"([^"]*)"\s*;\s*$', re.M)  # the OS's stock files: known good, maybe absent here
DIRECTORY = re.compile(r'(\bdirectory\s+)"[^"]*"(\s*;)')
# What the OS's root-key file holds (Rocky's /etc/named.root.key, the lab's with its own root's key): a trust
# anchor, which BIND 9.20 requires of `dnssec-validation yes`. The check needs its form, not the lab's key: the
# root's KSK-2017, as both ship it.
ROOT_KSK_2017 = (
    "AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh"
    "4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb"
    "9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6"
    "+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU="
)
ROOT_TRUST_ANCHOR = f'trust-anchors {{\n\t. initial-key 257 3 8 "{ROOT_KSK_2017}";\n}};\n'


def _named_checkconf(text: str, work: Path, fam: Family) -> str | None:
    conf = work / "named.conf"

    def stock(m: re.Match[str]) -> str:
        return ROOT_TRUST_ANCHOR if m.group(1) == fam.root_key else ""

    conf.write_text(DIRECTORY.sub(rf'\1"{work}"\2', INCLUDE.sub(stock, text)))
    r = _checker(["named-checkconf", str(conf)])
    said = (r.stdout + r.stderr).replace(f"{conf}:", "line ").strip()
    return None if r.returncode == 0 else f"named-checkconf: {said.splitlines()[0] if said else f'exit {r.returncode}'}"


def _chronyd_parse(text: str, work: Path, fam: Family) -> str | None:
    conf = work / "chrony.conf"
    conf.write_text(text)
    r = _checker(["chronyd", "-p", "-f", str(conf)])
    said = re.sub(r"^\S+Z\s+", "", (r.stderr.strip() or r.stdout.strip()).replace(str(conf), "chrony.conf"))
    return None if r.returncode == 0 else f"chronyd -p: {said.splitlines()[0] if said else f'exit {r.returncode}'}"


def _checker(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """The lab's own checker (kit.py) where it was fetched, else the machine's."""
    own = kit.cached()
    if own is not None:
        return own.run(argv, timeout=30)
    return subprocess.run(argv, capture_output=True, text=True, timeout=30)


def _have(tool: str) -> bool:
    return kit.cached() is not None or shutil.which(tool) is not None


def refusal(spec: LabSpec, fam: Family) -> str | None:
    """Why a daemon would refuse a file rendered from `spec` (one line), or None. A checker this machine lacks
    checks nothing (the hosts' own steps check again before they install)."""
    checks = [(fam.named_conf, "named-checkconf", _named_checkconf), (fam.chrony_conf, "chronyd", _chronyd_parse)]
    seen: set[str] = set()  # the nodes' files are alike: each text is checked once (a hundred nodes, one check)
    with tempfile.TemporaryDirectory(prefix="airgaplab-check-") as tmp:
        for host in spec.hosts:
            files = render.files_for(spec, host, fam=fam)
            for path, tool, check in checks:
                if path not in files or files[path] in seen or not _have(tool):
                    continue
                seen.add(files[path])
                if why := check(files[path], Path(tmp), fam):
                    return f"{host.name}'s {path} would not load — {why}"
    return None
