"""The packages of an airgaplab netns host, as its rpm and dnf know them: Rocky Linux 10.1's (rocky10.packages) and
the host's own record of what it has installed (/var/lib/rpm/installed: a fresh host's are the stock ones).

Installing a package shows its files in the host's /usr (the commands layer hides them until then, hostview.py):
a link to this host's shim of that name, or to the machine's own program, which stands in for Rocky's.
"""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(os.path.realpath(__file__)).parent
TABLE = HERE / "rocky10.packages"
INSTALLED = Path("/var/lib/rpm/installed")
MACHINE_USR = "/run/airgaplab/usr"  # the machine's /usr (its programs stand in for Rocky's)
SHIMS = "/run/airgaplab/shims"  # where a host sees this directory
PAYLOAD = Path("/usr/lib/airgaplab/payload")  # a package's own files (its configuration), until it is installed


class Package:
    """One package (a plain class: dataclasses' import is a third of this shim's start)."""

    def __init__(self, name: str, evr: str, arch: str, stock: bool, requires: tuple[str, ...],
                 files: dict[str, str]) -> None:
        self.name, self.evr, self.arch, self.stock = name, evr, arch, stock  # evr: [EPOCH:]VERSION-RELEASE
        self.requires = requires
        self.files = files  # path in /usr → the shim it is, or "" (the machine's own program)

    @property
    def vr(self) -> str:
        """VERSION-RELEASE, as `rpm -q` prints it (no epoch)."""
        return self.evr.split(":", 1)[-1]

    def nvra(self) -> str:
        """`rpm -q`'s name-version-release.arch."""
        return f"{self.name}-{self.vr}.{self.arch}"

    def nevra(self) -> str:
        """dnf's name-epoch:version-release.arch."""
        return f"{self.name}-{self.evr}.{self.arch}"

    def link(self, path: str) -> str:
        """Where the file at `path` points once installed."""
        return f"{SHIMS}/{self.files[path]}" if self.files[path] else f"{MACHINE_USR}{path.removeprefix('/usr')}"


def table() -> dict[str, Package]:
    """Every package a Rocky host can have here (the line `hidden` is the machine's tools no host shows)."""
    arch = os.uname().machine
    out = {}
    for line in TABLE.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, evr, pkg_arch, stock, requires, files = line.split()
        out[name] = Package(name, evr, arch if pkg_arch == "-" else pkg_arch, stock == "1",
                            tuple(r for r in requires.split(",") if r != "-"),
                            dict(f.split("=", 1) for f in files.split(",") if f != "-"))
    return out


def installed() -> list[str]:
    """The names of the packages this host has, in the order they came."""
    try:
        return [n for n in INSTALLED.read_text().split() if n]
    except OSError:
        return [p.name for p in table().values() if p.stock]


def needed(names: list[str]) -> list[Package]:
    """What installing `names` brings: each not installed, then what it requires and is not there."""
    pkgs, have = table(), set(installed())
    out: list[Package] = []
    todo = list(names)
    while todo:
        name = todo.pop(0)
        if name in have or any(p.name == name for p in out):
            continue
        out.append(pkgs[name])
        todo += list(pkgs[name].requires)
    return out


def _unpack(payload: Path) -> None:
    """A package's files from its payload into place, with their owners and modes; what is there already kept."""
    import shutil  # only here: an install is rare, a query is not

    for src in sorted(payload.rglob("*")):
        dest = Path("/") / src.relative_to(payload)
        if dest.exists() or dest.is_symlink():
            continue
        st = src.lstat()
        if src.is_dir():
            dest.mkdir()
        else:
            shutil.copy2(src, dest, follow_symlinks=False)
        os.chown(dest, st.st_uid, st.st_gid, follow_symlinks=False)
        os.chmod(dest, st.st_mode & 0o7777)


def install(pkgs: list[Package]) -> None:
    """Record `pkgs` as installed: their programs in /usr, their own files in place (as rpm's %config(noreplace):
    a file already there is kept)."""
    for pkg in pkgs:
        if (PAYLOAD / pkg.name).is_dir():
            _unpack(PAYLOAD / pkg.name)
        for path in pkg.files:
            target = Path(path)
            if target.is_symlink() or target.exists():
                target.unlink()
            target.symlink_to(pkg.link(path))
    INSTALLED.parent.mkdir(parents=True, exist_ok=True)
    INSTALLED.write_text("".join(f"{n}\n" for n in [*installed(), *(p.name for p in pkgs)]))
