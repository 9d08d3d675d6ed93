"""A stand-in host reached over ssh, as another machine's libvirt host is (`hypervisor up NAME --ssh`).

OpenSSH's own sshd serves it from inside the host's namespaces, one sshd per connection (`sshd -i`, which the
client's ProxyCommand starts through nsenter): no port listens and no packet of it crosses this machine's own
network. The client is OpenSSH's ssh with a config of the host's own (its key, its host key pinned), named by
libvirt's `command=` URI parameter, so the URI is an ordinary remote one that libvirt, vagrant-libvirt and
airgaplab read as they read any other:

    uri = configure("hv-b", sshd_argv)  # qemu+ssh://root@hv-b/system?command=<state>/.hypervisors/hv-b/ssh/ssh
    name_of(uri)            # 'hv-b'
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from airgaplab.lab.transport import run_here
from airgaplab.paths import state_root

SSHD = "/usr/sbin/sshd"  # sshd re-executes itself: an absolute path
SSHD_CONFIG = """# airgaplab: a stand-in libvirt host's sshd, one per connection (sshd -i)
HostKey {d}/host_ed25519
AuthorizedKeysFile {d}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# the state dir's owner and modes are this machine's, not a login's
StrictModes no
"""
SSH_CONFIG = """# airgaplab: the way to the stand-in libvirt host {name}
Host {name}
  User root
  IdentityFile {d}/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile {d}/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  LogLevel ERROR
  ProxyCommand {proxy}
"""


def ssh_dir(name: str) -> Path:
    return state_root() / ".hypervisors" / name / "ssh"


def uri(name: str) -> str:
    return f"qemu+ssh://root@{name}/system?command={ssh_dir(name) / 'ssh'}"


def reached_over_ssh(name: str) -> bool:
    return (ssh_dir(name) / "ssh").exists()


def name_of(u: str) -> str | None:
    """The stand-in host of this state dir that `u` reaches over ssh, else None."""
    m = re.fullmatch(r"qemu\+ssh://root@([^/?]+)/system\?command=(.+)/ssh", u)
    return m.group(1) if m and Path(m.group(2)) == ssh_dir(m.group(1)) else None


def configure(name: str, sshd: list[str]) -> str:
    """Keys, configs and the client's wrapper for the host `name`, whose sshd is started by the argv `sshd` (inside
    its namespaces, with its login's environment); the host's ssh URI."""
    d = ssh_dir(name)
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    for key in ("host_ed25519", "id_ed25519"):
        run_here(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"airgaplab {name}", "-f", str(d / key)],
                 what=f"making the stand-in host's {key} key")
    (d / "authorized_keys").write_text((d / "id_ed25519.pub").read_text())
    (d / "known_hosts").write_text(f"{name} {(d / 'host_ed25519.pub').read_text()}")
    (d / "sshd_config").write_text(SSHD_CONFIG.format(d=d))
    proxy = [*sshd, "-i", "-f", str(d / "sshd_config"), "-E", str(d / "sshd.log")]
    (d / "ssh_config").write_text(SSH_CONFIG.format(name=name, d=d, proxy=shlex.join(proxy)))
    wrapper = d / "ssh"
    wrapper.write_text(f"#!/bin/sh\n# airgaplab: ssh to the stand-in host {name}\n"
                       f"exec ssh -F {shlex.quote(str(d / 'ssh_config'))} \"$@\"\n")
    wrapper.chmod(0o755)
    return uri(name)
