"""Drills are derived from the lab they break: its host names, addresses and OS family."""

from __future__ import annotations

import yaml

from airgaplab.exercise.drills import DRILLS
from airgaplab.lab.family import family
from airgaplab.lab.specfile import parse_spec
from airgaplab.paths import default_lab_file


def other_lab():
    data = yaml.safe_load(default_lab_file().read_text())
    data["network"]["internal"] = "10.20.0.0/24"
    for h, (name, ip) in zip(data["hosts"], [("srv", "10.20.0.5"), ("w1", "10.20.0.6"), ("w2", "10.20.0.7")],
                             strict=True):
        h["name"], h["ip"] = name, ip
    data["ntp"]["allow"] = ["10.20.0.0/24"]
    data["dns"]["allow_query"] = data["dns"]["allow_recursion"] = ["127.0.0.1", "10.20.0.0/24"]
    return parse_spec(data)


def test_drills_name_the_labs_own_hosts_and_addresses() -> None:
    lab = other_lab()
    route = DRILLS["one-node-can-get-out"].commands(lab)
    assert route == [("w1", "ip route add default via 10.20.0.5")]
    (host, cmd), = DRILLS["one-node-loses-time"].commands(lab)
    assert host == "w1" and "server 10.20.0.254 iburst" in cmd  # an address of the network no host has
    assert DRILLS["nodes-lose-time"].expected(lab) >= {("NTP-SRV-1", "srv"), ("NTP-SRV-4", "w1"), ("NTP-SRV-4", "w2")}
    assert [h for h, _ in DRILLS["nodes-lose-time"].commands(lab)] == ["srv", "w1", "w2"]


def test_drills_use_the_os_familys_paths_and_services() -> None:
    lab = other_lab()
    (_, cmd), *_ = DRILLS["nodes-lose-time"].commands(lab, family("debian12"))
    assert cmd == "sed -i '/^allow/d' /etc/chrony/chrony.conf && systemctl restart chrony"
    (_, cmd), = DRILLS["dns-answers-strangers"].commands(lab, family("debian12"))
    assert "/etc/bind/named.conf" in cmd and "allow-query { any; };" in cmd


CAUSE_WORDS = ("allow", "forwarder", "not-restarted", "dns-none", "route", "stratum", "enable", "query",
               "wrong-server", "named", "chrony", "resolv-conf", "nm-", "local", "timeout", "backed-off")


def test_drill_ids_tell_the_symptom_not_the_cause() -> None:
    # `airgaplab drill` lists them for a student to pick; `drill --show` reveals what each breaks
    told = {name: [w for w in CAUSE_WORDS if w in name] for name in DRILLS}
    assert not any(told.values()), {n: w for n, w in told.items() if w}
    assert all(not any(w in d.symptom for w in ("allow", "forwarders", "dns=none", "not restarted"))
               for d in DRILLS.values())
