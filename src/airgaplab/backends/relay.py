"""Send one datagram (or one DNS-over-TCP message) from where this code runs, and return the reply.

Standard library only: the netns backend calls `exchange` inside a host's
network namespace; on a VM, this file's source runs in the host agent
(vagrant/agent.py), in the VM's own python3. The protocol logic (dnspython,
ntplib) stays on the machine running the suite; only bytes travel.
"""

from __future__ import annotations

import socket
import struct


def _recv_exact(s: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise OSError("connection closed")
        buf += chunk
    return buf


def exchange(proto: str, server: str, port: int, payload: bytes, timeout: float,
             source: str | None = None) -> bytes | None:
    """proto: udp | tcp-dns (2-byte length framing); source: the local address to send from.
    None when nothing answered or no route."""
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    try:
        if proto == "udp":
            with socket.socket(family, socket.SOCK_DGRAM) as s:
                s.settimeout(timeout)
                if source:
                    s.bind((source, 0))
                s.connect((server, port))  # connected: replies from elsewhere are not ours
                s.send(payload)
                return s.recv(65535)
        bind = (source, 0) if source else None
        with socket.create_connection((server, port), timeout=timeout, source_address=bind) as s:
            s.settimeout(timeout)
            s.sendall(struct.pack("!H", len(payload)) + payload)
            (size,) = struct.unpack("!H", _recv_exact(s, 2))
            return _recv_exact(s, size)
    except OSError:  # timeouts, unreachable, refused
        return None

