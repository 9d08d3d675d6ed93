"""What a netns host's layers are seeded with: the lab's stock-Rocky image (image/, the same on every host, written
once), each host's own files, and what makes a host Rocky's where a student looks — its /usr's commands (the
shims as Rocky's programs, a package's programs hidden until `dnf install`), the daemons' users by Rocky's names,
a package's own files in its payload until it is installed."""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import jinja2
import jinja2.meta

from airgaplab.backends.netns.users import ids_of, write_users
from airgaplab.paths import PACKAGE_DIR
from airgaplab.services import registry

SHIM_DIR = PACKAGE_DIR / "backends" / "netns" / "shims"
HOST_SHIMS = "/run/airgaplab/shims"  # where a host sees SHIM_DIR (read-only)
SERVICES_DIR = PACKAGE_DIR / "services"
HOST_SERVICES = "/run/airgaplab/services"  # where a host sees the services' modules (read-only: their netns units)
IMAGE_DIR = PACKAGE_DIR / "backends" / "netns" / "image"
TIME_ZONE = "Asia/Seoul"
PACKAGES = SHIM_DIR / "rocky10.packages"  # Rocky's packages, the files of each in /usr (shims/rpmdb.py reads it)
NOT_ROCKY = ("debian_version", "bind", "apt", "dpkg")  # what the machine's /etc has and a Rocky host's has not
# a package's own files: on a lab host they come with `dnf install` (shims/rpmdb.py copies them in place), kept
# until then in its payload under /usr; the harness's own hosts have them in place
PAYLOAD = "usr/lib/airgaplab/payload"
OWN_DIRS = ("root", "home", "srv")  # a host's own, writable (with /etc, /var, /run and /tmp)


class SeededHost(Protocol):
    """What seeding needs of a host's view (hostview.HostView)."""
    @property
    def root(self) -> Path: ...
    @property
    def image(self) -> Path | None: ...
    @property
    def boots(self) -> bool: ...
    def upper(self, top: str) -> Path: ...


def _package_files() -> dict[str, tuple[str, ...]]:
    return {p: files for s in registry.every() for p, files in s.netns.packages.items()}


def seed_host(view: SeededHost, context: dict[str, object], extra: dict[str, bytes] | None = None) -> None:
    """Write a host's own stock-Rocky files into its (not yet mounted) upper dirs: what differs from host to host
    (its name, its connection profiles, `extra`) — and, without a lab `image`, everything."""
    for top in ("etc", "var", "usr"):
        view.upper(top).mkdir(parents=True, exist_ok=True)
        (view.root / top / "work").mkdir(parents=True, exist_ok=True)
    for top in OWN_DIRS:
        _own(view.root / "own" / top, 0, 0, 0o700 if top == "root" else 0o755)
    for skel in Path("/etc/skel").glob(".*"):  # root's shell files, as a fresh host has them
        if skel.is_file():
            (view.root / "own" / "root" / skel.name).write_bytes(skel.read_bytes())
    for rel, text, template, per_host in _image():
        if per_host or view.image is None:
            _write(_where(view.upper, rel, view.boots), rel,
                   (template.render(context) if template else text).encode(), view.image)
    for path, data in (extra or {}).items():
        _write(view.upper, Path(path.lstrip("/")), data, view.image)
    if view.boots and any(p.endswith(".nmconnection") for p in extra or {}):
        # a lab host's NetworkManager is enabled as installed: its boot starts it (the simulated internet has none)
        units = view.upper("var") / "lib" / "airgaplab" / "systemd"
        units.mkdir(parents=True, exist_ok=True)
        (units / "NetworkManager.enabled").touch()
    if view.image is None:
        _stock_ownership(view.upper, rocky=view.boots)
        _time_zone(view.upper("etc"))
        if view.boots:
            _rocky_system(view.upper)
    etc = view.upper("etc")
    _own(etc / "NetworkManager" / "system-connections", 0, 0, 0o700)
    for keyfile in (etc / "NetworkManager" / "system-connections").glob("*.nmconnection"):
        keyfile.chmod(0o600)
    internet = view.upper("var") / "named" / "internet"
    if internet.is_dir():  # the simulated internet's named (internet.py)
        nuid, ngid = ids_of("named")
        for d in ("root-keys", "resolver-keys"):
            _own(internet / d, nuid, ngid, 0o770)
        _own(internet, nuid, ngid, 0o770)


def seed_image(image: Path, context: dict[str, object], *, rocky: bool = True) -> None:
    """The lab's shared layer: the stock-Rocky files that are the same on every host of the lab, written
    once (a file costs about a millisecond to create here: a lab of 100 nodes would pay 2000 of them, twice
    with its saved state). `rocky`: its /usr and users as Rocky's too (not for the harness's own hosts)."""
    def layer(top: str) -> Path:
        return image / top

    for rel, text, template, per_host in _image():
        if not per_host:
            _write(_where(layer, rel, rocky), rel, (template.render(context) if template else text).encode(), None)
    _stock_ownership(layer, rocky=rocky)
    _time_zone(layer("etc"))
    if rocky:
        _rocky_system(layer)
    else:  # the harness's own hosts run the lab's daemons too (the simulated internet's named, chronyd)
        write_users(layer("etc"), rocky=False)


