"""chronyd's own parser on a chrony.conf the lab would install (`chronyd -p`)."""

from __future__ import annotations

import re
from pathlib import Path

from airgaplab.lab.checkers import run_checker
from airgaplab.lab.family import Family


def chronyd_parse(text: str, work: Path, fam: Family) -> str | None:
    conf = work / "chrony.conf"
    conf.write_text(text)
    r = run_checker(["chronyd", "-p", "-f", str(conf)])
    said = re.sub(r"^\S+Z\s+", "", (r.stderr.strip() or r.stdout.strip()).replace(str(conf), "chrony.conf"))
    return None if r.returncode == 0 else f"chronyd -p: {said.splitlines()[0] if said else f'exit {r.returncode}'}"
