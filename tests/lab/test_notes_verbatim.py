"""The study notes, typed verbatim into a bare lab (tests/unit/notes/, heredocs and Korean comments
included), give a lab that passes the whole conformance suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

NOTES = Path(__file__).parent / "notes"
# (script, where it is typed), in the notes' order
SESSION = [("1-admin-ntp.sh", "admin"), ("2-node-ntp.sh", "nodes"), ("2-admin-clients.sh", "admin"),
           ("3-admin-dns.sh", "admin"), ("4-node-dns.sh", "nodes")]
SHELL_TROUBLE = ("command not found", "Directory nonexistent", "No such file", "Failed to connect to bus",
                 "communications error", "connection timed out")


def test_the_notes_typed_on_a_bare_lab_pass_the_suite(netns_lab, tmp_path: Path) -> None:
    be = netns_lab("notes", bare=True)
    nodes = [h.name for h in be.spec.nodes_list]
    for script, where in SESSION:
        for host in nodes if where == "nodes" else [where]:
            # typed into a root shell on the host, line by line; -e: any command that fails stops it
            r = be.transport.exec(host, ["bash", "-e"], input=(NOTES / script).read_bytes(), timeout=120)
            out = (r.stdout + r.stderr).decode(errors="replace")
            assert r.returncode == 0, f"{host}: {script} stopped (exit {r.returncode}):\n{out[-2000:]}"
            trouble = [t for t in SHELL_TROUBLE if t in out]
            assert not trouble, f"{host}: {script} printed {trouble}:\n{out[-2000:]}"
            if "dig +short google.com" in (NOTES / script).read_text():
                assert "198.51.100." in r.stdout.decode(), f"{host}: the notes' dig printed no address:\n{out}"
    results = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/conformance",
                           "--lab", be.spec.name, "--airgaplab-results", str(results)],
                          cwd=ROOT, capture_output=True, text=True, env=os.environ.copy(), timeout=600)
    outcomes = json.loads(results.read_text())
    bad = sorted({(o["req"], o["host"]) for o in outcomes if o["outcome"] != "PASS"})
    assert not bad and proc.returncode == 0, proc.stdout[-4000:]
    assert "26/26 requirements pass" in proc.stdout
