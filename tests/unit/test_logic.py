"""The harness's own decisions, on in-memory hosts (airgaplab.backends.fake): no root, no lab.

Lifecycle, provisioning order, fault rulesets, drill targets and records, the exercise's grading, and
the refusals that come before anything exists. What the lab then does is the lab tier's to prove."""

from __future__ import annotations

import pytest

from airgaplab.backends.fake import FakeBackend
from airgaplab.backends.lifecycle import up_or_clean
from airgaplab.errors import LabError, UserError
from airgaplab.exercise import drills, faults, rewind
from airgaplab.exercise import steps as exercise
from airgaplab.suite.outcomes import Outcome, Result

STEP = "/var/lib/airgaplab/steps/"


def steps_run(be: FakeBackend) -> list[tuple[int, str, str]]:
    """(order, host, step) of every provision step the fake hosts ran."""
    return [(r.seq, r.host, r.argv[-1].removeprefix(STEP).removesuffix(".sh"))
            for r in be.transport.ran if r.argv[-1].startswith(STEP)]


# --- lifecycle ----------------------------------------------------------------------------------
def test_up_journals_provisions_and_a_second_up_is_refused(fake: FakeBackend) -> None:
    fake.up()
    journal = fake.state.journal()
    assert journal is not None and journal.complete and journal.backend == "fake" and fake.is_up()
    with pytest.raises(UserError, match="already up"):
        fake.up()


def test_down_is_idempotent_and_says_whether_there_was_anything(fake: FakeBackend) -> None:
    fake.up()
    assert fake.down() is True and not fake.state.exists()
    assert fake.down() is False


def test_a_half_created_lab_is_refused_and_down_clears_it(fake: FakeBackend) -> None:
    fake.state.begin("fake", fake.spec.model_dump(), bare=False)  # a killed `up`: a journal, never completed
    with pytest.raises(UserError, match="half-created"):
        fake.up()
    assert fake.down() is True and not fake.state.exists()


def test_a_failed_up_is_taken_down_but_a_refusal_leaves_what_exists(fake: FakeBackend) -> None:
    fake.transport.answer(r"ntp-server\.sh", "chronyd: Invalid directive", returncode=1)
    with pytest.raises(LabError, match="provision step ntp-server") as err:
        up_or_clean(fake)
    assert "Invalid directive" in str(err.value) and not fake.state.exists()
    other = FakeBackend(fake.spec)
    other.up()
    with pytest.raises(UserError):
        up_or_clean(FakeBackend(fake.spec))
    assert other.is_up()


def test_a_failed_up_keeps_its_evidence_before_down_removes_it(fake: FakeBackend, tmp_path, monkeypatch) -> None:
    """AIRGAPLAB_EVIDENCE (the nightly run's artifact): what the backend keeps is copied before `down`, and a
    backend whose evidence itself fails still reports the failure that matters."""
    kept: list[bool] = []

    def keep(dest):
        kept.append(fake.state.exists())  # still there: `down` comes after
        (dest / "plan.json").write_text("{}")
        return ["plan.json"]

    monkeypatch.setenv("AIRGAPLAB_EVIDENCE", str(tmp_path / "evidence"))
    monkeypatch.setattr(fake, "keep_evidence", keep)
    fake.transport.answer(r"ntp-server\.sh", "chronyd: Invalid directive", returncode=1)
    with pytest.raises(LabError, match="provision step ntp-server"):
        up_or_clean(fake)
    assert kept == [True] and (tmp_path / "evidence" / fake.spec.name / "plan.json").exists()
    monkeypatch.setattr(fake, "keep_evidence", lambda dest: 1 / 0)
    with pytest.raises(LabError, match="provision step ntp-server"):
        up_or_clean(fake)
    assert not fake.state.exists()


def test_without_root_the_netns_backend_says_so_in_one_line(fake: FakeBackend, monkeypatch) -> None:
    from airgaplab.backends.netns.backend import NetnsBackend

    monkeypatch.setattr("os.geteuid", lambda: 1000)
    with pytest.raises(UserError, match="needs root") as err:
        NetnsBackend(fake.spec).up()
    assert "\n" not in str(err.value) and not fake.state.exists()


