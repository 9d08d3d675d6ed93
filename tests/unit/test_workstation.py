"""Workstations as they are: which libvirtd a VM lab uses, and what the install script asks each distribution
family for (its decisions, read from `install-deps.sh --print` with another machine's os-release)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from airgaplab.backends.vagrant import doctor as vdoctor
from airgaplab.backends.vagrant.libvirt import libvirtd
from airgaplab.backends.vagrant.libvirt.libvirtd import SystemLibvirtd
from airgaplab.lab.specfile import load_spec
from airgaplab.paths import default_lab_file
from tests.helpers import ROOT

RUNNING = SystemLibvirtd("running", "systemctl enable --now libvirtd")
STOPPED = SystemLibvirtd("stopped", "systemctl enable --now libvirtd")
ABSENT = SystemLibvirtd("absent", "")


def test_a_stopped_system_libvirtd_is_named_with_its_start_command_never_replaced_for_rocky() -> None:
    """Right after `make deps-vm` on Debian/Ubuntu libvirtd is installed but not started: the Rocky box and
    admin's `dnf install bind` need the real internet, which a private hypervisor does not reach."""
    rocky = libvirtd.choose("auto", "rocky10", STOPPED)
    assert rocky.kind == "system" and "installed but not running" in rocky.why
    assert "systemctl enable --now libvirtd" in rocky.blocker
    # a box built here needs nothing from outside: the private hypervisor serves, and the line says how to use
    # the system one instead
    debian = libvirtd.choose("auto", "debian12", STOPPED)
    assert debian.kind == "private" and not debian.blocker and "systemctl enable --now libvirtd" in debian.why


@pytest.mark.parametrize(("setting", "os_name", "system", "kind", "blocked"), [
    ("auto", "rocky10", RUNNING, "system", False),
    ("auto", "debian12", RUNNING, "system", False),
    ("auto", "rocky10", ABSENT, "private", True),  # nothing could fetch the box
    ("auto", "debian12", ABSENT, "private", False),
    ("private", "rocky10", RUNNING, "private", True),
    ("private", "debian12", STOPPED, "private", False),
    ("system", "debian12", STOPPED, "system", True),
    ("system", "debian12", ABSENT, "system", True),
])
def test_hypervisor_choice(setting: str, os_name: str, system: SystemLibvirtd, kind: str, blocked: bool) -> None:
    choice = libvirtd.choose(setting, os_name, system)
    assert choice.kind == kind and bool(choice.blocker) == blocked, choice


def test_installed_is_read_from_unit_files(tmp_path: Path) -> None:
    def nowhere(_: str) -> None:
        return None

    assert libvirtd._installed((tmp_path,), nowhere) is None
    (tmp_path / "virtqemud.service").touch()  # EL9/EL10: the modular daemons
    assert libvirtd._installed((tmp_path,), nowhere) == "virtqemud"
    assert "virtqemud.socket" in libvirtd.START["virtqemud"]


def test_doctor_names_the_stopped_system_libvirtd_and_how_to_start_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(libvirtd, "system_libvirtd", lambda: STOPPED)
    found, private = vdoctor._hypervisor_finding(load_spec(default_lab_file()))
    assert not found.ok and found.blocking and not private
    assert "installed but not running" in found.detail and "systemctl enable --now libvirtd" in found.fix


OS_RELEASES = {
    "debian12": 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n',
    "debian13": 'ID=debian\nVERSION_ID="13"\nVERSION_CODENAME=trixie\n',
    "ubuntu22": 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\nVERSION_CODENAME=jammy\n',
    "ubuntu24": 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\n',
    "fedora41": 'ID=fedora\nVERSION_ID=41\n',
    "rocky10": 'ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="10.0"\n',
    "alma9": 'ID="almalinux"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.6"\n',
    "alma10": 'ID="almalinux"\nID_LIKE="rhel centos fedora"\nVERSION_ID="10.0"\n',
    "arch": "ID=arch\n",
}
# what each family's own repositories offer of the packages the script might ask for (the rest: "*")
NO_VAGRANT = "chrony bind9 bind9-utils bind9-dnsutils iproute2 nftables libvirt-daemon-system qemu-system-x86"


