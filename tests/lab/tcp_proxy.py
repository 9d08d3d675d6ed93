"""ssh's ProxyCommand into a lab's network: `nsenter --net=NS python3 tcp_proxy.py HOST PORT` joins ssh's stdin and
stdout to a TCP connection made inside that namespace (the way a bastion would; nothing in the machine's own)."""

import os
import socket
import sys
import threading

conn = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
conn.settimeout(None)


def upstream() -> None:
    while data := os.read(0, 65536):
        conn.sendall(data)
    conn.shutdown(socket.SHUT_WR)


threading.Thread(target=upstream, daemon=True).start()
while data := conn.recv(65536):
    os.write(1, data)
