"""summary.json: the facts of one conformance run, machine-readable.

Schema `airgaplab-summary/2` (documented in reports/README.md):

    schema, lab, backend, started, finished (ISO 8601 UTC), verdict (PASS|FAIL)
    inventory:    the inventory whose hosts were judged (`--inventory`), or null for a lab of the harness's
    hosts:        [{name, verdict (PASS|FAIL|SKIP|NOT JUDGED), why}]: each host's worst outcome, or why it was not
                  judged (unreachable, key refused, no sudo, not the host the inventory says)
    counts:       requirements, requirements_passed, requirements_failed, requirements_skipped, tests, tests_failed
    rehearsal:    the drill applied before the run, or null
    timings:      lab_up_s (null: the lab was up before the run), ntp_sync_s {node: seconds or null},
                  ntp_sync_max_s (null unless every node synchronized), ntp_synchronized, suite_s
    environment:  key → value (backend, host OS or box, chrony, BIND, kernel, spec digest)
    topology:     network, hosts [{name, ip, roles, internet}], serves [{from, to, what}]
    requirements: [{id, claim, kind, family, hint, results {host: PASS|FAIL|ERROR|SKIP},
                    failures [{host, message, evidence [label]}]}]
    evidence:     label → text, each once ("host: what"): every failure's, plus the lab's baseline
    history:      the earlier runs of this lab (history.jsonl lines), oldest first
"""

from __future__ import annotations

from typing import Any

from airgaplab.lab.spec import LabSpec
from airgaplab.services import registry
from airgaplab.suite.catalog import catalog
from airgaplab.suite.outcomes import Outcome, Result, host_verdicts, per_host, verdict, worst

SCHEMA = "airgaplab-summary/2"


def topology(spec: LabSpec) -> dict[str, Any]:
    serves = []
    for service in registry.of(spec):
        server = spec.server_for(service.name)
        if server:
            serves += [{"from": server.name, "to": h.name, "what": service.name.upper()} for h in spec.hosts
                       if h.has(service.client_role)]
    return {
        "network": spec.network.internal,
        "hosts": [{"name": h.name, "ip": h.ip, "roles": list(h.roles), "internet": h.internet} for h in spec.hosts],
        "serves": serves,
    }


def requirements(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    out = []
    for rid, req in catalog().items():
        mine = [o for o in outcomes if o.req == rid]
        if not mine:
            continue
        results = per_host((o.host, o.outcome) for o in mine)
        failures = [{"host": o.host, "message": o.message, "evidence": list(o.evidence)}
                    for o in mine if o.outcome.failed]
        out.append({"id": rid, "claim": req.claim, "kind": req.kind, "family": req.group, "hint": req.hint,
                    "results": results, "failures": failures})
    return out


def build(*, spec: LabSpec, backend: str, started: str, finished: str, outcomes: list[Outcome],
          timings: dict[str, Any], environment: dict[str, str], history: list[dict[str, Any]],
          baseline: dict[str, str] | None = None, rehearsal: str | None = None, inventory: str | None = None,
          not_judged: dict[str, str] | None = None) -> dict[str, Any]:
    reqs = requirements(outcomes)
    evidence: dict[str, str] = {}
    for o in outcomes:
        evidence.update(o.evidence)
    evidence.update({k: v for k, v in (baseline or {}).items() if k not in evidence})
    status = [worst(r["results"].values()) for r in reqs]
    return {
        "schema": SCHEMA,
        "lab": spec.name,
        "backend": backend,
        "started": started,
        "finished": finished,
        "verdict": verdict(status, judged=not not_judged),
        "rehearsal": rehearsal,
        "inventory": inventory,
        "hosts": host_verdicts([h.name for h in spec.hosts], ((o.host, o.outcome) for o in outcomes),
                               not_judged or {}),
        "counts": {
            "requirements": len(reqs),
            "requirements_passed": status.count(Result.PASS),
            "requirements_failed": sum(bool(s and s.failed) for s in status),
            "requirements_skipped": status.count(Result.SKIP),
            "tests": len(outcomes),
            "tests_failed": sum(o.outcome.failed for o in outcomes),
        },
        "timings": timings,
        "environment": environment,
        "topology": topology(spec),
        "requirements": reqs,
        "evidence": evidence,
        "history": history,
    }


def history_line(summary: dict[str, Any], run_dir: str) -> dict[str, Any]:
    return {
        "finished": summary["finished"],
        "verdict": summary["verdict"],
        "requirements_passed": summary["counts"]["requirements_passed"],
        "requirements": summary["counts"]["requirements"],
        "ntp_sync_max_s": summary["timings"].get("ntp_sync_max_s"),
        "ntp_synchronized": summary["timings"].get("ntp_synchronized"),
        "rehearsal": summary.get("rehearsal"),
        "suite_s": summary["timings"].get("suite_s"),
        "run": run_dir,
    }