def deps(os_name: str, *flags: str, available: str = "*") -> tuple[int, dict[str, str], str]:
    """`install-deps.sh --print FLAGS` as os_name would run it: (exit code, {source: its line}, stderr)."""
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"airgaplab-os-release-{os.getpid()}-{os_name}"
    path.write_text(OS_RELEASES[os_name])
    manager = "apt" if "debian" in OS_RELEASES[os_name] or "ubuntu" in OS_RELEASES[os_name] else "dnf"
    env = {**os.environ, "AIRGAPLAB_OS_RELEASE": str(path), "AIRGAPLAB_DEPS_AVAILABLE": available,
           "AIRGAPLAB_DEPS_MANAGER": manager}
    r = subprocess.run(["bash", str(ROOT / "scripts/install-deps.sh"), "--print", *flags], env=env,
                       capture_output=True, text=True, timeout=60)
    path.unlink()
    lines = dict(line.split(": ", 1) for line in r.stdout.splitlines() if ": " in line and not line.startswith("note"))
    return r.returncode, lines, r.stderr + "\n".join(x for x in r.stdout.splitlines() if x.startswith("note"))


def words(line: str) -> set[str]:
    return set(line.split())


@pytest.mark.parametrize("os_name", ["debian12", "ubuntu24"])
def test_debian_and_ubuntu_get_vagrant_from_their_own_repositories(os_name: str) -> None:
    rc, got, notes = deps(os_name, "--vm")
    assert rc == 0 and got["family"].startswith("debian")
    assert {"vagrant", "vagrant-libvirt", "libvirt-daemon-system", "qemu-system-x86"} <= words(got["apt"])
    assert {"libvirt-dev", "pkg-config", "gcc"} <= words(got["apt"])  # what libvirt-python builds with
    assert "repos" not in got and "vagrant plugins" not in got
    assert "debootstrap" not in words(got["apt"])  # the box builder only when a box is built here
    assert "systemctl enable --now libvirtd" in notes  # installed, not started: the note says how
    _, boxed, _ = deps(os_name, "--vm", "--box-builder")
    assert {"debootstrap", "extlinux", "qemu-utils"} <= words(boxed["apt"])


def test_debian13_has_no_vagrant_so_hashicorps_repository_and_the_plugin() -> None:
    rc, got, _ = deps("debian13", "--vm", available=NO_VAGRANT)
    assert rc == 0 and got["repos"] == "hashicorp-apt" and got["vagrant plugins"] == "vagrant-libvirt"
    assert "vagrant-libvirt" not in words(got["apt"]) and {"vagrant", "libvirt-dev", "gcc"} <= words(got["apt"])


def test_fedora_has_vagrant_and_vagrant_libvirt_as_packages() -> None:
    rc, got, _ = deps("fedora41", "--vm")
    assert rc == 0 and got["family"].startswith("fedora") and "repos" not in got
    assert {"vagrant", "vagrant-libvirt", "libvirt-daemon-kvm", "qemu-kvm"} <= words(got["dnf"])


@pytest.mark.parametrize("os_name", ["rocky10", "alma9"])
def test_rocky_asks_dnf_only_for_what_its_repositories_have(os_name: str) -> None:
    """No Rocky/RHEL repository has vagrant or vagrant-libvirt (not even EPEL); ShellCheck and debootstrap are
    EPEL's. `dnf install` stops at the first package it cannot find, so none of them may be in its list."""
    rc, got, _ = deps(os_name, "--vm")
    assert rc == 0 and got["family"].startswith("el")
    assert "hashicorp-rpm" in got["repos"] and got["vagrant plugins"] == "vagrant-libvirt"
    dnf = words(got["dnf"])
    assert "vagrant-libvirt" not in dnf and {"ShellCheck", "debootstrap", "syslinux-extlinux"}.isdisjoint(dnf)
    assert {"vagrant", "libvirt-devel", "gcc", "qemu-kvm"} <= dnf  # vagrant: HashiCorp's repo
    assert {"pkgconf-pkg-config", "python3-devel"} <= dnf  # libvirt-python's build, with libvirt-devel and gcc
    _, tests, _ = deps(os_name, "--for-tests")
    assert "epel" in words(tests["repos"]) and "ShellCheck" in words(tests["dnf"])


