"""A host's new boot, on the kernel's side: in a child of the keeper, PID and time namespaces made new and the
host's other namespaces entered; then, as the new PID 1, its own /proc, an empty /run and /tmp, the boot recorded
where `who -b`, `last` and `journalctl --list-boots` look, and the init (shims/init) started.
Standard library only (the keeper imports it)."""

from __future__ import annotations

import os
import stat
import struct
import time
from contextlib import suppress

from airgaplab.backends.netns.syscalls import (
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWTIME,
    CLONE_NEWUTS,
    MS_BIND,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_RDONLY,
    MS_REMOUNT,
    detach,
    mount,
    sethostname,
    setns,
    unshare,
)

INIT = "/run/airgaplab/shims/init"  # where a host sees it
INIT_ARGV0 = "/usr/lib/systemd/systemd"  # what `ps` shows as PID 1
BASH_AS_SYSTEMD = "/run/airgaplab/shims/daemons/systemd"  # a link to bash: PID 1's name is systemd
# what a boot leaves in /run: the view's own mounts and the shims' pause (everything else starts empty)
RUN_KEEP = {"airgaplab": {"shims", "services", "pause", "usr"}}
# the machine's that a host may read but not change (as container runtimes mask them); /proc/sys/net stays the
# host's own (its network's settings), the rest of /proc/sys is the machine's kernel
PROC_READ_ONLY = ("sys", "sysrq-trigger", "irq", "bus", "fs")
PROC_HIDDEN = ("kcore", "keys", "timer_list")
DEVICES = (("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0))
# the kernel a Rocky 10.1 host says it runs (`last reboot`, as `uname -r` says it: shims/rocky.release)
with open(os.path.join(os.path.dirname(__file__), "shims", "rocky.release")) as _release:
    ROCKY_KERNEL = next(line.split("=", 1)[1].strip() for line in _release if line.startswith("KERNEL="))


def _utmp_boot(when: float, release: str) -> bytes:
    """A utmp record of type BOOT_TIME, as `who -b` and `last reboot` read it (glibc's layout, 384 bytes)."""
    sec = int(when)
    return struct.pack("=hxxi32s4s32s256shhii i 16x 20x".replace(" ", ""), 2, 0, b"~", b"~~", b"reboot",
                       release.encode()[:255], 0, 0, 0, sec, int((when - sec) * 1e6))


def _empty(top: str, keep: dict[str, set[str]]) -> None:
    """Everything under `top` removed but what `keep` names (name → the entries of it kept; a mount is left)."""
    for entry in os.scandir(top):
        if entry.name in keep:
            for sub in os.scandir(entry.path):
                if sub.name not in keep[entry.name]:
                    _remove(sub.path)
        else:
            _remove(entry.path)


def _remove(path: str) -> None:
    with suppress(OSError):
        if os.path.isdir(path) and not os.path.islink(path) and not os.path.ismount(path):
            for entry in os.scandir(path):
                _remove(entry.path)
            os.rmdir(path)
        elif not os.path.ismount(path):
            os.unlink(path)


def _fresh(point: str, machine: dict[str, int]) -> None:
    """Make way for this boot's mount at `point`: the last boot's is taken away; the machine's, which a new
    host's view still has there, stays below the new one (a lazy unmount costs a millisecond, and mounts wait
    for one another: a lab of 100 nodes boots in seconds, not tenths)."""
    if os.stat(point).st_dev != machine[point]:
        detach(point)


def _as_new_pid1(boot_id: str, machine: dict[str, int]) -> None:
    """In the host's mount namespace, as PID 1 of its new PID namespace: its own /proc (the machine's kernel
    settings read-only), /dev and /sys, /run and /tmp empty, the boot recorded where `who -b`, `last` and
    journalctl look. `machine`: the machine's own /proc, /sys and /dev (st_dev), as a first boot finds them."""
    first = os.stat("/proc").st_dev == machine["/proc"]  # a new view: /run, /tmp and its name as they should be
    _fresh("/proc", machine)
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for rel in PROC_READ_ONLY:
        path = f"/proc/{rel}"
        if os.path.exists(path):
            mount(path, path, None, MS_BIND)
            mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
    mount("/proc/sys/net", "/proc/sys/net", None, MS_BIND)
    mount(None, "/proc/sys/net", None, MS_REMOUNT | MS_BIND)
    for rel in PROC_HIDDEN:
        if os.path.exists(f"/proc/{rel}"):
            mount("/dev/null", f"/proc/{rel}", None, MS_BIND)
    _own_devices(machine)
    if not first:
        _named_from_its_file()
        _empty("/run", RUN_KEEP)
        _empty("/tmp", {})
    for d in ("/run/systemd/system", "/run/airgaplab/boot"):  # testinfra (and people) know systemd by the first
        os.makedirs(d, exist_ok=True)
    with open("/run/airgaplab/boot/id", "w") as f:
        f.write(f"{boot_id}\n")
    mount("/run/airgaplab/boot/id", "/proc/sys/kernel/random/boot_id", None, MS_BIND)
    now, release = time.time(), f"{ROCKY_KERNEL}.{os.uname().machine}"
    record = _utmp_boot(now, release)
    with open("/run/utmp", "wb") as f:
        f.write(record)
    os.makedirs("/var/log", exist_ok=True)
    with open("/var/log/wtmp", "ab") as f:
        f.write(record)
    state = "/var/lib/airgaplab/systemd"
    if not first and os.path.isdir(state):  # a unit's failure is this boot's (systemd keeps it in memory)
        for entry in os.scandir(state):
            if entry.name.endswith(".failed"):
                os.unlink(entry.path)
    os.makedirs("/var/lib/airgaplab", exist_ok=True)
    with open("/var/lib/airgaplab/boots", "a") as f:  # journalctl --list-boots
        f.write(f"{now:.6f} {boot_id}\n")


def _own_devices(machine: dict[str, int]) -> None:
    """/dev and /sys of the host's own: the usual devices and none of the machine's disks or terminals (ptys of
    its own: a new devpts), and sysfs as the host's network shows it, read-only."""
    _fresh("/sys", machine)
    mount("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _fresh("/dev", machine)
    mount("tmpfs", "/dev", "tmpfs", MS_NOSUID, "mode=0755,size=64k")
    for name, major, minor in DEVICES:
        os.mknod(f"/dev/{name}", stat.S_IFCHR | 0o666, os.makedev(major, minor))
        os.chmod(f"/dev/{name}", 0o666)
    os.mkdir("/dev/pts")
    mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5")
    os.mkdir("/dev/shm")
    mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
    for link, target in (("ptmx", "pts/ptmx"), ("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"/dev/{link}")


def _named_from_its_file() -> None:
    """The host's name from /etc/hostname, as a boot sets it (`hostnamectl set-hostname` writes it there)."""
    try:
        with open("/etc/hostname") as f:
            name = f.read().strip()
    except OSError:
        return
    if name:
        sethostname(name)


def _offsets() -> str:
    """timens_offsets that start the host's monotonic and boot clocks at zero now."""
    lines = []
    for name, clock in (("monotonic", time.CLOCK_MONOTONIC), ("boottime", time.CLOCK_BOOTTIME)):
        secs, nsecs = divmod(-time.clock_gettime_ns(clock), 1_000_000_000)
        lines.append(f"{name} {secs} {nsecs}\n")
    return "".join(lines)


def boot_child(ns_dir: str, netns: str, host: str, quiet: bool, report: int, booted: int) -> int:
    """In a forked child: new PID, time and IPC namespaces for the children it makes, the host's network, UTS and
    mount namespaces; then its PID 1, whose PID on this machine goes to `report`. The init holds `booted` until
    its enabled units have started."""
    unshare(CLONE_NEWPID | CLONE_NEWTIME | CLONE_NEWIPC)  # IPC: SysV shared memory and queues, the host's own
    with open("/proc/self/timens_offsets", "w") as f:  # the machine's /proc: before entering the host's mounts
        f.write(_offsets())
    machine = {point: os.stat(point).st_dev for point in ("/proc", "/sys", "/dev")}
    setns(f"/run/netns/{netns}", CLONE_NEWNET)
    setns(f"{ns_dir}/{host}.uts", CLONE_NEWUTS)
    setns(f"{ns_dir}/{host}.mnt", CLONE_NEWNS)
    os.chdir("/")
    raw = os.urandom(16).hex()  # a random boot id, as the kernel's (uuid's import is a tenth of a keeper's start)
    boot_id = f"{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-{raw[16:20]}-{raw[20:]}"
    pid = os.fork()
    if pid == 0:  # PID 1 of the host
        try:
            _as_new_pid1(boot_id, machine)
            env = {"PATH": "/usr/sbin:/usr/bin", "LANG": "C.UTF-8", "AIRGAPLAB_BOOT": "quiet" if quiet else "boot",
                   "AIRGAPLAB_BOOTED_FD": str(booted)}
            os.set_inheritable(booted, True)
            script = os.open(INIT, os.O_RDONLY)
            os.dup2(script, 0)  # bash reads its script from standard input: `ps` shows PID 1 as systemd alone
            null = os.open("/dev/null", os.O_RDWR)
            os.dup2(null, 1)
            os.dup2(null, 2)
            os.execve(BASH_AS_SYSTEMD, [INIT_ARGV0], env)
        except BaseException as e:
            with suppress(OSError):
                os.write(report, f"error {host}: its init did not start: {e}\n".encode())
        finally:
            os._exit(1)
    os.write(report, f"init {pid}\n".encode())
    return 0
