"""A netns lab host as its own machine: its network, mount, UTS namespaces (and, for a lab host, a PID and a time
namespace each boot: keeper.py) with a private /etc, /var, /usr and /run.

The host's /etc, /var and /usr are overlays on the machine's (writes land in the host's upper dirs under the
lab's state dir); /run is a fresh tmpfs. Before the overlays are mounted, the upper dirs are seeded with what a
stock Rocky Linux host has and a Debian machine lacks (seeding.py, image/).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from airgaplab.backends.netns.seeding import HOST_SHIMS, seed_host
from airgaplab.backends.netns.users import rocky_names

# where a lab host sees the machine's /usr under the lab's own chrony and BIND (kit.py); its own /usr shows Rocky's
# commands over both
MACHINE_USR = "/run/airgaplab/usr"
HOST_PATH = f"{HOST_SHIMS}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # the harness's own hosts
ROCKY_PATH = "/root/.local/bin:/root/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"  # root's, on Rocky
# What a member's shell on a lab host may not do (its bounding set: no process it starts gets them back): each
# reaches the machine, not the host — mount and swapoff (the machine's mounts and swap), the clock, kernel
# modules, raw devices, the kernel's log and BPF. Kept: what the notes and the daemons need (the network, users,
# files, signals, reboot: in the host's PID namespace a reboot(2) ends the host alone).
# (by number, capabilities(7): an older setpriv knows fewer names; the running kernel's last one bounds them)
MACHINE_CAPS = {"linux_immutable": 9, "sys_module": 16, "sys_rawio": 17, "sys_pacct": 20, "sys_admin": 21,
                "sys_time": 25, "sys_tty_config": 26, "mknod": 27, "lease": 28, "audit_control": 30,
                "mac_override": 32, "mac_admin": 33, "syslog": 34, "wake_alarm": 35, "block_suspend": 36,
                "audit_read": 37, "perfmon": 38, "bpf": 39, "checkpoint_restore": 40}
# a sealed host sees every other mount of the machine read-only (viewmount.py)
WRITABLE = ("/etc", "/var", "/run", "/tmp", "/root", "/home", "/srv", "/proc", "/sys", "/dev")


@dataclass(frozen=True)
class HostView:
    name: str
    netns: str
    root: Path  # the host's dir under the lab's state dir
    ns_dir: Path  # where the mount/uts namespace files are bound
    sealed: bool = True  # the machine read-only, /root, /home, /srv, /tmp its own (False: the harness's own hosts)
    image: Path | None = None  # the lab's shared layer (seed_image) under each host's /etc, /var (and /usr)
    kit: Path | None = None  # the lab's own chrony and BIND (kit.py: its usr/), under a lab host's /usr

    @property
    def mnt_file(self) -> Path:
        return self.ns_dir / f"{self.name}.mnt"

    @property
    def uts_file(self) -> Path:
        return self.ns_dir / f"{self.name}.uts"

    @property
    def boots(self) -> bool:
        """A lab host boots (keeper.py): PID and time namespaces of its own, made new at each boot, with an
        init as PID 1. The harness's own hosts (a private hypervisor's) live in the machine's."""
        return self.sealed

    def machine_program(self, rel: str) -> str:
        """Where the host sees the machine's program /usr/`rel` (a lab host's /usr shows Rocky's packages)."""
        return f"{MACHINE_USR if self.boots or self.kit else '/usr'}/{rel}"

    def user(self, machine_user: str) -> str:
        """The name the host knows one of the machine's users by (a lab host's daemons' users are Rocky's)."""
        return rocky_names().get(machine_user, machine_user) if self.boots else machine_user

    def ns_file(self, kind: str) -> Path:
        """Where this boot's `kind` (pid, time, ipc) namespace is bound, or its record (boot)."""
        return self.ns_dir / f"{self.name}.{kind}"

    def upper(self, top: str) -> Path:
        return self.root / top / "upper"

    # What the host wrote, relative to its dir: /etc's, /var's and /usr's upper dirs, its own /root, /home, /srv.
    layers_rel = ("etc/upper", "var/upper", "usr/upper", "own")

    @property
    def layers(self) -> list[Path]:
        return [self.root / rel for rel in self.layers_rel]

    def nsenter(self) -> list[str]:
        boot = [f"--pid={self.ns_file('pid')}", f"--time={self.ns_file('time')}", f"--ipc={self.ns_file('ipc')}"] \
            if self.boots else []
        return ["nsenter", f"--net=/run/netns/{self.netns}", f"--mount={self.mnt_file}", f"--uts={self.uts_file}",
                *boot, "--"]

    def environ(self) -> dict[str, str]:
        """A root login's whole environment in the host (of the caller's, only TERM)."""
        return {"PATH": ROCKY_PATH if self.boots else HOST_PATH, "HOME": "/root", "LANG": "C.UTF-8",
                "TERM": os.environ.get("TERM", "xterm"), "USER": "root", "HOSTNAME": self.name}

    def env(self) -> list[str]:
        """`environ()` as an `env -i` command line, for a shell that is already inside the host."""
        return ["env", "-i", *(f"{k}={v}" for k, v in self.environ().items())]

    def member_command(self, argv: list[str]) -> list[str]:
        """argv as a member types it in the host (a shell, `airgaplab exec`): without the capabilities that reach
        the machine (MACHINE_CAPS), where the host boots; the harness's own commands keep them (command)."""
        if not self.boots:
            return self.command(argv)
        last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
        dropped = ",".join(f"-cap_{n}" for n in MACHINE_CAPS.values() if n <= last)
        return self.command(["setpriv", "--bounding-set", dropped, "--", *argv])

    def command(self, argv: list[str]) -> list[str]:
        """argv run in the host; give it `environ()` as its environment (nsenter passes it on: no `env`
        process per command, and a lab of 100 nodes runs a thousand)."""
        return [*self.nsenter(), *argv]

    # --- seeding -----------------------------------------------------
    def seed(self, context: dict[str, object], extra: dict[str, bytes] | None = None) -> None:
        """Write this host's own stock-Rocky files into its (not yet mounted) upper dirs: what differs from host
        to host (its name, its connection profiles, `extra`) — and, without a lab `image`, everything."""
        seed_host(self, context, extra)