# --- provisioning -------------------------------------------------------------------------------
def test_admin_is_provisioned_before_any_node_asks_it_for_time(fake: FakeBackend) -> None:
    fake.up()
    ran = steps_run(fake)
    admin = [seq for seq, host, _ in ran if host == "admin"]
    ntp_clients = [seq for seq, _, step in ran if step == "ntp-client"]
    assert [s for _, h, s in ran if h == "admin"] == ["dns-server", "ntp-server"]  # DNS first: chronyd resolves
    assert len(ntp_clients) == 2 and min(ntp_clients) > max(admin)
    assert {h for _, h, s in ran if s == "dns-client"} == {"k8s-node1", "k8s-node2"}
    # every step got the rendered files first, on its own host
    assert "/var/lib/airgaplab/rendered/etc/chrony.conf" in fake.transport.files["k8s-node1"]


def test_a_bare_lab_gets_no_steps_and_no_reference_files(fake: FakeBackend) -> None:
    fake.up(bare=True)
    assert steps_run(fake) == [] and fake.transport.files == {}


# --- faults -----------------------------------------------------------------------------------
@pytest.fixture
def up(fake: FakeBackend) -> FakeBackend:
    fake.up()
    fake.transport.answer(r"ip -4 route show default", "default via 203.0.113.1 dev eth1 \n", host="admin")
    fake.transport.answer(r"ip -o -4 addr show", "2: eth0    inet 192.168.10.11/24 brd 192.168.10.255 scope global eth0\n",
                          host="k8s-node1")
    return fake


def test_internet_down_drops_what_comes_back_on_admins_outside_link_only(up: FakeBackend) -> None:
    assert faults.inject(up, "internet-down") == "no internet for admin"
    rules = up.transport.stdin_of("admin", r"^nft -f -$")
    assert 'iifname "eth1" drop' in rules and "oifname" not in rules
    assert [str(f) for f in faults.active(up.state)] == ["internet-down admin"]
    faults.inject(up, "internet-up")
    assert "delete table inet airgaplab_fault" in up.transport.stdin_of("admin", r"^nft -f -$")
    assert faults.active(up.state) == []


def test_loss_and_isolate_act_on_the_internal_nic_each_way(up: FakeBackend) -> None:
    faults.inject(up, "loss", "k8s-node1", "30")
    rules = up.transport.stdin_of("k8s-node1", r"^nft -f -$")
    assert 'iifname "eth0" numgen random mod 100 < 30 drop' in rules
    assert 'oifname "eth0" numgen random mod 100 < 30 drop' in rules
    faults.inject(up, "isolate", "k8s-node1")  # replaces nothing of loss: both in effect, one table
    rules = up.transport.stdin_of("k8s-node1", r"^nft -f -$")
    assert 'iifname "eth0" drop' in rules and "< 30" in rules
    undone = faults.clear(up)
    assert {str(f) for f in undone} == {"loss k8s-node1 30%", "isolate k8s-node1"} and faults.active(up.state) == []


def test_a_stopped_service_is_recorded_and_started_by_clear(up: FakeBackend) -> None:
    faults.inject(up, "stop", "k8s-node2", "chronyd")
    assert "systemctl stop chronyd" in up.transport.lines("k8s-node2")[-1]
    faults.clear(up)
    node2 = up.transport.lines("k8s-node2")
    assert "systemctl start chronyd" in node2[-2] and node2[-1] == "chronyc burst 4/4"  # started, then asks admin


