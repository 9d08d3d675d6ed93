"""The class's own logic: placing seats on hosts by what each reports, and the roster's seat names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from airgaplab.classroom.placement import RESERVE_MIB, Capacity, Need, place
from airgaplab.classroom.progress import StepView, current_step
from airgaplab.classroom.roster import Roster, Seat, seat_name
from airgaplab.errors import UserError

from .conftest import cli

SEATS = [seat_name(n) for n in range(1, 5)]


def test_seats_are_spread_to_the_host_with_the_most_memory_left() -> None:
    hosts = [Capacity("qemu+ssh://a/system", RESERVE_MIB + 8000, 8),
             Capacity("qemu+ssh://b/system", RESERVE_MIB + 4000, 8)]
    got = place(SEATS, hosts, Need(2000, 2))
    assert got == {"seat-01": "qemu+ssh://a/system", "seat-02": "qemu+ssh://a/system",  # 8000, then 6000 left
                   "seat-03": "qemu+ssh://a/system", "seat-04": "qemu+ssh://b/system"}  # a tie: the first host


def test_a_seat_that_fits_nowhere_is_one_line_naming_it_and_what_each_host_has_left() -> None:
    hosts = [Capacity("qemu+ssh://a/system", RESERVE_MIB + 5000, 2),
             Capacity("qemu+ssh://b/system", RESERVE_MIB + 1000, 64)]
    with pytest.raises(UserError) as e:
        place(SEATS, hosts, Need(2000, 3))
    said = str(e.value)
    assert said.startswith("seat-03 fits on no host (a seat needs 2000 MiB and 3 vCPUs;") and "\n" not in said
    assert "qemu+ssh://a/system: 1000 MiB free beyond its reserve, 2 vCPUs left" in said
    assert "qemu+ssh://b/system: 1000 MiB" in said and "one more --host" in said


def test_cpus_bound_vm_seats_but_not_netns_seats() -> None:
    one_cpu = [Capacity("local", 100_000, 1)]
    with pytest.raises(UserError, match="seat-03 fits on no host"):
        place(SEATS, one_cpu, Need(100, 2))  # 4 vCPUs per CPU: two seats of two
    assert set(place(SEATS, one_cpu, Need(100))) == set(SEATS)


def test_a_host_that_takes_one_seat_takes_no_second_and_says_why() -> None:
    hosts = [Capacity("qemu:///system?socket=/a", 100_000, 8, seats_max=1, why_max="one internal network per host"),
             Capacity("qemu:///system?socket=/b", 100_000, 8, seats_max=1, why_max="one internal network per host")]
    assert place(SEATS[:2], hosts, Need(3000, 4)) == {"seat-01": "qemu:///system?socket=/a",
                                                        "seat-02": "qemu:///system?socket=/b"}
    with pytest.raises(UserError) as e:
        place(SEATS[:3], hosts, Need(3000, 4))
    said = str(e.value)
    assert said.startswith("seat-03 fits on no host") and "0 of its 1 seat(s) left" in said, said
    assert "at most 1 seat(s) per host: one internal network per host" in said and "\n" not in said


def test_a_stand_in_hosts_uri_names_it_also_once_it_is_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from airgaplab.backends.vagrant.libvirt import standin

    monkeypatch.setenv("AIRGAPLAB_STATE", str(tmp_path))
    uri = standin.StandIn("hv-a").uri
    assert uri == f"qemu:///system?socket={tmp_path}/.hypervisors/hv-a/libvirt/libvirt-sock"
    found = standin.for_uri(uri)
    assert found is not None and found.name == "hv-a" and not found.discard()  # a seat's `down` never stops its host
    assert standin.for_uri(uri.replace(str(tmp_path), "/elsewhere")) is None
    over_ssh = f"qemu+ssh://root@hv-b/system?command={tmp_path}/.hypervisors/hv-b/ssh/ssh"
    assert standin.name_of(over_ssh) == "hv-b"  # the same host, reached over ssh
    assert standin.name_of(over_ssh.replace(str(tmp_path), "/elsewhere")) is None


def test_a_seats_host_is_chosen_by_its_uri_and_a_uri_no_seat_runs_on_is_one_line() -> None:
    from airgaplab.backends.vagrant.libvirt.remote import RemoteHost
    from airgaplab.backends.vagrant.libvirt.seathost import seat_host
    from airgaplab.backends.vagrant.libvirt.system import SystemHypervisor

    assert isinstance(seat_host("qemu:///system"), SystemHypervisor)
    remote = seat_host("qemu+ssh://lab@kvm1:2222/system?keyfile=/k/id&no_verify=1")
    assert isinstance(remote, RemoteHost) and remote.standin is None and not remote.keeps_box_key
    # the VMs through the host, with the URI's own ssh options (what libvirt reads from it)
    assert remote.proxy_command == ("ssh -o BatchMode=yes -T -l lab -p 2222 -i /k/id -o StrictHostKeyChecking=no "
                                    "-W %h:%p kvm1")
    for bad, says in [("qemu+tcp://kvm1/system", "VM seats run on this machine's libvirtd"),
                      ("qemu+ssh:///system", "a libvirt host over ssh is qemu+ssh://"),
                      ("qemu+ssh://kvm1/session", "a libvirt host over ssh is qemu+ssh://")]:
        with pytest.raises(UserError, match=re.escape(says)) as e:
            seat_host(bad)
        assert len(str(e.value).splitlines()) == 1


@pytest.mark.parametrize(("name", "says"), [("Hv_A", "is no host name"), ("taken", "is taken here")])
def test_a_stand_in_host_with_a_bad_or_taken_name_is_one_line_and_nothing_is_created(
        state_dir: Path, name: str, says: str) -> None:
    (state_dir / "taken").mkdir(parents=True)  # a lab's state dir
    r = cli("hypervisor", "up", name)
    assert r.returncode == 2 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (state_dir / ".hypervisors").exists()
    r = cli("hypervisor", "down", name)
    assert r.returncode == 0 and "nothing to stop" in r.stdout, r.stdout + r.stderr


def test_a_stand_in_host_with_a_class_on_it_is_not_taken_down(state_dir: Path) -> None:
    from airgaplab.backends.vagrant.libvirt import standin

    uri = standin.StandIn("hv-unit-a").uri
    Roster(backend="vagrant", spec_file="labs/ntp-dns.yaml", seats=[Seat(name="seat-01", lab="seat-01", host=uri)]).save()
    r = cli("hypervisor", "down", "hv-unit-a")
    assert r.returncode == 2 and "seat-01 of the class here run(s) on hv-unit-a: `airgaplab class down` first" in r.stderr
    # no seat there, and no such host in this state dir: nothing touched (not even a host of that name that
    # another state dir has up on this machine)
    r = cli("hypervisor", "down", "hv-unit-b")
    assert r.returncode == 0 and "nothing to stop" in r.stdout, r.stdout + r.stderr


def test_the_step_a_member_is_on_is_the_first_that_does_not_pass() -> None:
    views = [StepView(1, "ntp-server", 3, 3), StepView(2, "ntp-clients", 1, 4), StepView(3, "dns-server", 0, 5)]
    assert current_step(views) == 2
    assert current_step([StepView(n, "s", 2, 2) for n in range(1, 5)]) == 5  # the one after the last
    assert current_step([StepView(1, "ntp-server", 0, 0)]) == 1  # nothing graded is not passing


def test_a_seat_is_named_by_its_name_or_number_and_a_wrong_one_names_the_seats() -> None:
    roster = Roster(backend="netns", spec_file="labs/ntp-dns.yaml", seats=[Seat(name=n, lab=n) for n in SEATS])
    assert roster.seat("2").name == roster.seat("seat-02").name == "seat-02"
    with pytest.raises(UserError, match=r"no seat 'seat-7' in this class — seats: seat-01 … seat-04"):
        roster.seat("seat-7")


@pytest.mark.parametrize("args", [["status"], ["status", "--json"], ["reset", "seat-02"], ["solve", "2", "--to", "4"],
                                  ["drill", "seat-01", "named-down"]])
def test_a_class_command_without_a_class_is_one_line_saying_how_to_start_one(state_dir: Path, args: list[str]) -> None:
    r = cli("class", *args)
    assert r.returncode == 2 and r.stderr.strip() == "error: no class is up here — `airgaplab class up --seats N` starts one"


def test_class_down_without_a_class_is_nothing_to_do(state_dir: Path) -> None:
    r = cli("class", "down")
    assert r.returncode == 0 and "no class is up: nothing to take down" in r.stdout


def test_class_status_names_a_stand_in_host_and_shows_any_other_by_its_uri(state_dir: Path) -> None:
    from airgaplab.backends.vagrant.libvirt import standin
    from airgaplab.cli.klass import host_label

    assert host_label(standin.StandIn("hv-a").uri) == "hv-a (stand-in)"
    assert host_label("qemu:///system") == "qemu:///system" and host_label("local") == "local"


def test_a_host_over_ssh_that_does_not_answer_is_one_line_and_nothing_is_created(state_dir: Path) -> None:
    uri = "qemu+ssh://root@kvm1/system?command=/bin/false"  # libvirt runs it as its ssh: no packet leaves
    r = cli("class", "up", "--backend", "vagrant", "--seats", "1", "--host", uri)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert f"--host {uri}: libvirt at {uri} does not answer" in r.stderr and "virsh -c" in r.stderr, r.stderr
    assert not state_dir.exists()


def test_a_libvirt_hosts_first_seat_comes_up_before_its_others_and_this_machines_seats_all_at_once() -> None:
    from airgaplab.classroom.seats import waves

    a, b = "qemu+ssh://a/system", "qemu+ssh://b/system"
    seats = [Seat(name=n, lab=n, host=h) for n, h in zip(SEATS, [a, b, a, a], strict=True)]
    assert [[s.name for s in w] for w in waves(seats)] == [["seat-01", "seat-02"], ["seat-03", "seat-04"]]
    local = [Seat(name=n, lab=n) for n in SEATS]
    assert [[s.name for s in w] for w in waves(local)] == [SEATS]
