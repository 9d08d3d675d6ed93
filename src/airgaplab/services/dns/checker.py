"""named's own checker on a named.conf the lab would install (`named-checkconf`), the OS's stock includes left
out (known good, maybe absent here) and the trust anchor given in the form BIND requires."""

from __future__ import annotations

import re
from pathlib import Path

from airgaplab.lab.checkers import run_checker
from airgaplab.lab.family import Family

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


def named_checkconf(text: str, work: Path, fam: Family) -> str | None:
    conf = work / "named.conf"

    def stock(m: re.Match[str]) -> str:
        return ROOT_TRUST_ANCHOR if m.group(1) == fam.root_key else ""

    conf.write_text(DIRECTORY.sub(rf'\1"{work}"\2', INCLUDE.sub(stock, text)))
    r = run_checker(["named-checkconf", str(conf)])
    said = (r.stdout + r.stderr).replace(f"{conf}:", "line ").strip()
    return None if r.returncode == 0 else f"named-checkconf: {said.splitlines()[0] if said else f'exit {r.returncode}'}"
