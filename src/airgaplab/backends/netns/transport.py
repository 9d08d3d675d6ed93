"""Reaching a netns lab's hosts: nsenter into each host's network, mount and UTS namespaces."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from airgaplab.backends import relay
from airgaplab.backends.netns.hostview import HostView
from airgaplab.backends.netns.setns import network_namespace
from airgaplab.lab.transport import Completed, Transport
from airgaplab.lab.world import GRADER


class NetnsTransport(Transport):
    """exec = nsenter + the host's PATH (its Rocky-shaped shims first); exchange = a socket opened inside the
    host's network namespace by this very process (no helper process per probe)."""

    def __init__(self, view: Callable[[str], HostView], lan_netns: str) -> None:
        self.view = view  # host name → its view; raises UserError for a host the lab does not have
        self.lan_netns = lan_netns  # the LAN bridge's namespace: the grader's vantage (GRADER), exchange only

    def exec(self, host: str, argv: list[str], *, input: bytes | None = None,
             timeout: float | None = 120) -> Completed:
        view = self.view(host)
        env = view.environ()
        # `env NAME=VALUE… CMD` (how a provisioning step gets its settings): the same as CMD with those in its
        # environment, which nsenter passes on — one program less per step
        n = 1
        while argv[:1] == ["env"] and n < len(argv) and "=" in argv[n] and not argv[n].startswith(("=", "-")):
            n += 1
        if 1 < n < len(argv) and not argv[n].startswith("-"):
            env.update(dict(a.split("=", 1) for a in argv[1:n]))
            argv = argv[n:]
        return subprocess.run(view.command(argv), input=input, capture_output=True, timeout=timeout, env=env)

    def interactive(self, host: str, argv: list[str]) -> int:
        view = self.view(host)
        return subprocess.call(view.command(argv), env=view.environ())

    def exchange(self, host: str, server: str, port: int, payload: bytes, *, proto: str = "udp",
                 timeout: float = 2.0, source: str | None = None) -> bytes | None:
        with self.network_of(host):  # the socket is created inside the host's namespace
            return relay.exchange(proto, server, port, payload, timeout, source)

    @contextmanager
    def network_of(self, host: str) -> Iterator[None]:
        """Within this context, sockets the calling thread opens belong to `host`'s network."""
        with network_namespace(f"/run/netns/{self.lan_netns if host == GRADER else self.view(host).netns}"):
            yield
