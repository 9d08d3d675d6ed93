"""Claims about a host, checked through testinfra (`hostcheck.service(host, "named", unit, packages)`)."""

from __future__ import annotations

from typing import Any

from airgaplab.suite.finding import fail


def service(host: Any, binary: str, unit: str, packages: str) -> None:
    """`binary` is installed and `unit` enabled and running on the testinfra `host`; else a Finding with the fix."""
    if not host.exists(binary):
        fail(f"{unit} is not installed", hint=f"Install it: `{packages}`.")
    svc = host.service(unit)
    if not svc.is_enabled:
        fail(f"{unit} is not enabled", hint=f"Enable it: `systemctl enable --now {unit}`.")
    if not svc.is_running:
        failed = host.run(f"systemctl is-failed {unit}").stdout.strip() == "failed"
        fail(f"{unit} is not running" + (f": its last start failed (`systemctl status {unit}` shows why)" if failed
                                         else ""))
