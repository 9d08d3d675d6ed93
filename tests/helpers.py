"""What every tier of the harness's tests shares: the checkout, the CLI as a subprocess, lab traces."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def needs_root() -> pytest.MarkDecorator:
    """Skipped without root, naming it — except under CI (.ci/run runs as root): there the tests run and fail, and a
    CI that lost root cannot pass with a tier skipped."""
    return pytest.mark.skipif(os.geteuid() != 0 and not os.environ.get("CI"),
                              reason="needs root (network and mount namespaces): run it with sudo")


def unavailable(what: str, how: str) -> None:
    """`what` is missing here: a failure under CI (.ci/run installs it: skipping would hide that it did not), a
    skip that names it and how to get it elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} — {how}")
    pytest.skip(f"{what} ({how})")


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`airgaplab ARGS` in a process of its own (the lab tier: commands that outlive a call, signals)."""
    return subprocess.run([sys.executable, "-m", "airgaplab", *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200", **(env or {})}, timeout=timeout, cwd=ROOT)


def lab_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def lab_traces(name: str) -> dict[str, list[str]]:
    """Everything of lab `name` visible from the root namespace (should be empty after down)."""
    prefix = f"agl.{name}."
    netns = [n for n in (os.listdir("/run/netns") if os.path.isdir("/run/netns") else []) if n.startswith(prefix)]
    mounts = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines() if f"/{name}/" in line]
    return {"netns": netns, "mounts": mounts}


def root_ns_lab_addresses() -> list[str]:
    """Lab addresses or veths in the machine's root namespace (must always be empty)."""
    addrs = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    bad = [line for line in addrs.splitlines()
           if any(r in line for r in (" 192.168.10.", " 203.0.113.", " 198.51.100."))]
    bad += [line for line in links.splitlines() if "veth" in line or " eth1" in line or "link-netns agl." in line]
    return bad


def suite(name: str, results: Path, *args: str, timeout: float = 900,
          env: dict[str, str] | None = None) -> tuple[list[dict], str]:
    """The conformance suite on lab `name` in a pytest of its own: (outcomes, its output)."""
    import json

    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/conformance",
                           "--lab", name, "--airgaplab-results", str(results), *args],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=timeout)
    return (json.loads(results.read_text()) if results.exists() else []), proc.stdout + proc.stderr


# What a student or an operator looks at, read on every host in one command: each daemon's state (active,
# enabled, Main PID: a restart changes it), and every file under /etc and /var/named with its mode, owner and
# mtime (the daemons' own data, named's cache dumps and journals, excepted)
FOOTPRINT = r"""
for u in {units}; do
  printf 'unit %s %s %s %s\n' "$u" "$(systemctl is-active "$u" 2>/dev/null)" "$(systemctl is-enabled "$u" 2>/dev/null)" \
    "$(systemctl status --no-pager "$u" 2>/dev/null | sed -n 's/.*Main PID: \([0-9]*\).*/\1/p' | head -n 1)"
done
files() {{ find /etc /var/named -xdev -type f ! -path '/var/named/data/*' ! -path '/var/named/dynamic/*' "$@"; }}
files -printf 'file %p %m %u %T@\n' 2>/dev/null | sort
files -exec sha256sum {{}} + 2>/dev/null | sort
"""


def footprint(be) -> dict[str, list[str]]:
    """Every host's daemons and files (FOOTPRINT), and the hosts in admin's `chronyc clients` other than the
    grader's own address: equal before and after anything that only observes the lab."""
    from airgaplab.backends.base import Backend

    assert isinstance(be, Backend)

    def on(host: str, script: str) -> str:
        return be.transport.exec(host, ["sh", "-c", script], timeout=120).stdout.decode(errors="replace")

    return footprint_via(on, be.spec, be.family)


def footprint_via(on, spec, fam) -> dict[str, list[str]]:
    """footprint() with `on(host, script)` → its output as the way in (the VM test goes through the CLI)."""
    from concurrent.futures import ThreadPoolExecutor

    units = " ".join((fam.chrony_service, fam.named_service, "NetworkManager"))
    with ThreadPoolExecutor(len(spec.host_names)) as pool:
        seen = dict(zip(spec.host_names, pool.map(lambda h: on(h, FOOTPRINT.format(units=units)).splitlines(),
                                                  spec.host_names), strict=True))
    admin = (spec.server_for("ntp") or spec.hosts[0]).name
    clients = on(admin, "chronyc -n -c clients")
    seen["chronyc clients"] = sorted({line.split(",")[0] for line in clients.splitlines() if line.strip()}
                                     - {spec.grader_ip})
    return seen


def unchanged(before: dict[str, list[str]], after: dict[str, list[str]], what: str) -> None:
    """Assert that `what` left no trace: the lines of each footprint that differ, if any."""
    diffs = {k: ([f"- {x}" for x in before[k] if x not in after.get(k, [])]
                 + [f"+ {x}" for x in after.get(k, []) if x not in before[k]]) for k in before}
    diffs = {k: v for k, v in diffs.items() if v}
    assert not diffs, f"{what} changed the lab: " + "; ".join(f"{k}: {' '.join(v)[:600]}" for k, v in diffs.items())


def sent_to_admin(lab) -> dict[str, int]:
    """How many requests each node's own chronyd has sent to admin (its `chronyc ntpdata`)."""
    from airgaplab.probes import chrony

    admin = lab.spec.server_for("ntp").ip
    sent = {}
    for h in lab.spec.hosts:
        if not h.is_server:
            r = lab.transport.exec(h.name, ["chronyc", "-n", "ntpdata", admin], timeout=30)
            sent[h.ip] = sum(t.sent for t in chrony.traffic(r.stdout.decode(errors="replace")))
    return sent


def script_module(name: str) -> ModuleType:
    """scripts/NAME.py loaded as a module, as the Makefile runs it (its functions for a test to call)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
