"""Mounting a netns host's view: its mount and UTS namespaces, made by system calls in a child of this process.

A view is a dozen mounts. Made by mount(8) in a shell, that was twenty-odd programs per host — most of a
host's cost as a lab of 100 nodes comes up. Here one forked child of airgaplab makes every host's namespaces by
system calls (unshare, mount, sethostname), goes back to the machine's and binds them to the views' files.
"""

from __future__ import annotations

import ctypes
import errno
import os

from airgaplab.backends.netns.hostview import MACHINE_USR, WRITABLE, HostView
from airgaplab.backends.netns.seeding import HOST_SERVICES, HOST_SHIMS, OWN_DIRS, SERVICES_DIR, SHIM_DIR
from airgaplab.backends.netns.syscalls import (
    CLONE_NEWNS,
    CLONE_NEWUTS,
    MS_BIND,
    MS_PRIVATE,
    MS_RDONLY,
    MS_REC,
    MS_REMOUNT,
    detach,
    libc,
    mount,
    sethostname,
    unshare,
)
from airgaplab.errors import LabError
from airgaplab.lab.provisioner import shares

PAUSE_FIFO = "/run/airgaplab/pause"  # the systemctl shim's too
# a mount's own flags, as /proc/self/mountinfo lists them: a read-only remount keeps them (as mount(8) does)
MOUNT_FLAGS = {"nosuid": 2, "nodev": 4, "noexec": 8, "noatime": 1024, "nodiratime": 2048, "relatime": 1 << 21,
               "strictatime": 1 << 24, "nosymfollow": 256}


def mount_points() -> list[tuple[str, str, str]]:
    """(mount point, its own options, its file system type) of this mount namespace, in mount order."""
    with open("/proc/self/mountinfo") as f:
        lines = [line.split(" - ", 1) for line in f]
    return [(_unescape(mine.split()[4]), mine.split()[5], theirs.split()[0]) for mine, theirs in lines]


def _unescape(field: str) -> str:
    """mountinfo's octal escapes (\\040 for a space) decoded, UTF-8 kept."""
    return field.encode().decode("unicode_escape").encode("latin-1").decode(errors="replace")


def hidden(v: HostView) -> list[str]:
    """The machine's mounts a sealed host does not see, topmost first (each taken away with what is mounted
    below it): every lab's under the state root (layers, saved states, namespace files), /run/netns, and any
    other namespace file (another state dir's labs)."""
    labs = f"{v.root.parent.parent.parent}/"
    top: list[str] = []
    for point in sorted(p for p, _, kind in mount_points()
                        if p.startswith(labs) or p == "/run/netns" or kind == "nsfs"):
        if not any(point.startswith(f"{t}/") for t in top):  # sorted: a mount comes before those below it
            top.append(point)
    return top


