"""Each member's way in with nothing but ssh: OpenSSH's own sshd, with a config of the class's own on a port
of its own, one key per seat, and a forced command that offers only that seat's hosts.

    gw = start(roster, "127.0.0.1", 2222, ["admin", "k8s-node1", "k8s-node2"])
    login(gw, "seat-02")   # 'ssh -i …/keys/seat-02 -p 2222 -t root@127.0.0.1 admin'
    stop()                 # also after a killed `class up` (the PID file is in the class's directory)

The key is the seat: its line in the class's authorized_keys runs `airgaplab class gate SEAT` whatever the
participant asks (`restrict`: no forwarding of ports, agents or X11; a pty only), and the gate takes no more
than a host's name from what was asked. A netns seat's host is a view of this machine, root in it: served on
loopback unless the room is trusted (`--trusted-room`); a VM seat's on every address.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
from pathlib import Path

from airgaplab import retry
from airgaplab.classroom.roster import Gateway, Roster, class_dir
from airgaplab.errors import LabError, UserError
from airgaplab.paths import project_root, state_root

SSHD = "/usr/sbin/sshd"
INSTALL = "install OpenSSH's server (`make deps-class`, or apt-get/dnf install openssh-server; it is not started)"

CONFIG = """# airgaplab class gateway: a participant's key runs its seat's forced command, nothing else
Port {port}
ListenAddress {listen}
HostKey {dir}/host_ed25519
PidFile {dir}/sshd.pid
AuthorizedKeysFile {dir}/authorized_keys
AllowUsers root
PermitRootLogin forced-commands-only
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# the class's files are root's, 0600, in the state directory (which may sit under /tmp)
StrictModes no
AllowTcpForwarding no
AllowStreamLocalForwarding no
AllowAgentForwarding no
X11Forwarding no
PermitTunnel no
PermitUserEnvironment no
PermitUserRC no
PrintMotd no
PrintLastLog no
ClientAliveInterval 30
"""


def gateway_dir() -> Path:
    return class_dir() / "gateway"


def key_path(seat: str) -> Path:
    return gateway_dir() / "keys" / seat


def _keygen(path: Path, comment: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)], check=True)


def gate_command(seat: str) -> str:
    """The forced command of a seat's key: this installation's airgaplab, this state directory."""
    exe = Path(sys.executable).with_name("airgaplab")
    env = f"AIRGAPLAB_STATE={shlex.quote(str(state_root()))} AIRGAPLAB_HOME={shlex.quote(str(project_root()))}"
    # a clean environment but for what the participant asked (the gate reads a host's name from it)
    asked = 'SSH_ORIGINAL_COMMAND=\\"$SSH_ORIGINAL_COMMAND\\"'
    return f"env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin {env} {asked} {shlex.quote(str(exe))} class gate {seat}"


def start(roster: Roster, listen: str, port: int) -> Gateway:
    if not Path(SSHD).exists():
        raise UserError(f"no {SSHD}: the gateway needs it — {INSTALL}")
    d = gateway_dir()
    d.mkdir(parents=True, exist_ok=True)
    _keygen(d / "host_ed25519", "airgaplab class gateway")
    lines = []
    for seat in roster.seats:
        _keygen(key_path(seat.name), seat.name)
        pub = key_path(seat.name).with_suffix(".pub").read_text().strip()
        lines.append(f'restrict,pty,command="{gate_command(seat.name)}" {pub}\n')
    (d / "authorized_keys").write_text("".join(lines))
    (d / "authorized_keys").chmod(0o600)
    config = d / "sshd_config"
    config.write_text(CONFIG.format(port=port, listen=listen, dir=d))
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
    checked = subprocess.run([SSHD, "-t", "-f", str(config)], capture_output=True, text=True)
    if checked.returncode != 0:
        raise LabError(f"the gateway's sshd refuses its config: {checked.stderr.strip()}")
    if _listening(listen, port):
        raise UserError(f"port {port} on {listen} is taken: choose another with --gateway-port")
    started = subprocess.run([SSHD, "-f", str(config), "-E", str(d / "sshd.log")], capture_output=True, text=True)
    if started.returncode != 0 or not retry.until(lambda: _listening(listen, port), timeout=10, interval=0.1):
        log = (d / "sshd.log").read_text()[-300:] if (d / "sshd.log").exists() else started.stderr
        raise LabError(f"the gateway's sshd did not listen on {listen}:{port}: {' '.join(log.split())}")
    return Gateway(listen=listen, port=port, pid=_pid())


def login(gw: Gateway, seat: str, host: str = "admin") -> str:
    """The one line a participant types (with the seat's key file handed over)."""
    where = gw.listen if gw.listen not in ("0.0.0.0", "::") else socket.getfqdn()
    return f"ssh -i {key_path(seat)} -p {gw.port} -t root@{where} {host}"


def stop() -> bool:
    """The gateway's sshd stopped (it and the sessions it forked); False when none was running."""
    pid = _pid()
    if pid is None:
        return False
    family = [pid, *_descendants(pid)]  # a session outlives its listener: each goes with it
    for p in family:
        with contextlib.suppress(ProcessLookupError):
            os.kill(p, signal.SIGTERM)
    retry.until(lambda: not any(Path(f"/proc/{p}").exists() for p in family), timeout=10, interval=0.1)
    return True


def _descendants(pid: int) -> list[int]:
    parent: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parent[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        kids = [c for c, p in parent.items() if p in frontier]
        found += kids
        frontier = kids
    return found


def _pid() -> int | None:
    """The PID of the gateway's sshd, only if that process is the sshd of this class's config."""
    try:
        pid = int((gateway_dir() / "sshd.pid").read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except (OSError, ValueError):
        return None
    return pid if str(gateway_dir() / "sshd_config") in cmdline else None


def _listening(listen: str, port: int) -> bool:
    try:
        with socket.create_connection((listen if listen not in ("0.0.0.0", "::") else "127.0.0.1", port), 0.5):
            return True
    except OSError:
        return False
