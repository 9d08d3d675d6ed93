"""doctor tells a chroot from a machine or a container: in a chroot, a host entered by its mount namespace would see
that namespace's root (the machine's), and `up` failed with "…/ns/admin.mnt: No such file or directory"."""

from __future__ import annotations

import os
from pathlib import Path

from airgaplab.backends.netns.backend import NetnsBackend
from airgaplab.backends.netns.doctor import in_chroot
from airgaplab.backends.netns.syscalls import CLONE_NEWNS, MS_BIND, MS_PRIVATE, MS_REC, mount, unshare
from airgaplab.errors import UserError
from airgaplab.lab.specfile import load_spec
from airgaplab.paths import default_lab_file
from tests.helpers import needs_root


@needs_root()
def test_a_chroot_is_found_and_the_machine_is_not(tmp_path: Path) -> None:
    assert not in_chroot()
    backend = NetnsBackend(load_spec(default_lab_file()))  # made here: nothing is importable in the bare dir
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a child of its own: a private mount namespace, /proc bound into a bare dir, chroot there
        said = b"?"
        try:
            unshare(CLONE_NEWNS)
            mount(None, "/", None, MS_REC | MS_PRIVATE)
            (tmp_path / "proc").mkdir()
            mount("/proc", str(tmp_path / "proc"), None, MS_BIND)
            os.chroot(tmp_path)
            said = b"chroot" if in_chroot() else b"machine"
            try:
                backend.preflight()
            except UserError as e:
                said += b" refused" if "run the lab in a container" in str(e) else b" other"
        finally:
            os.write(write, said)
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        got = f.read()
    os.waitpid(pid, 0)
    assert got == b"chroot refused"  # `up` stops before anything is made, saying what to do