Image = list[tuple[Path, str, jinja2.Template | None, bool]]


@functools.cache
def _image() -> Image:
    """The image's files (path in the host, text, template if it is one, whether it differs per host): read
    and compiled once per run, not once per host."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True)
    files: Image = []
    sources = [(IMAGE_DIR, src) for src in sorted(IMAGE_DIR.rglob("*"))]
    sources += [(s.netns_image, src) for s in registry.every() for src in sorted(s.netns_image.rglob("*"))]
    for top, src in sources:
        if src.is_file():
            rel, text = src.relative_to(top), src.read_text()
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


def _payload(layer: Callable[[str], Path], package: str) -> Callable[[str], Path]:
    """The layer in which `package`'s own files wait for `dnf install` (its payload under /usr)."""
    return lambda top: layer("usr") / PAYLOAD.removeprefix("usr/") / package / top


def _where(layer: Callable[[str], Path], rel: Path, rocky: bool) -> Callable[[str], Path]:
    """The layer an image file goes to: its package's payload on a lab host, else in place."""
    for package, files in _package_files().items():
        if rocky and any(str(rel) in (f, f.rstrip("/")) or (f.endswith("/") and str(rel).startswith(f)) for f in files):
            return _payload(layer, package)
    return layer


def _stock_ownership(layer: Callable[[str], Path], *, rocky: bool) -> None:
    """Rocky's directories and ownership, as each service's package makes them (named reads its config as group
    named and writes only below /var/named; chronyd owns its state and logs: Service.netns.owned), in its
    package's payload on a lab host; NetworkManager has a conf.d (the notes write a drop-in)."""
    for s in registry.every():
        for rel, who, mode in s.netns.owned:
            user, group = who.split(":")
            uid = 0 if user == "root" else ids_of(user)[0]
            gid = 0 if group == "root" else ids_of(group)[1]
            top, rest = rel.split("/", 1)
            path = _where(layer, Path(rel), rocky)(top) / rest
            if path.is_file():
                os.chown(path, uid, gid)
                path.chmod(mode)
            else:
                _own(path, uid, gid, mode)
    (layer("etc") / "NetworkManager" / "conf.d").mkdir(parents=True, exist_ok=True)


def _rocky_system(layer: Callable[[str], Path]) -> None:
    """What tells a Rocky host from this machine where a student looks: /usr's commands (the shims as Rocky's
    programs; a package's programs hidden until `dnf install`, the machine's own package tools always), the
    daemons' users by Rocky's names (`ls -l /etc/named.conf`: root named), none of Debian's files in /etc."""
    usr, etc = layer("usr"), layer("etc")
    for line in PACKAGES.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        _name, _evr, _arch, stock, _requires, files = line.split()
        for entry in (f for f in files.split(",") if f != "-"):
            path, shim = entry.split("=", 1)
            dest = usr / path.removeprefix("/usr/")
            dest.parent.mkdir(parents=True, exist_ok=True)
            if stock != "1":
                _whiteout(dest)
            elif shim:
                dest.symlink_to(f"{HOST_SHIMS}/{shim}")
    write_users(etc, rocky=True)
    # the machine's secrets are not a host's: its passwords (every user locked here, as a fresh host's are
    # before `passwd`) and ssh host keys
    users = [line.split(":", 1)[0] for line in (etc / "passwd").read_text().splitlines() if ":" in line]
    groups = [line.split(":", 1)[0] for line in (etc / "group").read_text().splitlines() if ":" in line]
    for name, rows in (("shadow", [f"{u}:!!:20000:0:99999:7:::" for u in users]),
                       ("gshadow", [f"{g}:!::" for g in groups])):
        (etc / name).write_text("".join(f"{row}\n" for row in rows))
        (etc / name).chmod(0o000)  # as Rocky keeps them: root alone reads them
    (etc / "ssh").mkdir(exist_ok=True)
    for key in Path("/etc/ssh").glob("ssh_host_*"):
        _whiteout(etc / "ssh" / key.name)
    for name in NOT_ROCKY:
        _whiteout(etc / name)
    log = layer("var") / "log"  # the host's own logins and boots (`last`), none of the machine's
    log.mkdir(parents=True, exist_ok=True)
    for name in ("wtmp", "btmp", "lastlog"):
        (log / name).write_bytes(b"")
        (log / name).chmod(0o600 if name == "btmp" else 0o664)


def _whiteout(path: Path) -> None:
    """Hide the lower layers' `path` (overlayfs's whiteout: a character device 0/0)."""
    path.unlink(missing_ok=True)
    os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(0, 0))


def _time_zone(etc: Path) -> None:
    """The notes' time zone (their hosts show KST): Rocky keeps it only in /etc/localtime, and has no
    /etc/timezone (a whiteout hides the machine's)."""
    localtime = etc / "localtime"
    localtime.unlink(missing_ok=True)
    localtime.symlink_to(f"../usr/share/zoneinfo/{TIME_ZONE}")
    _whiteout(etc / "timezone")


def _own(path: Path, uid: int, gid: int, mode: int) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, uid, gid)
    os.chmod(path, mode)
