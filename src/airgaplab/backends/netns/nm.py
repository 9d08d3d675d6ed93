"""NetworkManager connection profiles (keyfiles) of a netns lab host, as a stock Rocky host has them.

The host's `nmcli` and `systemctl … NetworkManager` (shims/) read them: activating a connection, or
NetworkManager starting, writes its DNS servers into /etc/resolv.conf unless a conf.d drop-in says
`dns=none` — the behaviour the study notes guard against. Every connection names the provider's
resolver (as DHCP on the study lab's NAT NIC would), which the nodes cannot reach.
"""

from __future__ import annotations

import uuid

from airgaplab.backends.netns import addressing as A
from airgaplab.lab.spec import LabSpec

KEYFILE_DIR = "/etc/NetworkManager/system-connections"


def keyfile(spec: LabSpec, name: str, device: str, address: str, gateway: str | None, dns: list[str]) -> str:
    conn_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"airgaplab:{spec.name}:{name}:{device}")
    ipv4 = f"address1={address}" + (f",{gateway}" if gateway else "") + "\n"
    ipv4 += f"dns={''.join(d + ';' for d in dns)}\n" if dns else ""
    return (f"[connection]\nid={device}\nuuid={conn_uuid}\ntype=ethernet\ninterface-name={device}\n\n"
            f"[ethernet]\n\n[ipv4]\n{ipv4}method=manual\n\n[ipv6]\nmethod=disabled\n")


def keyfiles(spec: LabSpec, inet: A.Internet, host: str) -> dict[str, bytes]:
    """Path → keyfile for each of `host`'s NICs: eth0 on the internal network, eth1 outside (admin)."""
    h = spec.host(host)
    prefix = spec.network.net.prefixlen
    files = {f"{KEYFILE_DIR}/eth0.nmconnection":
             keyfile(spec, host, "eth0", f"{h.ip}/{prefix}", None, [] if h.internet else [inet.isp_resolver])}
    if h.internet:
        files[f"{KEYFILE_DIR}/eth1.nmconnection"] = keyfile(
            spec, host, "eth1", f"{inet.wan_address(host)}/24", A.GATEWAY, [inet.isp_resolver])
    return {path: text.encode() for path, text in files.items()}