@pytest.mark.parametrize(("args", "says"), [
    (("internet-dwon",), "did you mean internet-down?"),
    (("loss", "k8s-node1", "250"), "1-100"),
    (("stop", "admin", "httpd"), "unknown service 'httpd'"),
    (("isolate", "x9"), "no host 'x9'"),
    (("reboot",), "name the host"),
])
def test_bad_fault_input_is_one_line_and_changes_nothing(up: FakeBackend, args, says: str) -> None:
    before = len(up.transport.ran)
    with pytest.raises(UserError, match=says.replace("?", r"\?")) as err:
        faults.inject(up, *args)
    assert "\n" not in str(err.value) and faults.active(up.state) == []
    assert not any("nft" in r.line or "systemctl" in r.line for r in up.transport.ran[before:])


# --- drills ----------------------------------------------------------------------------------
def test_a_drill_runs_its_commands_on_its_hosts_and_is_recorded(up: FakeBackend) -> None:
    drills.apply(up, "nodes-lose-time")

    def scripts(host: str) -> str:
        return "\n".join(r.argv[-1] for r in up.transport.ran if r.host == host and r.argv[:2] == ("sh", "-c"))

    assert "sed -i '/^allow/d' /etc/chrony.conf && systemctl restart chronyd" in scripts("admin")
    assert all("systemctl restart chronyd" in scripts(n) for n in ("k8s-node1", "k8s-node2"))
    assert drills.active(up.state) is drills.DRILLS["nodes-lose-time"]


def test_drill_reset_undoes_then_provisions_again_and_forgets_the_drill(up: FakeBackend) -> None:
    drills.apply(up, "one-node-can-get-out")
    mark = len(up.transport.ran)
    assert rewind.undo_drill(up) == "one-node-can-get-out"
    after = [r for r in up.transport.ran if r.seq >= mark]
    undo = next(r.seq for r in after if "ip route del default" in r.line)
    first_step = next(r.seq for r in after if r.argv[-1].startswith(STEP))
    assert undo < first_step and drills.active(up.state) is None


def test_a_bare_lab_takes_drills_once_its_steps_pass_and_unknown_drills_are_one_line(fake: FakeBackend) -> None:
    fake.up(bare=True)
    with pytest.raises(UserError, match=r"is bare and its steps do not all pass yet \(3 of 8 checks fail\)"):
        drills.apply(fake, "nodes-lose-time", steps_pass=lambda _be: (False, "3 of 8 checks fail"))
    assert drills.active(fake.state) is None
    with pytest.raises(UserError, match="no drill 'ntp-no-alow'"):
        drills.apply(fake, "ntp-no-alow")
    drills.apply(fake, "nodes-lose-time", steps_pass=lambda _be: (True, ""))
    assert drills.active(fake.state) is drills.DRILLS["nodes-lose-time"]


def test_a_drill_is_judged_by_the_requirements_it_breaks(fake: FakeBackend) -> None:
    d = drills.DRILLS["dns-answers-strangers"]
    asked: list[list[str]] = []

    def outcomes(be, reqs, result=Result.FAIL):
        asked.append(reqs)
        return [Outcome("DNS-SRV-3", "admin", result, "t")]

    assert drills.judged(fake, d, outcomes) == ("broken", "still broken: DNS-SRV-3 on admin fail")
    assert asked == [["DNS-SRV-3"]]
    assert drills.judged(fake, d, lambda be, reqs: outcomes(be, reqs, Result.PASS))[0] == "repaired"
    state, says = drills.judged(fake, drills.DRILLS["ntp-fails-on-next-restart"], outcomes)
    assert state == "unknown" and "resilience" in says and len(asked) == 2  # no suite run for a fault-only drill


# --- the exercise ------------------------------------------------------------------------------
def test_solve_runs_the_steps_role_on_the_hosts_that_have_it(fake: FakeBackend) -> None:
    fake.up(bare=True)
    assert sorted(exercise.solve(fake, exercise.step("ntp-clients"))) == ["k8s-node1", "k8s-node2"]
    assert sorted((h, s) for _, h, s in steps_run(fake)) == [("k8s-node1", "ntp-client"), ("k8s-node2", "ntp-client")]


