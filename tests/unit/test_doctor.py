"""doctor and the backends agree on what a machine needs."""

from __future__ import annotations

import pytest

from airgaplab.errors import UserError
from airgaplab.lab.specfile import load_spec
from airgaplab.paths import default_lab_file


def test_doctor_and_up_need_the_same_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    """One list: doctor cannot pass while `up` refuses for a missing tool (e.g. dnssec-dsfromkey)."""
    import shutil

    from airgaplab.backends.netns import doctor as ndoctor
    from airgaplab.backends.netns.backend import NetnsBackend

    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda t, *a, **k: None if t == "dnssec-dsfromkey" else real(t, *a, **k))
    spec = load_spec(default_lab_file())
    tools = {f.check: f for f in ndoctor.findings(spec)}["chronyd, named, dig, iproute2"]
    assert not tools.ok and "bind9-utils" in tools.detail
    monkeypatch.setattr("os.geteuid", lambda: 0)
    with pytest.raises(UserError, match="missing on this machine: dnssec-dsfromkey"):
        NetnsBackend(spec).preflight()
