"""Vagrant boxes built from distribution packages: rootfs, kernel, bootloader, qcow2, box.

    airgaplab box build debian12      # ~3 min cold; cached, keyed by its recipe
    airgaplab box list
    airgaplab box rm debian12

A box is built once per recipe (suite, package list, mirror, this builder's version) into ~/.cache/airgaplab/boxes/
and added to Vagrant under a name that carries the recipe's key, so a second `lab-up` reuses it and a changed recipe
never reuses a stale one. Everything the nodes need is pre-installed: they have no internet to install from.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from airgaplab.backends.vagrant.guests.guestsetup import guest_setup
from airgaplab.errors import UserError
from airgaplab.lab.family import family
from airgaplab.lab.transport import run_here
from airgaplab.services import registry

BUILDER_VERSION = "6"  # bump when the build steps change: a new key, a new box
DEFAULT_MIRROR = "http://deb.debian.org/debian"
IMAGE_GB = 4  # the box's own disk; the lab's vm.disk_gb grows the VM's disk beyond it
# What the metadata claims: less than the image, as the Rocky 10 box's does (vagrant-libvirt must take the larger
# of it and machine_virtual_size, or the disk would cut the image short)
METADATA_GB = 2
VAGRANT_PUB = Path("/usr/share/rubygems-integration/all/gems")
BUILD_TOOLS = ("debootstrap", "qemu-img", "extlinux", "losetup", "mkfs.ext4", "sfdisk", "tar")


@dataclass(frozen=True)
class Recipe:
    """What goes into a box; its key names the cached artifact."""

    os: str
    suite: str
    packages: tuple[str, ...]
    mirror: str

    @property
    def key(self) -> str:
        text = json.dumps([BUILDER_VERSION, self.os, self.suite, self.packages, self.mirror])
        return hashlib.sha256(text.encode()).hexdigest()[:10]

    @property
    def box_name(self) -> str:
        return f"airgaplab/{self.os}-{self.key}"


# A Rocky-like host: NetworkManager (so `dns=none` matters as on Rocky), each service's packages (chrony, BIND
# and its tools), and firewalld (hardening turns it on as on Rocky; the base step turns it off for the study lab's
# `hardening: false`).
DEBIAN_BASE = ("linux-image-amd64", "systemd-sysv", "udev", "kmod", "dbus", "libpam-systemd", "openssh-server",
               "sudo", "python3", "network-manager")
DEBIAN_TOOLS = ("iproute2", "iputils-ping", "nftables", "firewalld", "procps", "less", "ca-certificates")


def debian_packages() -> tuple[str, ...]:
    services = tuple(p for s in registry.every() for p in s.packages(family("debian12")))
    return (*DEBIAN_BASE, *services, *DEBIAN_TOOLS)


RECIPES = {"debian12": "bookworm"}


def recipe(os_name: str, mirror: str | None = None) -> Recipe:
    if os_name not in RECIPES:
        raise UserError(f"box {os_name}: no recipe — boxes can be built for {', '.join(RECIPES)} "
                        "(rocky10 uses the published Rocky box)")
    return Recipe(os_name, RECIPES[os_name], debian_packages(), mirror or os.environ.get("AIRGAPLAB_MIRROR",
                                                                                            DEFAULT_MIRROR))


def cache_dir() -> Path:
    return Path(os.environ.get("AIRGAPLAB_BOX_CACHE", Path.home() / ".cache" / "airgaplab" / "boxes"))


def box_file(r: Recipe) -> Path:
    return cache_dir() / f"{r.os}-{r.key}.box"


def file_of(os_name: str, mirror: str | None = None) -> Path:  # backends.parts.Boxes
    return box_file(recipe(os_name, mirror))


def _run(argv: list[str], what: str, input: str | None = None, cwd: str | None = None) -> str:
    proc = run_here(argv, what=f"box build: {what}", input=input.encode() if input is not None else None, cwd=cwd,
                    lines=6)
    return proc.stdout.decode(errors="replace")


def _insecure_key() -> str:
    found = sorted(VAGRANT_PUB.glob("vagrant-*/keys/vagrant.pub"))
    if not found:
        raise UserError("box build: Vagrant's insecure public key is missing — install vagrant (`make deps-test`)")
    return found[-1].read_text()


def vagrant_boxes() -> list[str]:
    if shutil.which("vagrant") is None:
        return []
    proc = subprocess.run(["vagrant", "box", "list", "--machine-readable"], capture_output=True, text=True,
                          cwd=str(_no_vagrantfile()))
    names = []
    for line in proc.stdout.splitlines():
        parts = line.split(",")
        if len(parts) >= 4 and parts[2] == "box-name":
            names.append(parts[3])
    return names


def _no_vagrantfile() -> Path:
    """A working directory without a Vagrantfile: box commands must not load the project's (it needs a plan)."""
    d = cache_dir()
    d.mkdir(parents=True, exist_ok=True)
    return d


