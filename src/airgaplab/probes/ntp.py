"""NTP probes (ntplib) sent from inside a lab host."""

from __future__ import annotations

import ntplib

from airgaplab.backends.base import Backend

MODE_SERVER = 4
LEAP_ALARM = 3


def request(lab: Backend, src: str, server: str, timeout: float = 2.0) -> ntplib.NTPStats | None:
    """One NTPv4 client request from `src`; None if no answer came (chrony denies silently)."""
    client = ntplib.NTPClient()
    with lab.network_of(src):
        try:
            # port=123 explicitly: ntplib's default service name needs /etc/services.
            return client.request(server, version=4, port=123, timeout=timeout)
        except (ntplib.NTPException, OSError):
            return None


def describe(stats: ntplib.NTPStats) -> str:
    return (f"mode {stats.mode}, leap {stats.leap}, stratum {stats.stratum}, "
            f"refid {stats.ref_id:08X}, offset {stats.offset * 1000:.3f} ms")
