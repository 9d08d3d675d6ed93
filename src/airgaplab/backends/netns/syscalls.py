"""The system calls a netns host is made of (mount, setns, unshare), through libc: one forked child of airgaplab
makes a lab's views with them (viewmount.py), and the keeper each host's boots (keeper.py, pid1.py).
Standard library only (the keeper imports it)."""

from __future__ import annotations

import ctypes
import errno
import os
import time

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWNET = 0x00020000, 0x04000000, 0x40000000
CLONE_NEWPID, CLONE_NEWTIME, CLONE_NEWIPC = 0x20000000, 0x00000080, 0x08000000
BOOT_KINDS = ("pid", "time", "ipc")  # the namespaces a lab host's boot makes new (pid1.py), bound as NS_DIR/HOST.KIND
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND = 1, 2, 4, 8, 32, 4096
MS_REC, MS_PRIVATE = 16384, 1 << 18
MNT_DETACH = 2
libc = ctypes.CDLL(None, use_errno=True)


def check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _b(s: str | None) -> bytes | None:
    return s.encode() if s is not None else None


def mount(source: str | None, target: str, fstype: str | None, flags: int = 0, data: str | None = None) -> None:
    check(libc.mount(_b(source), target.encode(), _b(fstype), ctypes.c_ulong(flags), _b(data)), f"mount {target}")


def detach(target: str) -> None:
    """The mount at `target` out of this namespace, with what is below it (not there: nothing to do)."""
    libc.umount2(target.encode(), MNT_DETACH)


# Linux 6.18 in a container of Debian 13 now and then refuses, with EINVAL, a mount namespace made a moment before
# (its bind and its setns alike), then takes it: a mount namespace is asked again, for up to two seconds.
EINVAL_AGAIN_S = 2.0


def setns(path: str, kind: int) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        deadline = time.monotonic() + (EINVAL_AGAIN_S if kind == CLONE_NEWNS else 0)
        while libc.setns(fd, kind) != 0:
            if ctypes.get_errno() != errno.EINVAL or time.monotonic() > deadline:
                check(-1, f"setns {path}")
            time.sleep(0.01)
    finally:
        os.close(fd)


def unshare(flags: int) -> None:
    check(libc.unshare(flags), "unshare")


def sethostname(name: str) -> None:
    check(libc.sethostname(name.encode(), len(name.encode())), "sethostname")


def has_boot_namespaces() -> bool:
    """The kernel makes PID and time namespaces (time: Linux 5.6): what a host's boot is made of."""
    return all(os.path.exists(f"/proc/self/ns/{kind}") for kind in ("pid", "time"))
