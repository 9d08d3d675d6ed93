"""The lab's own chrony and BIND: the distribution's packages, downloaded and unpacked into a cache of
airgaplab's, never installed on the machine.

Installed system-wide, chrony would replace the machine's time service (Debian's chrony package removes
systemd-timesyncd) and both daemons would be enabled at the machine's next boot. Unpacked here, they are
the netns lab's alone: a lab host sees them in its /usr (viewmount.py), the harness runs their checkers and
signers from here (`run`), and the machine's services, packages and units stay as they were.

    kit = ensure(progress)               # fetched once (apt-get download + dpkg-deb -x, or dnf download + rpm2cpio)
    kit.program("named-checkconf")       # /var/cache/airgaplab/kit/debian-12-x86_64/usr/bin/named-checkconf
    subprocess.run(kit.argv(["dnssec-keygen", ...]), env=kit.env())
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from airgaplab.errors import LabError

# what the netns lab runs, by package manager: the daemons, their libraries, the BIND tools (dig, the checkers,
# the DNSSEC signers)
PACKAGES = {
    "apt": ("chrony", "bind9", "bind9-utils", "bind9-dnsutils", "bind9-libs"),
    "dnf": ("chrony", "bind", "bind-utils", "bind-dnssec-utils", "bind-libs"),
}
PROGRAMS = ("chronyd", "chronyc", "named", "named-checkconf", "named-checkzone", "dnssec-keygen", "dnssec-signzone",
            "dnssec-dsfromkey", "dig")
MANIFEST = "kit.json"  # written last: a kit without it is half-fetched and fetched again


def os_release(path: Path = Path("/etc/os-release")) -> dict[str, str]:
    """This machine's /etc/os-release as its fields (ID, ID_LIKE, VERSION_ID, PRETTY_NAME, …)."""
    fields = {}
    for line in path.read_text().splitlines() if path.exists() else []:
        key, sep, value = line.partition("=")
        if sep:
            fields[key] = value.strip().strip('"')
    return fields


def manager(release: dict[str, str] | None = None) -> str | None:
    """The machine's package manager the kit is fetched with (apt or dnf), or None."""
    r = os_release() if release is None else release
    family = f" {r.get('ID', '')} {r.get('ID_LIKE', '')} "
    if " debian " in family or " ubuntu " in family:
        return "apt"
    if any(f" {k} " in family for k in ("fedora", "rhel", "centos")):
        return "dnf"
    return None


def default_dir(release: dict[str, str] | None = None) -> Path:
    """One kit per distribution release and architecture (a machine upgraded to the next release fetches anew)."""
    if env := os.environ.get("AIRGAPLAB_KIT"):
        return Path(env)
    r = os_release() if release is None else release
    name = f"{r.get('ID', 'linux')}-{r.get('VERSION_ID', 'rolling')}-{platform.machine()}"
    return Path("/var/cache/airgaplab/kit") / re.sub(r"[^A-Za-z0-9._-]", "_", name)