def test_an_unknown_distribution_is_one_line_and_exit_2() -> None:
    rc, got, err = deps("arch", "--vm")
    assert rc == 2 and not got and err.strip().count("\n") == 0 and "by hand" in err


@pytest.mark.parametrize(("avail", "fits"), [(20000, "as is"), (7000, "scaled"), (6500, "scaled"), (4000, "no")])
def test_the_memory_check_is_sized_to_the_plan_and_the_runner(avail: int, fits: str) -> None:
    """A hosted 2-vCPU runner has about 7 GiB: the reference plan (8 GiB with this machine's share) is scaled to
    it, every guest alike and none below 1 GiB, and doctor's fix names the sizes."""
    spec = load_spec(default_lab_file())
    fitted = vdoctor.fit_memory(spec, avail)
    finding = vdoctor._memory_finding(spec, avail)
    if fits == "no":
        assert fitted is None and not finding.ok and "fewer --nodes" in finding.fix
        return
    assert fitted is not None and vdoctor.memory_needed(fitted) <= avail
    assert all((h.memory or fitted.vm.memory) >= vdoctor.MIN_GUEST_MIB for h in fitted.hosts)
    assert finding.ok == (fits == "as is") and (fitted is spec) == (fits == "as is")
    if fits == "scaled":
        admin = fitted.host("admin").memory
        assert admin is not None and admin > (fitted.host("k8s-node1").memory or 0)  # admin keeps the most
        assert f"admin {admin} MiB" in finding.fix
        assert vdoctor._memory_finding(fitted, avail).ok


FAMILIES = ["debian12", "debian13", "ubuntu22", "ubuntu24", "fedora41", "rocky10", "alma9", "alma10"]


@pytest.mark.parametrize("os_name", FAMILIES)
@pytest.mark.parametrize("flags", [(), ("--vm",), ("--for-tests", "--vm", "--box-builder", "--class")])
def test_no_time_or_name_service_is_installed_on_the_machine(os_name: str, flags: tuple[str, ...]) -> None:
    """chrony replaces systemd-timesyncd and both daemons come enabled: the lab's own are unpacked into a cache
    (kit.py), and what fetches them is on the list (dnf's download, cpio) or always there (apt-get, dpkg-deb)."""
    rc, got, _ = deps(os_name, *flags, available=NO_VAGRANT if os_name == "debian13" else "*")
    listed = words(got.get("apt", "") + " " + got.get("dnf", ""))
    assert rc == 0 and listed
    daemons = {"chrony", "bind9", "bind", "bind9-utils", "bind-utils", "bind9-dnsutils", "bind-dnssec-utils", "ntp",
               "ntpsec", "systemd-timesyncd"}
    assert not listed & daemons, listed & daemons
    if "dnf" in got:
        assert "cpio" in listed and ("dnf-plugins-core" in listed or os_name.startswith("fedora"))


@pytest.mark.parametrize("os_name", ["debian12", "debian13", "ubuntu22", "ubuntu24"])
def test_libvirt_python_builds_with_pythons_headers(os_name: str) -> None:
    """`make venv-vm` compiles libvirt-python (no wheels): Python.h is python3-dev's."""
    _, got, _ = deps(os_name, "--vm", available=NO_VAGRANT if os_name == "debian13" else "*")
    assert {"python3-dev", "libvirt-dev", "pkg-config", "gcc"} <= words(got["apt"])


