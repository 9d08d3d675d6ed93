"""A netns lab host as its own machine: network namespace + mount namespace with private /etc, /var, /run.

The host's /etc and /var are overlays on the machine's (writes land in the
host's upper dirs under the lab's state dir); /run is a fresh tmpfs. Before
the overlays are mounted, the upper dirs are seeded with what a stock Rocky
Linux host has and a Debian machine lacks (see image/).
"""

from __future__ import annotations

import functools
import os
import pwd
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2
import jinja2.meta

from airgaplab.paths import PACKAGE_DIR

IMAGE_DIR = PACKAGE_DIR / "backends" / "netns" / "image"
SHIM_DIR = PACKAGE_DIR / "backends" / "netns" / "shims"
TIME_ZONE = "Asia/Seoul"
HOST_SHIMS = "/run/airgaplab/shims"  # where a host sees SHIM_DIR (read-only)
HOST_PATH = f"{HOST_SHIMS}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
OWN_DIRS = ("root", "home", "srv")  # a host's own, writable (with /etc, /var, /run and /tmp)
# a sealed host sees every other mount of the machine read-only (viewmount.py)
WRITABLE = ("/etc", "/var", "/run", "/tmp", "/root", "/home", "/srv", "/proc", "/sys", "/dev")


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
    image: Path | None = None  # the lab's shared layer (seed_image) under each host's /etc and /var

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

    def ns_file(self, kind: str) -> Path:
        """Where this boot's `kind` (pid, time) namespace is bound, or its record (boot)."""
        return self.ns_dir / f"{self.name}.{kind}"

    def upper(self, top: str) -> Path:
        return self.root / top / "upper"

    # What the host wrote, relative to its dir: /etc's and /var's upper dirs, and its own /root, /home, /srv.
    layers_rel = ("etc/upper", "var/upper", "own")

    @property
    def layers(self) -> list[Path]:
        return [self.root / rel for rel in self.layers_rel]

    def nsenter(self) -> list[str]:
        boot = [f"--pid={self.ns_file('pid')}", f"--time={self.ns_file('time')}"] if self.boots else []
        return ["nsenter", f"--net=/run/netns/{self.netns}", f"--mount={self.mnt_file}", f"--uts={self.uts_file}",
                *boot, "--"]

    def environ(self) -> dict[str, str]:
        """A root login's whole environment in the host (of the caller's, only TERM)."""
        return {"PATH": HOST_PATH, "HOME": "/root", "LANG": "C.UTF-8", "TERM": os.environ.get("TERM", "xterm"),
                "USER": "root", "HOSTNAME": self.name}

    def env(self) -> list[str]:
        """`environ()` as an `env -i` command line, for a shell that is already inside the host."""
        return ["env", "-i", *(f"{k}={v}" for k, v in self.environ().items())]

    def command(self, argv: list[str]) -> list[str]:
        """argv run in the host; give it `environ()` as its environment (nsenter passes it on: no `env`
        process per command, and a lab of 100 nodes runs a thousand)."""
        return [*self.nsenter(), *argv]

    # --- seeding -----------------------------------------------------
    def seed(self, context: dict[str, object], extra: dict[str, bytes] | None = None) -> None:
        """Write this host's own stock-Rocky files into its (not yet mounted) upper dirs: what differs from host
        to host (its name, its connection profiles, `extra`) — and, without a lab `image`, everything."""
        for top in ("etc", "var"):
            self.upper(top).mkdir(parents=True, exist_ok=True)
            (self.root / top / "work").mkdir(parents=True, exist_ok=True)
        for top in OWN_DIRS:
            _own(self.root / "own" / top, 0, 0, 0o700 if top == "root" else 0o755)
        for skel in Path("/etc/skel").glob(".*"):  # root's shell files, as a fresh host has them
            if skel.is_file():
                (self.root / "own" / "root" / skel.name).write_bytes(skel.read_bytes())
        for rel, text, template, per_host in _image():
            if per_host or self.image is None:
                _write(self.upper, rel, (template.render(context) if template else text).encode(), self.image)
        for path, data in (extra or {}).items():
            _write(self.upper, Path(path.lstrip("/")), data, self.image)
        if self.image is None:
            _stock_ownership(self.upper)
            _time_zone(self.upper("etc"))
        etc = self.upper("etc")
        _own(etc / "NetworkManager" / "system-connections", 0, 0, 0o700)
        for keyfile in (etc / "NetworkManager" / "system-connections").glob("*.nmconnection"):
            keyfile.chmod(0o600)
        internet = self.upper("var") / "named" / "internet"
        if internet.is_dir():
            nuid, ngid = named_ids()
            for d in ("root-keys", "resolver-keys"):
                _own(internet / d, nuid, ngid, 0o770)
            _own(internet, nuid, ngid, 0o770)


