"""A lab of the services it is given: `--services ntp` brings up chrony alone — no named anywhere, its own
requirements judged and passing, the DNS ones not this lab's."""

from __future__ import annotations

from airgaplab.backends.lifecycle import throwaway
from airgaplab.backends.netns.backend import NetnsBackend
from airgaplab.exercise import steps as exercise
from airgaplab.lab.specfile import load_spec, with_services
from airgaplab.paths import default_lab_file
from tests.helpers import lab_name


def test_a_lab_of_chrony_alone_runs_and_passes_chronys_requirements_only() -> None:
    spec = with_services(load_spec(default_lab_file()), "ntp")
    be = NetnsBackend(spec.model_copy(update={"name": lab_name("ntp")}))
    with throwaway(be):
        daemons = {h.name: h.daemons for h in be.status().hosts if h.name in spec.host_names}
        assert all(d.get("chronyd") == "active" and d.get("named") != "active" for d in daemons.values()), daemons
        got = exercise.graded(exercise.run_suite(be))
        judged = {g.req.split("-")[0] for g in got}
        assert judged == {"NTP", "NET"}, judged  # chrony's, and the lab's own isolation
        failed = [(g.req, g.host, g.observed) for g in got if g.outcome.failed]
        assert not failed, failed
        assert [s.name for s in exercise.of(be.spec)] == ["ntp-server", "ntp-clients"]
