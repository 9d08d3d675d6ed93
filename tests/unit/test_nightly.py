"""The nightly tells the truth: a blocking doctor stops the job, the box is cached whatever the suite's verdict,
and the box is the one first downloaded for its URL (its sha256 recorded then, checked every night after)."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.helpers import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "nightly.yml"


def steps() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    flow = yaml.safe_load(WORKFLOW.read_text())
    return flow, flow["jobs"]["conformance"]["steps"]


def named(all_steps: list[dict[str, Any]], start: str) -> int:
    return next(i for i, s in enumerate(all_steps) if s.get("name", "").startswith(start))


def test_a_blocking_doctor_fails_the_job() -> None:
    """`make doctor … | tee` in GitHub's default `sh -e` never failed: `shell: bash` runs it with pipefail."""
    flow, all_steps = steps()
    doctor = all_steps[named(all_steps, "Doctor")]
    assert "| tee" in doctor["run"]
    shell = doctor.get("shell") or flow.get("defaults", {}).get("run", {}).get("shell")
    assert shell == "bash", "GitHub runs `bash -eo pipefail` only for shell: bash"
    r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", "false | tee /dev/null"])
    assert r.returncode != 0


def test_the_box_is_cached_before_the_suite_runs() -> None:
    """actions/cache saved the box only when the whole job succeeded: every red night downloaded it again."""
    _, all_steps = steps()
    uses = [s.get("uses", "") for s in all_steps]
    assert not any(u.startswith("actions/cache@") for u in uses), "actions/cache saves only at a green job's end"
    save = next(i for i, u in enumerate(uses) if u.startswith("actions/cache/save@"))
    assert save < named(all_steps, "Nightly") and save > named(all_steps, "The box, pinned")
    assert "success()" not in str(all_steps[save].get("if", ""))


def _spec_with(tmp: Path, url: str) -> Path:
    text = (ROOT / "labs" / "ntp-dns.yaml").read_text()
    lines = [f"  box_url: {url}" if line.startswith("  box_url:") else line for line in text.splitlines()]
    spec = tmp / "lab.yaml"
    spec.write_text("\n".join(lines) + "\n")
    return spec


def test_the_box_is_pinned_by_the_sha256_of_its_first_download(tmp_path: Path) -> None:
    box = tmp_path / "Rocky-10-Vagrant-Libvirt.latest.x86_64.vagrant.libvirt.box"
    box.write_bytes(b"the first box" * 1000)
    spec, cache = _spec_with(tmp_path, box.as_uri()), tmp_path / "cache"
    bin_dir = tmp_path / "bin"  # a stand-in vagrant that says what it was asked (the VM tier adds real boxes)
    bin_dir.mkdir()
    (bin_dir / "vagrant").write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/vagrant.log\n')
    (bin_dir / "vagrant").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PYTHON": str(ROOT / ".venv" / "bin" / "python")}

    def night() -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", str(ROOT / "scripts" / "nightly-box.sh"), str(spec), str(cache)], env=env,
                              capture_output=True, text=True, timeout=120, cwd=ROOT)

    first = night()
    sha = hashlib.sha256(box.read_bytes()).hexdigest()
    assert first.returncode == 0 and "recorded sha256" in first.stdout, first
    assert (cache / "box.sha256").read_text().strip() == sha
    box.write_bytes(b"next point release")  # the URL serves another box: the cached one is still used
    again = night()
    assert again.returncode == 0 and "recorded sha256" not in again.stdout and sha in again.stdout, again
    added = (tmp_path / "vagrant.log").read_text().splitlines()
    assert len(added) == 2 and all(f"--checksum {sha}" in a and "--name rockylinux-10-libvirt" in a for a in added)
    (cache / "box.file").write_bytes(b"tampered")
    bad = night()
    assert bad.returncode == 1 and "changed" in bad.stderr, bad
