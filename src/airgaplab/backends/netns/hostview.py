"""A netns lab host as its own machine: network namespace + mount namespace with private /etc, /var, /run.

The host's /etc and /var are overlays on the machine's (writes land in the
host's upper dirs under the lab's state dir); /run is a fresh tmpfs. Before
the overlays are mounted, the upper dirs are seeded with what a stock Rocky
Linux host has and a Debian machine lacks (see image/).
"""

from __future__ import annotations

import os
import pwd
import shlex
from dataclasses import dataclass
from pathlib import Path

import jinja2

from airgaplab.paths import PACKAGE_DIR

IMAGE_DIR = PACKAGE_DIR / "backends" / "netns" / "image"
SHIM_DIR = PACKAGE_DIR / "backends" / "netns" / "shims"
TIME_ZONE = "Asia/Seoul"
HOST_SHIMS = "/run/airgaplab/shims"  # where a host sees SHIM_DIR (read-only)
HOST_PATH = f"{HOST_SHIMS}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
OWN_DIRS = ("root", "home", "srv")  # a host's own, writable (with /etc, /var, /run and /tmp)
WRITABLE = ("/etc", "/var", "/run", "/tmp", "/root", "/home", "/srv", "/proc", "/sys", "/dev")
# Every other mount of the machine read-only in this namespace only (a bind remount changes this mount
# namespace's copy): mount points from mountinfo (octal escapes decoded), deepest last.
READ_ONLY_REST = (
    "awk '{print $5}' /proc/self/mountinfo | sort -u | while read -r m; do m=$(printf '%b' \"$m\"); "
    "case $m in " + "|".join(f"{w}|{w}/*" for w in WRITABLE) + ") continue ;; esac; "
    "mount -o remount,bind,ro \"$m\" 2>/dev/null || true; done")


def _user(*names: str) -> tuple[int, int]:
    for name in names:
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        return pw.pw_uid, pw.pw_gid
    return 0, 0


def named_ids() -> tuple[int, int]:
    """named's run user: `bind` on Debian/Ubuntu, `named` on Fedora/Rocky."""
    return _user("bind", "named")


def chrony_ids() -> tuple[int, int]:
    return _user("_chrony", "chrony")


def named_user() -> str:
    return pwd.getpwuid(named_ids()[0]).pw_name


