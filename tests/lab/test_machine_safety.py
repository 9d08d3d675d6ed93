"""A lab cannot harm its machine: in a netns host the machine's directories are read-only, and what a
host may write (/etc, /var, /usr, /run, /tmp, /root, /home, /srv) is its own. Proven with canary files of the
test's own on the machine, never with a real system file."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

CANARY_DIRS = ("/opt", "/usr/local/share")  # on the machine's own filesystems, outside every host's own dirs


@pytest.fixture
def canaries() -> Iterator[list[Path]]:
    made = []
    for d in CANARY_DIRS:
        p = Path(d) / f"airgaplab-canary-{uuid.uuid4().hex[:8]}"
        p.write_text("the machine's own\n")
        made.append(p)
    yield made
    for p in made:
        p.unlink(missing_ok=True)


def digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def test_a_lab_host_cannot_change_the_machine(lab, canaries: list[Path]) -> None:
    for canary in canaries:
        r = lab.transport.exec("admin", ["sh", "-c", f"rm -f {canary}; echo changed > {canary}.new"])
        said = (r.stdout + r.stderr).decode()
        if canary.is_relative_to("/usr"):  # the host's own /usr (Rocky's, over the machine's): changed there alone
            assert r.returncode == 0, said
            seen = lab.transport.exec("admin", ["cat", f"{canary}.new"]).stdout.decode()
            assert seen == "changed\n" and lab.transport.exec("admin", ["test", "-e", str(canary)]).returncode == 1
            lab.transport.run("admin", ["rm", f"{canary}.new"])  # the shared lab: what provisioning does not know
        else:  # deleting or overwriting a file of the machine fails with the kernel's word
            assert r.returncode != 0 and "Read-only file system" in said, said
        assert canary.read_text() == "the machine's own\n" and not Path(f"{canary}.new").exists()
    # the host's own home, /tmp and /srv are writable, and are not the machine's
    bashrc, before = Path("/root/.bashrc"), digest(Path("/root/.bashrc"))
    marker = f"airgaplab-{uuid.uuid4().hex[:8]}"
    for host in ("admin", "k8s-node1"):
        lab.transport.run(host, ["sh", "-c", f"echo '# {marker}' >> /root/.bashrc && mkdir -p /home/s /srv/s && "
                                             f"touch /home/s/{marker} /srv/s/{marker} /tmp/{marker}"])
    assert digest(bashrc) == before
    assert not any(Path(d, marker).exists() for d in ("/tmp", "/home/s", "/srv/s"))
    # each host's own: one host's /root is not another's
    other = lab.transport.exec("k8s-node2", ["grep", "-c", marker, "/root/.bashrc"]).stdout.decode().strip()
    assert other in ("0", ""), other


def test_a_lab_hosts_own_dirs_go_with_down(netns_lab) -> None:
    be = netns_lab("safe")
    be.transport.run("admin", ["sh", "-c", "echo mine > /root/notes.txt"])
    roots = [p for p in be.state.dir.rglob("own/root/notes.txt")]
    assert roots, f"admin's /root is not under the lab's state dir {be.state.dir}"
    be.down()
    assert not be.state.dir.exists() or not list(be.state.dir.rglob("own")), "a host's own dirs outlived down"


def test_a_host_sees_no_labs_mounts_nor_the_machines_namespaces(lab) -> None:
    """Every lab's layers, saved states and namespace files (mounts under the state root) and the machine's
    named network namespaces are out of a host's view: its mount table has none of them."""
    state_root = f"{lab.state.dir.parent}/"
    for host in ("admin", "k8s-node1"):
        table = lab.transport.run(host, ["cat", "/proc/self/mountinfo"]).stdout.decode().splitlines()
        points = [line.split()[4] for line in table]
        kinds = [line.split(" - ", 1)[1].split()[0] for line in table]
        assert not [p for p in points if p.startswith(state_root)], (host, points)
        assert "nsfs" not in kinds and "/run/netns" not in points, (host, table)
        assert "/etc" in points and "/var" in points and "/run" in points, (host, points)  # its own, all there


def test_a_members_shell_keeps_no_power_over_the_machine(netns_lab) -> None:
    """What a member types (`airgaplab exec`, `shell`, the gateway, the board's terminals) runs without the
    capabilities that reach the machine: no remount of its read-only directories, no clock setting (tried here
    with the time it already is: harmless had it worked), no renaming the running host (its next boot does)."""
    from tests.helpers import cli

    be = netns_lab("member")
    r = cli("exec", "--name", be.spec.name, "admin", "--", "sh", "-c",
            "mount -o remount,rw /opt; echo mount=$?; date -s \"$(date)\" >/dev/null; echo date=$?; "
            "hostnamectl set-hostname renamed; hostname; systemctl restart named; echo named=$?")
    out = r.stdout + r.stderr
    assert "mount=32" in out and "date=1" in out and "Operation not permitted" in out, out
    assert "admin is named renamed from its next boot" in out and "\nadmin\n" in out, out
    assert "named=0" in out, out  # what the notes do still works: the daemons start as before
    be.reboot("admin")
    assert be.transport.run("admin", ["hostname"]).stdout.decode().strip() == "renamed"