@dataclass(frozen=True)
class Kit:
    """An unpacked kit: its root holds usr/ (and etc/) as the packages lay them out."""

    root: Path

    @property
    def usr(self) -> Path:
        return self.root / "usr"

    @property
    def ready(self) -> bool:
        """Fetched, and its daemons load: the machine's own libraries it counted on (those installed when it was
        fetched) may have gone since (an autoremove), and then it is fetched again."""
        manifest = self.root / MANIFEST
        return manifest.is_file() and _loads(self.root, manifest.stat().st_mtime)

    @property
    def manifest(self) -> dict[str, object]:
        data: dict[str, object] = json.loads((self.root / MANIFEST).read_text())
        return data

    @property
    def versions(self) -> dict[str, str]:
        """Each package the kit was unpacked from, with its version."""
        packages = self.manifest.get("packages", {})
        return {str(k): str(v) for k, v in packages.items()} if isinstance(packages, dict) else {}

    @property
    def summary(self) -> str:
        """The daemons' packages and versions, as doctor and `airgaplab kit` say them: `chrony 4.3-2, bind9 1:9.18…`."""
        v = self.versions
        return ", ".join(f"{p} {v[p]}" for p in ("chrony", "bind9", "bind") if p in v)

    def program(self, name: str) -> str:
        """Where `name` is in the kit (its usr/sbin or usr/bin, or the unmerged sbin, bin)."""
        for d in ("usr/sbin", "usr/bin", "sbin", "bin"):
            if (p := self.root / d / name).is_file():
                return str(p)
        raise LabError(f"the lab's own packages at {self.root} have no {name} — remove that directory; "
                       "the next `airgaplab up` fetches them again")

    def argv(self, argv: list[str]) -> list[str]:
        return [self.program(argv[0]), *argv[1:]]

    def env(self) -> dict[str, str]:
        """The environment a kit program runs in on the machine: its libraries first (a lab host needs none of
        this: its /usr has them)."""
        dirs = self.manifest.get("libdirs", [])
        libs = [str(self.root / str(d)) for d in (dirs if isinstance(dirs, list) else [])]
        return {**os.environ, "LD_LIBRARY_PATH": ":".join(libs)}

    def run(self, argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        """argv[0] from the kit, run on the machine (text, captured, 60 s unless given)."""
        opts: dict[str, object] = {"capture_output": True, "text": True, "timeout": 60, **kwargs}
        return subprocess.run(self.argv(argv), env=self.env(), **opts)  # type: ignore[call-overload,no-any-return]


@functools.cache
def _loads(root: Path, fetched: float) -> bool:
    """The kit's daemons start far enough to say their versions (once per process and fetch)."""
    kit = Kit(root)
    try:
        return all(kit.run([program, "-v"], timeout=30).returncode == 0 for program in ("named", "chronyd"))
    except (LabError, OSError, subprocess.TimeoutExpired):
        return False


def cached(root: Path | None = None) -> Kit | None:
    """The kit, if it was fetched."""
    kit = Kit(root or default_dir())
    return kit if kit.ready else None


def ensure(progress: Callable[[str], None] = lambda _: None, root: Path | None = None) -> Kit:
    """The kit, fetched and unpacked the first time (one process at a time: labs come up side by side)."""
    kit = Kit(root or default_dir())
    if kit.ready:
        return kit
    kit.root.parent.mkdir(parents=True, exist_ok=True)
    with open(kit.root.parent / f".{kit.root.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if kit.ready:
            return kit
        how = manager()
        if how is None:
            raise LabError("the lab's own chrony and BIND come from this machine's distribution (apt or dnf), and "
                           "this one has neither — run the lab in the Containerfile's container (README)")
        progress(f"fetching the lab's own chrony and BIND ({how}; once, into {kit.root.parent})")
        with tempfile.TemporaryDirectory(prefix=".fetch-", dir=kit.root.parent) as tmp:
            staging = Path(tmp) / "root"
            packages = (_fetch_apt if how == "apt" else _fetch_dnf)(Path(tmp), staging)
            libdirs = sorted({str(p.parent.relative_to(staging)) for p in staging.rglob("*.so*")
                              if p.parent.name not in ("bind", "named") and "/plugins" not in str(p)})
            (staging / MANIFEST).write_text(json.dumps({"manager": how, "packages": packages, "libdirs": libdirs},
                                                       indent=1))
            shutil.rmtree(kit.root, ignore_errors=True)
            staging.rename(kit.root)
    return kit


def _run(argv: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    if r.returncode != 0:
        said = (r.stderr.strip() or r.stdout.strip()).splitlines()
        raise LabError(f"fetching the lab's own packages: `{' '.join(argv[:3])} …` failed: "
                       f"{said[-1] if said else f'exit {r.returncode}'}")
    return r


def apt_plan(simulated: str, wanted: tuple[str, ...]) -> list[str]:
    """The packages to download, from `apt-get -s install` of `wanted`: those themselves, and of what an install
    would add, the libraries (the rest — adduser, debconf, iproute2 — serve maintainer scripts we never run)."""
    adds = re.findall(r"^Inst (\S+)", simulated, re.M)
    return [*wanted, *(p for p in adds if p not in wanted and p.startswith("lib"))]


def _fetch_apt(work: Path, staging: Path) -> dict[str, str]:
    wanted = PACKAGES["apt"]
    simulate = ["apt-get", "-s", "install", "--no-install-recommends", *wanted]
    r = subprocess.run(simulate, capture_output=True, text=True, timeout=120, env={**os.environ, "LANG": "C"})
    if r.returncode != 0:  # a fresh machine (a container) has no package lists yet
        _run(["apt-get", "update", "-qq"])
        r = _run(simulate)
    debs = work / "debs"
    debs.mkdir()
    # as root, apt's sandbox user could not write here: download as root (the files are checked by apt as always)
    download = ["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root", *apt_plan(r.stdout, wanted)]
    if subprocess.run(download, cwd=debs, capture_output=True, timeout=600).returncode != 0:
        _run(["apt-get", "update", "-qq"])  # stale lists name versions the mirror no longer has
        for partial in debs.glob("*.deb"):
            partial.unlink()
        _run(download, cwd=debs)
    packages = {}
    for deb in sorted(debs.glob("*.deb")):
        _run(["dpkg-deb", "-x", str(deb), str(staging)])
        name, version = _run(["dpkg-deb", "-f", str(deb), "Package", "Version"]).stdout.splitlines()[:2]
        packages[name.split(":", 1)[1].strip()] = version.split(":", 1)[1].strip()
    return packages


def _fetch_dnf(work: Path, staging: Path) -> dict[str, str]:
    rpms = work / "rpms"
    rpms.mkdir()
    # --resolve: with what the machine lacks of their dependencies
    _run(["dnf", "download", "-q", "--resolve", f"--destdir={rpms}", *PACKAGES["dnf"]])
    staging.mkdir()
    packages = {}
    for rpm in sorted(rpms.glob("*.rpm")):
        unpack = subprocess.run(f"rpm2cpio '{rpm}' | cpio -idm --quiet", shell=True, cwd=staging,
                                capture_output=True, text=True, timeout=300)
        if unpack.returncode != 0:
            raise LabError(f"fetching the lab's own packages: unpacking {rpm.name} failed: {unpack.stderr.strip()}")
        name, version = _run(["rpm", "-qp", "--qf", "%{NAME} %{VERSION}-%{RELEASE}", str(rpm)]).stdout.split()
        packages[name] = version
    return packages
