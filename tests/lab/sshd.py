"""Hosts the harness does not know: a netns lab whose hosts each run OpenSSH's sshd, and an inventory of them as an
operator would keep it (reached through a ProxyCommand into the lab's LAN, as through a bastion)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from airgaplab.backends.netns.backend import NetnsBackend

HERE = Path(__file__).parent
DIR = "/run/agl-sshd"  # the host's own /run: under neither /etc nor /var/named (the footprint's)
SSHD_CONFIG = """\
ListenAddress {ip}
HostKey {dir}/host_key
PidFile {dir}/sshd.pid
AuthorizedKeysFile {dir}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
"""


def keypair(path: Path) -> str:
    """An ed25519 key at `path` (and .pub); the public half."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "airgaplab-test", "-f", str(path)], check=True)
    return path.with_suffix(".pub").read_text()


def start_sshd(be: NetnsBackend, host: str, authorized: str, tmp: Path) -> None:
    """sshd on `host`'s internal address, accepting the key `authorized` (for root and any user)."""
    key = tmp / f"hostkey-{host}"
    keypair(key)
    be.transport.put_many(host, {f"{DIR}/sshd_config": SSHD_CONFIG.format(ip=be.spec.host(host).ip, dir=DIR).encode(),
                                 f"{DIR}/host_key": key.read_bytes(), f"{DIR}/authorized_keys": authorized.encode()})
    # root's password `*` (none, where the image has `!`: a locked account sshd refuses without PAM), as on a server
    # that is logged in to by key only
    be.transport.run(host, ["sh", "-c", f"chmod 600 {DIR}/host_key && mkdir -p /run/sshd && "
                                        "sed -i 's/^root:[^:]*:/root:*:/' /etc/shadow && "
                                        f"/usr/sbin/sshd -f {DIR}/sshd_config"], what="starting sshd")


def stop_sshd(be: NetnsBackend, host: str) -> None:
    be.transport.exec(host, ["sh", "-c", f"kill $(cat {DIR}/sshd.pid) 2>/dev/null; rm -rf {DIR}"])


def inventory(be: NetnsBackend, tmp: Path, key: Path, **overrides: dict[str, object]) -> Path:
    """An Ansible inventory (YAML) of the lab's hosts: root with `key`, through the lab's LAN; `overrides`: host →
    its own variables."""
    proxy = f"nsenter --net=/run/netns/{be.transport.lan_netns} {sys.executable} {HERE / 'tcp_proxy.py'} %h %p"
    common = f"-o 'ProxyCommand={proxy}' -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={tmp / 'known_hosts'}"
    admin = be.spec.server_for("ntp")
    assert admin is not None

    def host(name: str) -> dict[str, object]:
        return {"ansible_host": be.spec.host(name).ip, **overrides.get(name, {})}

    doc = {"all": {
        "vars": {"ansible_user": "root", "ansible_ssh_private_key_file": str(key), "ansible_ssh_common_args": common,
                 # the simulated internet's names (a real network's are the defaults: www.isc.org …)
                 "airgaplab_dnssec_secure": "www.secure.example", "airgaplab_dnssec_bogus": "www.bogus.example"},
        "children": {"admin": {"hosts": {admin.name: host(admin.name)}},
                     "nodes": {"hosts": {h.name: host(h.name) for h in be.spec.nodes_list}}}}}
    path = tmp / "hosts.yml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path