def ensure(os_name: str, progress: Callable[[str], None], mirror: str | None = None) -> str:
    """The Vagrant box name for os_name, building and adding it when missing. One caller at a time (a lock in the
    cache): a class's seats come up side by side, and two `vagrant box add` of one box at once leave it without
    its metadata.json (seen in CI on a machine whose Vagrant had no box yet)."""
    with open(_no_vagrantfile() / ".box.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _ensure(os_name, progress, mirror)


def _ensure(os_name: str, progress: Callable[[str], None], mirror: str | None) -> str:
    r = recipe(os_name, mirror)
    if r.box_name in vagrant_boxes():
        return r.box_name
    path = box_file(r)
    if not path.exists():
        build(r, progress)
        stale = remove(os_name, keep=r.box_name)
        if stale:
            progress(f"removed boxes of an older recipe: {', '.join(stale)}")
    progress(f"vagrant box add {r.box_name}")
    _run(["vagrant", "box", "add", "--force", "--name", r.box_name, str(path)], "vagrant box add",
         cwd=str(_no_vagrantfile()))
    return r.box_name


def build(r: Recipe, progress: Callable[[str], None]) -> Path:
    """debootstrap → ext4 partition with extlinux → qcow2 → box (metadata.json, Vagrantfile, box.img)."""
    if os.geteuid() != 0:
        raise UserError("box build needs root (debootstrap, loop devices): run it with sudo or as root")
    missing = [t for t in BUILD_TOOLS if shutil.which(t) is None]
    if missing:
        raise UserError(f"box build: missing {', '.join(missing)} — run `make deps-box`")
    key = _insecure_key()
    out = box_file(r)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="airgaplab-box-", dir=out.parent) as tmp:
        work = Path(tmp)
        root = work / "rootfs"
        progress(f"debootstrap {r.suite} from {r.mirror} ({len(r.packages)} packages; about 2 min)")
        _run(["debootstrap", "--variant=minbase", f"--include={','.join(r.packages)}", r.suite, str(root), r.mirror],
             "debootstrap")
        progress("configure the guest: vagrant user, sshd, NetworkManager, services")
        _configure(root, key)
        raw = work / "disk.raw"
        progress(f"disk image ({IMAGE_GB} GiB, ext4, extlinux)")
        _make_disk(root, raw)
        shutil.rmtree(root)
        progress("qcow2 and box")
        img = work / "box.img"
        _run(["qemu-img", "convert", "-O", "qcow2", str(raw), str(img)], "qemu-img convert")
        raw.unlink()
        (work / "metadata.json").write_text(json.dumps({"provider": "libvirt", "format": "qcow2",
                                                        "virtual_size": METADATA_GB}))
        (work / "Vagrantfile").write_text(BOX_VAGRANTFILE)
        partial = out.with_suffix(".partial")
        _run(["tar", "-C", str(work), "-cf", str(partial), "metadata.json", "Vagrantfile", "box.img"], "tar")
        partial.rename(out)
    return out


BOX_VAGRANTFILE = """# airgaplab box: Debian from distribution packages, for vagrant-libvirt
Vagrant.configure("2") do |config|
  config.vm.provider :libvirt do |lv|
    lv.disk_bus = "virtio"
  end
end
"""