def seed_image(image: Path, context: dict[str, object]) -> None:
    """The lab's shared layer: the stock-Rocky files that are the same on every host of the lab, written
    once (a file costs about a millisecond to create here: a lab of 100 nodes would pay 2000 of them, twice
    with its saved state)."""
    def layer(top: str) -> Path:
        return image / top

    for rel, text, template, per_host in _image():
        if not per_host:
            _write(layer, rel, (template.render(context) if template else text).encode(), None)
    _stock_ownership(layer)
    _time_zone(layer("etc"))


Image = list[tuple[Path, str, jinja2.Template | None, bool]]


@functools.cache
def _image() -> Image:
    """The image's files (path in the host, text, template if it is one, whether it differs per host): read
    and compiled once per run, not once per host."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True)
    files: Image = []
    for src in sorted(IMAGE_DIR.rglob("*")):
        if src.is_file():
            rel, text = src.relative_to(IMAGE_DIR), src.read_text()
            if src.suffix == ".j2":
                per_host = "host" in jinja2.meta.find_undeclared_variables(env.parse(text))
                files.append((rel.with_suffix(""), text, env.from_string(text), per_host))
            else:
                files.append((rel, text, None, False))
    return files


def _write(layer: Callable[[str], Path], rel: Path, data: bytes, below: Path | None) -> None:
    """Write /rel into a layer (mode 0644). Directories it creates take the owner and mode of the same
    directory in the layer `below` it, if that has one: an upper dir's attributes hide the lower's."""
    top, rest = rel.parts[0], Path(*rel.parts[1:])
    d = layer(top)
    d.mkdir(parents=True, exist_ok=True)
    dest = d / rest
    for part in rest.parent.parts:
        d = d / part
        if not d.is_dir():
            d.mkdir()
            like = below / top / d.relative_to(layer(top)) if below else None
            if like is not None and like.is_dir():
                st = like.stat()
                os.chown(d, st.st_uid, st.st_gid)
                d.chmod(st.st_mode & 0o7777)
    dest.write_bytes(data)
    dest.chmod(0o644)


def _stock_ownership(layer: Callable[[str], Path]) -> None:
    """Rocky's directories and ownership: named reads its config as group named and writes only below
    /var/named; chronyd owns its state and logs; NetworkManager has a conf.d (the notes write a drop-in)."""
    nuid, ngid = named_ids()
    cuid, cgid = chrony_ids()
    etc, var = layer("etc"), layer("var")
    (etc / "NetworkManager" / "conf.d").mkdir(parents=True, exist_ok=True)
    for f in ("named.conf", "named.rfc1912.zones", "named.root.key"):
        os.chown(etc / f, 0, ngid)
        os.chmod(etc / f, 0o640)
    _own(var / "named", 0, ngid, 0o770)
    for d in ("data", "dynamic", "slaves"):
        _own(var / "named" / d, nuid, ngid, 0o770)
    _own(var / "log" / "named", nuid, ngid, 0o750)
    _own(var / "lib" / "chrony", cuid, cgid, 0o750)
    _own(var / "log" / "chrony", cuid, cgid, 0o750)


def _time_zone(etc: Path) -> None:
    """The notes' time zone (their hosts show KST): Rocky keeps it only in /etc/localtime, and has no
    /etc/timezone (a whiteout hides the machine's)."""
    localtime = etc / "localtime"
    localtime.unlink(missing_ok=True)
    localtime.symlink_to(f"../usr/share/zoneinfo/{TIME_ZONE}")
    timezone = etc / "timezone"
    timezone.unlink(missing_ok=True)
    os.mknod(timezone, stat.S_IFCHR | 0o600, os.makedev(0, 0))  # overlayfs's whiteout


def _own(path: Path, uid: int, gid: int, mode: int) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, uid, gid)
    os.chmod(path, mode)
