"""`systemctl status`'s age on a netns host, in systemd's own words ("2min 12s ago", not "132s ago")."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.helpers import ROOT

SHIM = ROOT / "src/airgaplab/backends/netns/shims/systemctl-status.sh"


@pytest.mark.parametrize(("seconds", "said"), [
    (5, "5s ago"), (60, "1min ago"), (132, "2min 12s ago"), (3600, "1h ago"), (9780, "2h 43min ago"),
    (86400, "1 day ago"), (266400, "3 days 2h ago"),
])
def test_ages_as_systemd_prints_them(seconds: int, said: str) -> None:
    body = re.search(r"^ago\(\) \{\n.*?^\}\n", SHIM.read_text(), re.M | re.S)
    assert body, "systemctl-status.sh (the systemctl shim's views) has no ago()"
    r = subprocess.run(["bash", "-c", f"{body.group(0)}\nago {seconds}"], capture_output=True, text=True, timeout=10)
    assert r.stdout == said, r
