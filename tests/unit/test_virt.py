"""libvirt through its binding, against libvirt's own test driver (test:///default: a real libvirt connection
with one running domain `test`, a network `default` on virbr0 and a pool, all in memory)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from airgaplab.backends.vagrant.libvirt.virt import Virt, binding_missing, private_uri
from airgaplab.errors import LabError

pytest.importorskip("libvirt", reason="libvirt-python is not installed (make deps-vm venv)")
TEST = "test:///default"


def test_the_binding_is_there_and_says_the_daemons_version_and_size() -> None:
    assert binding_missing() is None
    with Virt.connect(TEST) as v:
        assert re.fullmatch(r"\d+\.\d+\.\d+", v.version())
        size = v.resources()
        assert size.memory_mib > 0 and size.cpus > 0 and 0 < size.free_mib <= size.memory_mib
        assert v.domains() == ["test"]


def test_a_snapshot_is_taken_replaced_reverted_and_deleted() -> None:
    with Virt.connect(TEST) as v:
        v.snapshot_create("test", "healthy")
        v.snapshot_create("test", "healthy")  # a re-save replaces it
        assert v.snapshots("test") == ["healthy"]
        v.snapshot_revert("test", "healthy")
        v.snapshot_delete("test", "healthy")
        v.snapshot_delete("test", "healthy")  # gone already: nothing
        v.snapshot_delete("no-such-domain", "healthy")
        assert v.snapshots("test") == []


def test_reverting_to_a_snapshot_that_is_not_there_is_one_line_naming_domain_and_uri() -> None:
    with Virt.connect(TEST) as v, pytest.raises(LabError) as e:
        v.snapshot_revert("test", "never-saved")
    assert "test: finding snapshot never-saved failed (test:///default)" in str(e.value) and "\n" not in str(e.value)


def test_networks_are_read_and_removed_once() -> None:
    with Virt.connect(TEST) as v:
        assert v.bridge("default") == "virbr0" and v.bridge("no-such-network") is None
        v.remove_network("default")
        v.remove_network("default")  # not there: nothing
        assert v.bridge("default") is None


def test_the_storage_pool_is_defined_and_started_once(tmp_path: Path) -> None:
    with Virt.connect(TEST) as v:
        v.ensure_pool("images", str(tmp_path))
        v.ensure_pool("images", str(tmp_path))
        assert v.conn.storagePoolLookupByName("images").isActive()


def test_a_daemon_that_does_not_answer_is_one_line_with_its_uri() -> None:
    uri = private_uri(999_999_999)  # no such process: no socket
    assert uri == "qemu:///system?socket=/proc/999999999/root/run/libvirt/libvirt-sock"
    assert not Virt.answers(uri)
    with pytest.raises(LabError) as e, Virt.connect(uri):
        pass
    assert str(e.value).startswith(f"libvirt at {uri} does not answer") and "\n" not in str(e.value)
