"""The lab stays sealed: a capture on the machine's root namespace during `up`, the suite and `down` sees
no packet of the lab, and the root namespace never gets a lab address or route."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

from airgaplab import retry
from tests.helpers import ROOT, cli, lab_name, root_ns_lab_addresses

ETH_P_ALL, ETH_P_IP = 0x0003, 0x0800
# the lab's networks, its simulated internet, and the notes' real forwarders (only ever translated inside admin)
LAB = [ipaddress.ip_network(n) for n in ("192.168.10.0/24", "198.51.100.0/24", "203.0.113.0/24",
                                          "168.126.63.1/32", "8.8.8.8/32")]


class Capture(threading.Thread):
    """Every IPv4 packet on every interface of the root namespace, until stopped (AF_PACKET, no tcpdump)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.settimeout(0.2)
        self.stop, self.seen, self.lab = threading.Event(), 0, []

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                frame, where = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            if len(frame) < 34 or int.from_bytes(frame[12:14], "big") != ETH_P_IP:
                continue
            self.seen += 1
            src, dst = ipaddress.ip_address(frame[26:30]), ipaddress.ip_address(frame[30:34])
            if any(a in n for a in (src, dst) for n in LAB):
                self.lab.append(f"{where[0]}: {src} → {dst}")


def test_root_namespace_sees_no_lab_packet_address_or_route(own_state: Path) -> None:
    routes_before = subprocess.run(["ip", "-4", "route"], capture_output=True, text=True).stdout
    cap = Capture()
    cap.start()
    # the capture works: it sees a datagram of our own on the root namespace's loopback
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        assert retry.until(lambda: probe.sendto(b"airgaplab", ("127.0.0.1", 9)) and cap.seen > 0, timeout=5)
    name = lab_name("seal")
    try:
        assert cli("up", "--backend", "netns", "--name", name).returncode == 0
        assert root_ns_lab_addresses() == []
        suite = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/conformance",
                                "--lab", name], cwd=ROOT, capture_output=True, text=True, env=os.environ.copy())
        assert suite.returncode == 0, suite.stdout[-2000:]
    finally:
        cli("down", "--name", name)
        cap.stop.set()
        cap.join()
    assert cap.lab == [], cap.lab[:10]
    assert subprocess.run(["ip", "-4", "route"], capture_output=True, text=True).stdout == routes_before
    assert root_ns_lab_addresses() == []
