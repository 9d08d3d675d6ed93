"""Write a copy of a lab spec whose guests fit this machine's free memory (the nightly runner's): every guest's
memory scaled down alike, none below 1 GiB; exit 2, in one line, where even that does not fit.

    .venv/bin/python scripts/fit-memory.py labs/ntp-dns.yaml reports/nightly-lab.yaml
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from airgaplab.backends.vagrant import doctor as vdoctor
from airgaplab.lab.specfile import load_spec


def main(src: str, dest: str) -> int:
    spec = load_spec(Path(src))
    avail = vdoctor.mem_available_mib()
    fitted = vdoctor.fit_memory(spec, avail)
    if fitted is None:
        print(f"fit-memory: {avail} MiB available cannot hold {len(spec.hosts)} guests of 1 GiB and this machine's "
              "share — use a larger runner or fewer --nodes", file=sys.stderr)
        return 2
    Path(dest).parent.mkdir(parents=True, exist_ok=True)
    Path(dest).write_text(yaml.safe_dump(fitted.model_dump(mode="json", exclude_none=True), sort_keys=False))
    sizes = ", ".join(f"{h.name} {h.memory or fitted.vm.memory} MiB" for h in fitted.hosts)
    print(f"fit-memory: {avail} MiB available, {vdoctor.memory_needed(fitted)} MiB needed: {sizes} → {dest}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: fit-memory.py SPEC OUT", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
