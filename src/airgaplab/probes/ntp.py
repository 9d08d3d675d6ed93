"""NTP probes (ntplib) sent from inside a lab host."""

from __future__ import annotations

import time

import ntplib

from airgaplab.lab.transport import Transport

MODE_SERVER = 4
LEAP_ALARM = 3


def request(tx: Transport, src: str, server: str, timeout: float = 2.0,
            source: str | None = None) -> ntplib.NTPStats | None:
    """One NTPv4 client request (mode 3) from `src` (its address `source`); None if no answer came (chrony
    denies silently).

    ntplib builds and parses the packets; the lab host only relays the bytes.
    """
    query = ntplib.NTPPacket(mode=3, version=4, tx_timestamp=ntplib.system_to_ntp_time(time.time()))
    reply = tx.exchange(src, server, 123, query.to_data(), timeout=timeout, source=source)
    if reply is None:
        return None
    stats = ntplib.NTPStats()
    try:
        stats.from_data(reply)
    except ntplib.NTPException:
        return None
    stats.dest_timestamp = ntplib.system_to_ntp_time(time.time())
    return stats


def describe(stats: ntplib.NTPStats) -> str:
    return (f"mode {stats.mode}, leap {stats.leap}, stratum {stats.stratum}, "
            f"refid {stats.ref_id:08X}, offset {stats.offset * 1000:.3f} ms")