def test_solve_shows_the_answer_as_what_changed_in_each_file() -> None:
    before = {"/etc/chrony.conf": "pool 2.rocky.pool.ntp.org iburst\n", "/etc/chrony.bak": None}
    after = {"/etc/chrony.conf": "server 192.168.10.10 iburst\nlogdir /var/log/chrony\n",
             "/etc/chrony.bak": "pool 2.rocky.pool.ntp.org iburst\n"}
    lines = exercise.changes(before, after)
    assert "-pool 2.rocky.pool.ntp.org iburst" in lines and "+server 192.168.10.10 iburst" in lines
    assert "--- /dev/null" in lines and "+++ /etc/chrony.bak" in lines  # a new file: every line added
    assert exercise.changes(after, after) == []  # nothing changed, nothing shown
    # Rocky's stock named.conf indents with tabs, the rendering with spaces: no hunk for that alone
    tabs = {"/etc/named.conf": "logging {\n\tchannel default_debug {\n\t\tfile \"data/named.run\";\n"}
    spaces = {"/etc/named.conf": "logging {\n        channel default_debug {\n                file \"data/named.run\";\n"}
    assert exercise.changes(tabs, spaces) == []


def test_grading_keeps_the_first_failure_per_host_in_catalog_order() -> None:
    P, F = Result.PASS, Result.FAIL
    outcomes = [
        Outcome("NTP-CLI-2", "k8s-node1", P, "t"),
        Outcome("NTP-SRV-4", "k8s-node1", F, "t", "m", observed="no reply"),
        Outcome("NTP-SRV-4", "k8s-node1", F, "t", "m", observed="later"),
        Outcome("NTP-SRV-4", "k8s-node2", P, "t"),
        Outcome("NTP-SRV-1", "admin", F, "t", "not running"),
    ]
    got = [(g.req, g.host, g.outcome, g.observed) for g in exercise.graded(outcomes)]
    assert got == [("NTP-SRV-1", "admin", F, "not running"), ("NTP-SRV-4", "k8s-node1", F, "no reply"),
                   ("NTP-SRV-4", "k8s-node2", P, ""), ("NTP-CLI-2", "k8s-node1", P, "")]
    assert all(g.nudge for g in exercise.graded(outcomes))
    # the requirement's other failing checks are causes of their own, each once
    assert exercise.graded(outcomes)[1].causes == ("no reply", "later")


# --- saved states ------------------------------------------------------------------------------
def test_state_names_are_checked_and_a_backend_without_states_says_so(fake: FakeBackend) -> None:
    from airgaplab.errors import UserError
    from airgaplab.exercise import states

    fake.up()
    for bad in ("", "Has Space", "../up", "x" * 41):
        with pytest.raises(UserError, match="state name"):
            states.save(fake, bad)
    with pytest.raises(UserError, match="cannot save lab states yet"):
        states.save(fake, "mine")
    with pytest.raises(UserError, match="cannot restore lab states yet"):
        rewind.reset(fake)
    assert states.default(fake) == "provisioned" and states.saved(fake) == []


@pytest.mark.parametrize(("section", "field", "value", "checker"), [
    ("dns", "listen_on_v6", ["localhost-v6"], "named-checkconf"),  # a name BIND does not know as an ACL
    ("ntp", "upstream", ["pool.ntp.org maxpoll x"], "chronyd -p"),  # words chrony cannot parse
])
def test_a_spec_a_daemon_would_refuse_is_refused_before_anything_exists(fake: FakeBackend, section, field, value,
                                                                        checker) -> None:
    """Accepted by the spec's own validators, refused by the daemon's checker: one line, nothing created."""
    from airgaplab import kit
    from tests.helpers import unavailable

    if kit.cached() is None:  # the checkers are the lab's own (kit.py), not the machine's
        unavailable("the lab's own chrony and BIND are not fetched", "sudo make kit")
    part = getattr(fake.spec, section)
    spec = fake.spec.model_copy(update={section: part.model_copy(update={field: value})})
    be = FakeBackend(spec)
    with pytest.raises(UserError, match=checker) as err:
        be.up()
    assert "\n" not in str(err.value) and "would not load" in str(err.value) and not be.state.exists()
    assert be.transport.ran == []