def _configure(root: Path, key: str) -> None:
    (root / "etc/hostname").write_text("airgaplab\n")
    (root / "etc/hosts").write_text("127.0.0.1\tlocalhost\n127.0.1.1\tairgaplab\n::1\tlocalhost ip6-localhost\n")
    # No root line: the kernel mounts / read-write (`rw`), and systemd then does not wait for udev to
    # announce /dev/vda1 (half a minute of an emulated boot).
    (root / "etc/fstab").write_text("# / is mounted read-write by the kernel (root=/dev/vda1 rw)\n")
    (root / "tmp/vagrant.pub").write_text(key)
    # NetworkManager manages every NIC (Debian's default leaves ifupdown's to ifupdown) — but, as on the Rocky 10
    # box, makes up no profile for a NIC that has none: only the first-boot profile (firstboot.py) brings the
    # management NIC up
    (root / "etc/network/interfaces").parent.mkdir(parents=True, exist_ok=True)
    (root / "etc/network/interfaces").write_text("auto lo\niface lo inet loopback\n")
    (root / "etc/NetworkManager/conf.d").mkdir(parents=True, exist_ok=True)
    (root / "etc/NetworkManager/conf.d/00-no-auto-default.conf").write_text("[main]\nno-auto-default=*\n")
    _run(["chroot", str(root), "sh", "-c", guest_setup()], "guest setup")
    for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for p in (root / junk).glob("*"):
            if p.is_file():
                p.unlink()


def _make_disk(root: Path, raw: Path) -> None:
    size = IMAGE_GB << 30
    with open(raw, "wb") as f:
        f.truncate(size)
    _run(["sfdisk", "-q", str(raw)], "sfdisk", input="label: dos\nstart=2048, type=83, bootable\n")
    # Partitions on loop devices do not show here: address the filesystem by offset instead.
    loop = _run(["losetup", "--find", "--show", "--offset", str(1 << 20), "--sizelimit", str(size - (1 << 20)),
                 str(raw)], "losetup").strip()
    mnt = raw.parent / "mnt"
    mnt.mkdir()
    try:
        _run(["mkfs.ext4", "-q", "-L", "root", loop], "mkfs.ext4")
        _run(["mount", loop, str(mnt)], "mount")
        try:
            _run(["cp", "-a", f"{root}/.", str(mnt)], "copy rootfs")
            kernel = sorted((mnt / "boot").glob("vmlinuz-*"))[-1].name
            initrd = sorted((mnt / "boot").glob("initrd.img-*"))[-1].name
            (mnt / "boot/extlinux").mkdir(exist_ok=True)
            (mnt / "boot/extlinux/extlinux.conf").write_text(
                f"default linux\ntimeout 1\nlabel linux\n  kernel /boot/{kernel}\n  initrd /boot/{initrd}\n"
                # mitigations=off: a throwaway lab guest; under emulation page-table isolation doubles syscall cost.
                # Predictable NIC names (ens5, ens6 …), as on Rocky: nothing may assume eth0
                "  append root=/dev/vda1 rw console=ttyS0 quiet mitigations=off\n")
            _run(["extlinux", "--install", str(mnt / "boot/extlinux")], "extlinux --install")
        finally:
            subprocess.run(["umount", str(mnt)], capture_output=True)
    finally:
        subprocess.run(["losetup", "-d", loop], capture_output=True)
    mbr = next((p for p in (Path("/usr/lib/syslinux/mbr/mbr.bin"), Path("/usr/lib/EXTLINUX/mbr.bin")) if p.exists()),
               None)
    if mbr is None:
        raise UserError("box build: syslinux's mbr.bin is missing — install syslinux-common")
    with open(raw, "r+b") as f:
        f.write(mbr.read_bytes()[:440])


def cached() -> list[dict[str, object]]:
    """Boxes in the cache and in Vagrant: name, file, size, whether Vagrant has it."""
    added = set(vagrant_boxes())
    rows: list[dict[str, object]] = []
    for path in sorted(cache_dir().glob("*.box")):
        os_name, _, key = path.stem.rpartition("-")
        name = f"airgaplab/{os_name}-{key}"
        rows.append({"name": name, "file": str(path), "size_mb": path.stat().st_size >> 20, "added": name in added})
    known = {r["name"] for r in rows}
    rows += [{"name": n, "file": None, "size_mb": None, "added": True}
             for n in sorted(added) if n.startswith("airgaplab/") and n not in known]
    return rows


def remove(os_name: str, keep: str | None = None) -> list[str]:
    """Remove every cached and added box of os_name (but `keep`); what was removed."""
    gone = []
    for row in cached():
        name = str(row["name"])
        if not name.startswith(f"airgaplab/{os_name}-") or name == keep:
            continue
        if row["added"]:
            subprocess.run(["vagrant", "box", "remove", "--force", "--all", name], capture_output=True,
                           cwd=str(_no_vagrantfile()))
        if row["file"]:
            Path(str(row["file"])).unlink(missing_ok=True)
            Path(str(row["file"])).with_suffix(".vmlinuz").unlink(missing_ok=True)
        gone.append(name)
    return gone
