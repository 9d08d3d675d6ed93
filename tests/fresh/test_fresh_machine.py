"""The first run on a bare machine, rehearsed: a Debian root as debootstrap's minbase leaves it (with
systemd-timesyncd, enabled, as a fresh install has it) runs the README's first command in a privileged container,
passes, and afterwards has the same services enabled and installed as before; and the repository's Containerfile
builds an image in which the lab comes up and the suite passes.

The roots are made once per recipe (scripts/bare-root.sh, about 40 s each) and kept as podman images, as the VM
box is kept. Each rehearsal prints its time."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, unavailable

README_COMMAND = "make lab-up && .venv/bin/pytest"  # README's first command (test_readme_command_is_this_one)
TIME_AND_NAME_PACKAGES = {"chrony", "bind9", "bind9-utils", "bind9-dnsutils", "ntp", "ntpsec", "named"}



def _podman() -> list[str]:
    """podman run's options for this machine: runc where crun cannot run (cgroups v1 and v2 mixed), the
    machine's own file and process limits (podman's defaults exceed what an unprivileged sandbox may set)."""
    if os.geteuid() != 0:
        unavailable("root: privileged containers", "run the rehearsal as root: sudo make test-fresh")
    if shutil.which("podman") is None:
        unavailable("podman is not installed", "bash scripts/install-deps.sh --for-tests installs it")
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    runtime = ["--runtime", "runc"] if shutil.which("runc") else []
    # nproc: any value runc may set (root's processes are not counted against it)
    limits = [f"--ulimit=nofile={nofile}:{nofile}", "--ulimit=nproc=4096:4096"]
    return [*runtime, *limits, "--network", "host"]  # host: no podman bridge in the machine's root namespace


def _bare_image(debian: str) -> tuple[str, float]:
    """The bare root's image (made once per recipe) and the seconds it took now."""
    t0 = time.monotonic()
    r = subprocess.run(["bash", str(ROOT / "scripts" / "bare-root.sh"), debian], capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().splitlines()[-1], time.monotonic() - t0


def _in_bare_root(debian: str, tmp: Path, script: str) -> tuple[Path, subprocess.CompletedProcess[str], float]:
    """`script` run by bash in a privileged container of the bare `debian` root, a clone at /src (its working
    dir), services.sh at /rehearsal, /out for what it writes: (that out dir, the run, the image's seconds)."""
    run_opts, (image, made) = _podman(), _bare_image(debian)
    clone, out = _clone(tmp), tmp / "out"
    out.mkdir()
    r = subprocess.run(["podman", "run", "--rm", "--privileged", *run_opts, "-v", f"{clone}:/src", "-w", "/src",
                        "-v", f"{Path(__file__).parent}:/rehearsal:ro", "-v", f"{out}:/out", image, "bash", "-c",
                        script], capture_output=True, text=True, timeout=1800)
    assert (out / "rc").exists(), f"the container did not run: {r.stderr[-2000:]}"
    return out, r, made


def _clone(tmp: Path) -> Path:
    """A clone of this checkout's committed state, as a user gets it (nothing built, no .venv, no .lab)."""
    dest = tmp / "airgaplab"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(dest)], check=True, timeout=120)
    return dest


def _lines(path: Path) -> set[str]:
    return set(path.read_text().splitlines())


@pytest.mark.parametrize("debian", ["debian12", "debian13"])
def test_the_readme_command_on_a_bare_debian_passes_and_changes_no_service(debian: str, tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    script = (f"bash /rehearsal/services.sh > /out/before && ({README_COMMAND}) > /out/readme.log 2>&1; "
              "echo $? > /out/rc; .venv/bin/airgaplab kit > /out/kit 2>&1; make lab-down >/dev/null 2>&1; "
              "bash /rehearsal/services.sh > /out/after")
    t0 = time.monotonic()
    out, r, made = _in_bare_root(debian, tmp_path, script)
    took = time.monotonic() - t0 - made
    log = (out / "readme.log").read_text() if (out / "readme.log").exists() else r.stdout + r.stderr
    with capsys.disabled():
        print(f"\n{debian}: README's first command on a bare root in {took:.0f} s (the image: {made:.0f} s; "
              f"{(out / 'kit').read_text().strip() if (out / 'kit').exists() else 'no kit'})")
    assert (out / "rc").read_text().strip() == "0", log[-3000:]
    assert "requirements pass" in log, log[-3000:]
    before, after = _lines(out / "before"), _lines(out / "after")
    enabled = {line for line in before ^ after if line.startswith("enabled ")}
    assert not enabled, f"enablement changed: {sorted(enabled)}"
    assert before <= after, f"removed from the machine: {sorted(before - after)}"
    assert "package systemd-timesyncd" in after
    installed = {line.split()[1] for line in after if line.startswith("package ")}
    assert not installed & TIME_AND_NAME_PACKAGES, installed & TIME_AND_NAME_PACKAGES
    new_units = {line.split()[1] for line in after - before if line.startswith("unit ")}
    assert not {u for u in new_units if u.startswith(("chrony", "named", "bind9", "ntp"))}, new_units


def test_what_a_package_enables_install_deps_leaves_disabled(tmp_path: Path) -> None:
    """openssh-server (the class's and the tests' list) enables ssh.service and its rc.d links as it installs:
    install-deps leaves the machine's enabled units as they were, and says so."""
    script = ("bash /rehearsal/services.sh > /out/before && AIRGAPLAB_DEPS_ALSO=openssh-server "
              "bash scripts/install-deps.sh > /out/deps.log 2>&1; echo $? > /out/rc; "
              "bash /rehearsal/services.sh > /out/after")
    out, _, _ = _in_bare_root("debian12", tmp_path, script)
    said = (out / "deps.log").read_text()
    assert (out / "rc").read_text().strip() == "0", said
    before, after = _lines(out / "before"), _lines(out / "after")
    assert "package openssh-server" in after and "unit ssh.service" in after
    assert {line for line in before ^ after if line.startswith("enabled ")} == set()
    assert "left disabled what the packages enabled: ssh.service" in said, said


def test_the_lab_comes_up_in_a_container_built_from_the_containerfile(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Containerfile's BASE is Debian 12 from a registry; here, where none is reachable, the same Debian built
    from its packages."""
    run_opts, (base, _) = _podman(), _bare_image("debian12")
    clone, tag = _clone(tmp_path), "localhost/airgaplab:rehearsal"
    t0 = time.monotonic()
    build = subprocess.run(["podman", "build", "-q", *[o for o in run_opts if not o.startswith("--ulimit=nproc")],
                            "--build-arg", f"BASE={base}", "-t", tag, "-f", "Containerfile", "."], cwd=clone,
                           capture_output=True, text=True, timeout=1800)
    built = time.monotonic() - t0
    assert build.returncode == 0, build.stderr[-3000:]
    t0 = time.monotonic()
    r = subprocess.run(["podman", "run", "--rm", "--privileged", *run_opts, tag], capture_output=True, text=True,
                       timeout=1800)
    with capsys.disabled():
        print(f"\nContainerfile: image built in {built:.0f} s, lab up and suite in {time.monotonic() - t0:.0f} s")
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    assert "requirements pass" in r.stdout, r.stdout[-3000:]
    subprocess.run(["podman", "image", "prune", "-f"], capture_output=True, timeout=300)


def test_readme_command_is_this_one() -> None:
    """The rehearsal runs what README tells a new user to type first."""
    assert f"{README_COMMAND}   #" in (ROOT / "README.md").read_text()