def mount_here(v: HostView) -> None:
    """Make `v`'s view in this process's mount namespace (already its own, private): /run a fresh tmpfs with
    the shims bound read-only at a fixed place (a checkout under /tmp, /root or /home would be hidden by the
    host's own), /etc and /var overlays, /root, /home, /srv and /tmp its own, the mounts `hidden(v)` (as this
    namespace has them) gone and everything else of the machine read-only (unless not `sealed`: a private hypervisor's
    host writes the checkout's .vagrant/ and reads the machine's boxes); the host's name."""
    hide = hidden(v) if v.sealed else []
    for point in (p for p in hide if p.startswith("/run/")):  # before /run is the host's own
        detach(point)
    mount("tmpfs", "/run", "tmpfs", 0, "mode=0755")
    for d in (HOST_SHIMS, HOST_SERVICES, "/run/systemd/system"):  # testinfra (and people) know systemd by the last
        os.makedirs(d, exist_ok=True)
    os.mkfifo(PAUSE_FIFO, 0o600)  # the shims' pause without a `sleep` process: a read that times out on it
    for source, point in ((SHIM_DIR, HOST_SHIMS), (SERVICES_DIR, HOST_SERVICES)):  # the services' netns units
        mount(str(source), point, None, MS_BIND)
        mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
    kit = f"{v.kit}:" if v.kit else ""
    if v.boots or kit:  # the machine's /usr (under the lab's own daemons) where the shims find its programs; a lab
        os.makedirs(MACHINE_USR)  # host's own /usr is Rocky's
        if kit:  # lower layers only: a read-only overlay
            mount("overlay", MACHINE_USR, "overlay", MS_RDONLY, f"lowerdir={kit}/usr")
        else:
            mount("/usr", MACHINE_USR, None, MS_BIND)
            mount(None, MACHINE_USR, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
    if kit and not v.boots:  # the harness's own hosts: the machine's /usr, read-only, the kit's libraries in it
        mount("overlay", "/usr", "overlay", MS_RDONLY, f"lowerdir={kit}/usr")
    # /usr first: its lower layers must be reached through the machine's /var (the kit is kept there), not through
    # the host's /var overlay — in a container, whose / is an overlay already, that would stack one too many
    for top in ("usr", "etc", "var") if v.boots else ("etc", "var"):
        below = f"{kit}/usr" if top == "usr" else f"/{top}"  # the daemons' libraries where the loader looks
        lower = f"{v.image / top}:{below}" if v.image else below
        mount("overlay", f"/{top}", "overlay", 0,
              f"lowerdir={lower},upperdir={v.upper(top)},workdir={v.root / top / 'work'}")
    if v.sealed:
        for top in OWN_DIRS:
            mount(str(v.root / "own" / top), f"/{top}", None, MS_BIND)
        for point in (p for p in hide if not p.startswith("/run/")):  # after the host's layers are mounted
            detach(point)
        mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777")
    sethostname(v.name)
    if v.sealed:
        _read_only_rest(WRITABLE + (("/usr",) if v.boots else ()))


def _read_only_rest(writable: tuple[str, ...]) -> None:
    """Every mount outside the host's own directories read-only, in this namespace only (a bind remount)."""
    for point, options, _ in mount_points():
        if any(point == w or point.startswith(f"{w}/") for w in writable) or "ro" in options.split(","):
            continue
        own = sum(MOUNT_FLAGS.get(o, 0) for o in options.split(","))
        libc.mount(None, point.encode(), None, ctypes.c_ulong(MS_REMOUNT | MS_BIND | MS_RDONLY | own), None)


def make_views(views: list[HostView]) -> None:
    """Each view's mount and UTS namespaces, bound to its files: a forked child makes them, one view after
    another (a fork of this process costs a few ms, a view's system calls far less); two children side by
    side for a lab of more than eight hosts."""
    # read once here, before forking, so that the child runs no code that could import (another thread may
    # hold the import lock); the child reads each new namespace's own table: other labs mount meanwhile
    mount_points()
    children = []
    for share in shares(views):
        report_r, report_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: system calls, one write and os._exit from here
            os.close(report_r)
            code = 1
            try:
                os.write(report_w, "\n".join(_make_each(share)).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(report_w)
        children.append((pid, report_r))
    failed = []
    for pid, report_r in children:
        with os.fdopen(report_r, "rb") as f:
            said = f.read().decode(errors="replace")
        _, status = os.waitpid(pid, 0)
        if said or status != 0:
            failed.append(said or f"the process making the hosts' views ended with status {status}")
    if failed:
        raise LabError("; ".join(failed))


def _make_each(views: list[HostView]) -> list[str]:
    """In a single-threaded child: for each view, new mount and UTS namespaces, its mounts, then back to the
    machine's namespaces to bind the new ones (held open meanwhile) to the view's files. What failed."""
    machine = {CLONE_NEWNS: os.open("/proc/self/ns/mnt", os.O_RDONLY),
               CLONE_NEWUTS: os.open("/proc/self/ns/uts", os.O_RDONLY)}
    failed = []
    cpus = sorted(os.sched_getaffinity(0))
    for v in views:
        for attempt in range(BIND_ATTEMPTS):
            held: list[int] = []
            try:
                # each try on the next CPU: a mount namespace's id comes from the CPU it is made on (see BIND_ATTEMPTS)
                os.sched_setaffinity(0, {cpus[attempt % len(cpus)]})
                unshare(CLONE_NEWNS | CLONE_NEWUTS)
                try:
                    held = [os.open("/proc/self/ns/mnt", os.O_RDONLY), os.open("/proc/self/ns/uts", os.O_RDONLY)]
                    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing of this view propagates to the machine
                    mount_here(v)
                finally:
                    for kind, fd in machine.items():
                        if libc.setns(fd, kind) != 0:  # stuck in a view's namespaces: nothing more is safe to do
                            raise RuntimeError("could not go back to the machine's namespaces (setns)")
                if not _bind_namespace(held[0], str(v.mnt_file)):
                    if attempt + 1 < BIND_ATTEMPTS:
                        continue  # that namespace is let go (its fds closed below): a new one is made
                    failed.append(f"{v.name}: the kernel refused to bind its mount namespace {BIND_ATTEMPTS} times "
                                  "(EINVAL), on every CPU this process may use")
                    break
                mount(f"/proc/self/fd/{held[1]}", str(v.uts_file), None, MS_BIND)
                break
            except OSError as exc:
                failed.append(f"{v.name}: could not build its view (overlayfs on /etc, /var): {exc}")
                break
            finally:
                for fd in held:
                    os.close(fd)
    os.sched_setaffinity(0, set(cpus))
    return failed


# Inside a container on Linux 6.18 the kernel refuses the bind of a new mount namespace's file (EINVAL, its loop
# check: the namespace must be newer than the binder's) for every namespace made on some CPUs: their ids come from
# per-CPU batches, and a batch below the container's own namespace's id reads as older (seen: all 30 made on one CPU
# refused, all 30 on the other bound). So each try is made on the next CPU; a namespace that never binds is a
# failure said in one line, not a plain file left for `setns` to refuse later.
BIND_ATTEMPTS = 30


def _bind_namespace(fd: int, target: str) -> bool:
    """Bind the mount namespace open as `fd` on `target`: False when the kernel refuses it with EINVAL."""
    try:
        mount(f"/proc/self/fd/{fd}", target, None, MS_BIND)
    except OSError as exc:
        if exc.errno == errno.EINVAL:
            return False
        raise
    return True
