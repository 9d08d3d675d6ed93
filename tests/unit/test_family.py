"""OS families: one table for paths and names; hints in the family's terms; --os/--hypervisor values."""

from __future__ import annotations

from pathlib import Path

import pytest

from airgaplab.errors import UserError
from airgaplab.lab.family import FAMILIES, ROCKY, family
from airgaplab.lab.spec import OS_NAMES
from airgaplab.lab.specfile import load_spec, with_vm_options
from airgaplab.paths import default_lab_file
from airgaplab.suite.catalog import requirement


def test_every_os_the_spec_accepts_has_a_family() -> None:
    assert set(OS_NAMES) == set(FAMILIES)
    for fam in FAMILIES.values():
        assert fam.chrony_bak.endswith("/chrony.bak") and fam.named_bak.endswith(".bak")
        assert Path(fam.chrony_conf).parent == Path(fam.chrony_bak).parent  # the notes' backup sits beside


def test_hints_name_the_familys_own_paths() -> None:
    hint = requirement("NTP-SRV-4").hint
    assert "/etc/chrony.conf" in hint
    assert ROCKY.localize(hint) == hint
    debian = family("debian12").localize(hint)
    assert "/etc/chrony/chrony.conf" in debian and "/etc/chrony.conf" not in debian
    dns = family("debian12").localize(requirement("DNS-SRV-1").hint)
    assert "named-checkconf /etc/bind/named.conf" in dns and "/etc/named.conf" not in dns


def test_vm_options_apply_and_reject_unknown_values() -> None:
    spec = load_spec(default_lab_file())
    got = with_vm_options(spec, "debian12", "private")
    assert (got.vm.os, got.vm.hypervisor) == ("debian12", "private")
    assert with_vm_options(spec, None, None) == spec
    with pytest.raises(UserError, match="--os windows: unknown guest OS"):
        with_vm_options(spec, "windows", None)
    with pytest.raises(UserError, match="--hypervisor xen"):
        with_vm_options(spec, None, "xen")


def test_the_os_table_is_the_one_source_of_os_facts() -> None:
    """Drills name the family's files and units (no Rocky path patched in afterwards), the boxes built here are
    exactly the families whose table says so, and the spec's OS list is the table's."""
    from airgaplab.backends.vagrant.guests import box
    from airgaplab.exercise.drills import DRILLS

    spec = load_spec(default_lab_file())
    debian = FAMILIES["debian12"]
    said = " ".join(cmd for d in DRILLS.values() for _, cmd in d.commands(spec, debian) + d.commands(spec, debian, d.undo))
    assert "/etc/chrony.conf" not in said and "/etc/named.conf" not in said and "restart chronyd" not in said
    assert debian.chrony_conf in said and debian.named_conf in said and f"restart {debian.chrony_service}" in said
    assert set(box.RECIPES) == {f.os for f in FAMILIES.values() if f.box_built_here}
    assert tuple(FAMILIES) == OS_NAMES