@dataclass(frozen=True)
class HostView:
    name: str
    netns: str
    root: Path  # the host's dir under the lab's state dir
    ns_dir: Path  # where the mount/uts namespace files are bound
    sealed: bool = True  # the machine read-only, /root, /home, /srv, /tmp its own (False: the harness's own hosts)

    @property
    def mnt_file(self) -> Path:
        return self.ns_dir / f"{self.name}.mnt"

    @property
    def uts_file(self) -> Path:
        return self.ns_dir / f"{self.name}.uts"

    def upper(self, top: str) -> Path:
        return self.root / top / "upper"

    @property
    def layers(self) -> dict[str, Path]:
        """What the host wrote, by name: /etc's and /var's upper dirs, and its own /root, /home, /srv."""
        return {"etc": self.upper("etc"), "var": self.upper("var"), "own": self.root / "own"}

    def nsenter(self) -> list[str]:
        return [
            "nsenter",
            f"--net=/run/netns/{self.netns}",
            f"--mount={self.mnt_file}",
            f"--uts={self.uts_file}",
            "--",
        ]

    def env(self) -> list[str]:
        term = os.environ.get("TERM", "xterm")
        return ["env", "-i", f"PATH={HOST_PATH}", "HOME=/root", "LANG=C.UTF-8", f"TERM={term}", "USER=root",
                f"HOSTNAME={self.name}"]

    def command(self, argv: list[str]) -> list[str]:
        return [*self.nsenter(), *self.env(), *argv]

    # --- seeding -----------------------------------------------------
    def seed(self, context: dict[str, object], extra: dict[str, bytes] | None = None) -> None:
        """Write the stock-Rocky files into the (not yet mounted) upper dirs."""
        for top in ("etc", "var"):
            self.upper(top).mkdir(parents=True, exist_ok=True)
            (self.root / top / "work").mkdir(parents=True, exist_ok=True)
        for top in OWN_DIRS:
            _own(self.root / "own" / top, 0, 0, 0o700 if top == "root" else 0o755)
        for skel in Path("/etc/skel").glob(".*"):  # root's shell files, as a fresh host has them
            if skel.is_file():
                (self.root / "own" / "root" / skel.name).write_bytes(skel.read_bytes())
        env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True)
        nuid, ngid = named_ids()
        cuid, cgid = chrony_ids()
        for src in IMAGE_DIR.rglob("*"):
            if src.is_dir():
                continue
            rel = src.relative_to(IMAGE_DIR)
            text = src.read_text()
            if src.suffix == ".j2":
                rel = rel.with_suffix("")
                text = env.from_string(text).render(context)
            self._write(rel, text.encode())
        for path, data in (extra or {}).items():
            self._write(Path(path.lstrip("/")), data)
        var = self.upper("var")
        etc = self.upper("etc")
        # Rocky's NetworkManager directories (the notes write a drop-in into conf.d/)
        (etc / "NetworkManager" / "conf.d").mkdir(parents=True, exist_ok=True)
        _own(etc / "NetworkManager" / "system-connections", 0, 0, 0o700)
        for keyfile in (etc / "NetworkManager" / "system-connections").glob("*.nmconnection"):
            keyfile.chmod(0o600)
        # Rocky's ownership: named reads its config as group named and writes only below /var/named.
        for f in ("named.conf", "named.rfc1912.zones", "named.root.key"):
            os.chown(etc / f, 0, ngid)
            os.chmod(etc / f, 0o640)
        _own(var / "named", 0, ngid, 0o770)
        for d in ("data", "dynamic", "slaves"):
            _own(var / "named" / d, nuid, ngid, 0o770)
        _own(var / "log" / "named", nuid, ngid, 0o750)
        _own(var / "lib" / "chrony", cuid, cgid, 0o750)
        _own(var / "log" / "chrony", cuid, cgid, 0o750)
        internet = var / "named" / "internet"
        if internet.is_dir():
            for d in ("root-keys", "resolver-keys"):
                _own(internet / d, nuid, ngid, 0o770)
            _own(internet, nuid, ngid, 0o770)

    def _write(self, rel: Path, data: bytes) -> None:
        top, rest = rel.parts[0], Path(*rel.parts[1:])
        dest = self.upper(top) / rest
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        dest.chmod(0o644)

    def mount_script(self) -> str:
        """What runs once inside the fresh mount+uts namespace to make the host's view: its own /etc and /var
        (overlays), /run, /tmp (tmpfs), /root, /home and /srv (dirs of its own under the lab's state dir, gone
        with `down`); every other directory of the machine read-only, so nothing typed in the host changes
        the machine (`rm -rf /usr/share/doc`: Read-only file system) — unless not `sealed` (a private
        hypervisor: vagrant writes the checkout's .vagrant/ and reads the machine's boxes). The shims are bound
        at a fixed place first: a checkout under /tmp, /root or /home would be hidden by the host's own."""
        cmds = [
            "mount -t tmpfs -o mode=0755 tmpfs /run",
            f"mkdir -p {HOST_SHIMS}",
            f"mount --bind {shlex.quote(str(SHIM_DIR))} {HOST_SHIMS}",
            f"mount -o remount,bind,ro {HOST_SHIMS}",
        ]
        for top in ("etc", "var"):
            opts = f"lowerdir=/{top},upperdir={self.upper(top)},workdir={self.root / top / 'work'}"
            cmds.append(f"mount -t overlay overlay -o {shlex.quote(opts)} /{top}")
        if self.sealed:
            for top in OWN_DIRS:
                own = self.root / "own" / top
                cmds.append(f"mount --bind {shlex.quote(str(own))} /{top}")
            cmds.append("mount -t tmpfs -o mode=1777 tmpfs /tmp")
        cmds += [
            # the notes' time zone (their hosts show KST); Rocky keeps it only in /etc/localtime
            f"ln -sfn ../usr/share/zoneinfo/{TIME_ZONE} /etc/localtime",
            "rm -f /etc/timezone",
            # testinfra (and people) recognise a systemd host by this directory.
            "mkdir -p /run/systemd/system /run/airgaplab",
            f"hostname {shlex.quote(self.name)}",
            *([READ_ONLY_REST] if self.sealed else []),
        ]
        return " && ".join(cmds)


def _own(path: Path, uid: int, gid: int, mode: int) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, uid, gid)
    os.chmod(path, mode)