@pytest.mark.parametrize("os_name", ["rocky10", "alma9", "alma10"])
def test_el_enables_crb_for_libvirt_devel(os_name: str) -> None:
    """libvirt-devel lives in CRB: without it `dnf install` stops at the first package it cannot find."""
    _, got, _ = deps(os_name, "--vm")
    assert "crb" in words(got["repos"]) and "libvirt-devel" in words(got["dnf"])


@pytest.mark.parametrize(("os_name", "repo"), [("alma9", "hashicorp-rpm"), ("rocky10", "hashicorp-rpm-rhel9"),
                                                ("alma10", "hashicorp-rpm-rhel9")])
def test_vagrant_on_el_comes_from_a_hashicorp_path_that_exists(os_name: str, repo: str) -> None:
    """HashiCorp's RPM repository has no RHEL 10 path (its metadata 404s and the whole install aborts)."""
    _, got, notes = deps(os_name, "--vm")
    assert repo in words(got["repos"]) and ({"hashicorp-rpm", "hashicorp-rpm-rhel9"} - {repo}).isdisjoint(
        words(got["repos"]))
    assert ("RHEL 9 repository" in notes) == (repo == "hashicorp-rpm-rhel9")


@pytest.mark.parametrize("os_name", FAMILIES)
def test_lint_installs_what_make_lint_runs(os_name: str) -> None:
    rc, got, _ = deps(os_name, "--lint")
    listed = words(got.get("apt", "") + " " + got.get("dnf", ""))
    assert rc == 0 and listed & {"shellcheck", "ShellCheck"}
    assert "epel" in words(got.get("repos", "")) or "dnf" not in got or os_name.startswith("fedora")


def test_make_lint_installs_its_tools_first() -> None:
    """`make lint` on a fresh clone ran ShellCheck that nothing installed."""
    rule = next(line for line in (ROOT / "Makefile").read_text().splitlines() if line.startswith("lint:"))
    assert "deps-lint" in rule.split()


def test_every_make_target_that_runs_npm_or_shellcheck_installs_it_first() -> None:
    """`make lint` on a fresh clone ran ShellCheck that nothing had installed; npm's targets are alike."""
    rules: dict[str, tuple[str, list[str]]] = {}
    target = ""
    for line in (ROOT / "Makefile").read_text().splitlines():
        if line and not line.startswith(("\t", "#", " ")) and ":" in line and "=" not in line.split(":", 1)[0]:
            target, deps = line.split(":", 1)
            rules[target] = (deps, [])
        elif line.startswith("\t") and target:
            rules[target][1].append(line)
    for name, (deps, recipe) in rules.items():
        body = "\n".join(recipe)
        if "npm " in body:
            assert "deps-node" in deps or "deps-lint" in deps, f"{name} runs npm and installs no Node.js first"
        if "shellcheck " in body:
            assert "deps-lint" in deps, f"{name} runs shellcheck and installs none first"


@pytest.mark.parametrize("os_name", FAMILIES)
def test_node_alone(os_name: str) -> None:
    rc, got, _ = deps(os_name, "--node")
    listed = words(got.get("apt", "") + " " + got.get("dnf", ""))
    assert rc == 0 and ("npm" in listed or shutil.which("npm"))


def test_doctor_says_where_vagrant_came_from(tmp_path: Path) -> None:
    """On EL 10 Vagrant comes from HashiCorp's RHEL 9 path: doctor's vagrant line says so."""
    from airgaplab.backends.vagrant.doctor import vagrant_source

    repo, apt = tmp_path / "hashicorp.repo", tmp_path / "hashicorp.list"
    assert vagrant_source(repo, apt) == ""
    repo.write_text("[hashicorp]\nbaseurl=https://rpm.releases.hashicorp.com/RHEL/9/$basearch/stable\n")
    assert "HashiCorp's RHEL 9 repository" in vagrant_source(repo, apt)
    repo.unlink()
    apt.write_text("deb [signed-by=/usr/share/keyrings/hashicorp.gpg] https://apt.releases.hashicorp.com trixie main\n")
    assert vagrant_source(repo, apt).startswith(", from HashiCorp's repository")
