"""Reaching a netns lab's hosts: nsenter into each host's network, mount and UTS namespaces."""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from airgaplab import retry
from airgaplab.backends import relay
from airgaplab.backends.netns import boots
from airgaplab.backends.netns.hostview import HostView
from airgaplab.backends.netns.setns import network_namespace
from airgaplab.lab.transport import Completed, Transport
from airgaplab.lab.world import GRADER


def not_running(view: HostView) -> str:
    """Why commands cannot reach the host (it is powered off, or between two boots), in one line; "" if they can."""
    state = boots.boot_record(view.ns_dir, view.name)[0] if view.boots else "up"
    if state == "off":
        return f"{view.name} is powered off — start it with `airgaplab fault reboot {view.name}`"
    return f"{view.name} is rebooting — try again in a moment" if state == "rebooting" else ""


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
        proc = subprocess.run(view.command(argv), input=input, capture_output=True, timeout=timeout, env=env)
        if proc.returncode != 0 and proc.stderr.startswith(b"nsenter: ") and (down := not_running(view)):
            return Completed(proc.args, 255, b"", down.encode())  # as ssh to a host that is down: 255
        return proc

    def interactive(self, host: str, argv: list[str]) -> int:
        view = self.view(host)
        if down := not_running(view):
            print(down, file=sys.stderr)
            return 255
        init = boots.boot_record(view.ns_dir, host)[2]
        if view.boots and sys.stdin.isatty():  # a terminal of the host's own (its /dev/pts): `tty` says /dev/pts/0
            argv = ["script", "-qec", shlex.join(argv), "/dev/null"]
        code = subprocess.call(view.member_command(argv), env=view.environ())
        # a shell ended by a signal (the init's SIGHUP as a boot ends) may end a moment before the init does
        ending = view.boots and (code < 0 or code > 128) and retry.until(lambda: not boots.alive(init), timeout=3)
        if view.boots and (ending or not boots.alive(init)):  # the shell ended with the host's boot
            print(f"Connection to {host} closed by remote host.", file=sys.stderr)  # as ssh says it of a reboot
            return 255
        return code

    def exchange(self, host: str, server: str, port: int, payload: bytes, *, proto: str = "udp",
                 timeout: float = 2.0, source: str | None = None) -> bytes | None:
        with self.network_of(host):  # the socket is created inside the host's namespace
            return relay.exchange(proto, server, port, payload, timeout, source)

    @contextmanager
    def network_of(self, host: str) -> Iterator[None]:
        """Within this context, sockets the calling thread opens belong to `host`'s network."""
        with network_namespace(f"/run/netns/{self.lan_netns if host == GRADER else self.view(host).netns}"):
            yield
