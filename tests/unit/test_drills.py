"""Drills are derived from the lab they break: its host names, addresses and OS family."""

from __future__ import annotations

import yaml

from airgaplab.drills import DRILLS
from airgaplab.family import family
from airgaplab.paths import default_lab_file
from airgaplab.spec import parse_spec


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
    route = DRILLS["node-default-route"].commands(lab)
    assert route == [("w1", "ip route add default via 10.20.0.5")]
    (host, cmd), = DRILLS["ntp-wrong-server"].commands(lab)
    assert host == "w1" and "server 10.20.0.254 iburst" in cmd  # an address of the network no host has
    assert DRILLS["ntp-no-allow"].expected(lab) >= {("NTP-SRV-1", "srv"), ("NTP-SRV-4", "w1"), ("NTP-SRV-4", "w2")}
    assert [h for h, _ in DRILLS["ntp-no-allow"].commands(lab)] == ["srv", "w1", "w2"]


def test_drills_use_the_os_familys_paths_and_services() -> None:
    lab = other_lab()
    (_, cmd), *_ = DRILLS["ntp-no-allow"].commands(lab, family("debian12"))
    assert cmd == "sed -i '/^allow/d' /etc/chrony/chrony.conf && systemctl restart chrony"
    (_, cmd), = DRILLS["dns-open-query"].commands(lab, family("debian12"))
    assert "/etc/bind/named.conf" in cmd and "allow-query { any; };" in cmd
