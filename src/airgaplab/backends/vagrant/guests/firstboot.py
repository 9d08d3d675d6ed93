"""What a guest needs before anything of ours runs in it: a DHCP profile for its management NIC.

The Rocky 10 box ships no NetworkManager profile (and no cloud-init): its
management NIC stays down, and vagrant waits for an address that never comes.
Rather than rewrite the box's image, the profile reaches the guest at its first
boot as a systemd credential in an SMBIOS OEM string (systemd ≥ 252: Rocky 10,
Debian 12): `tmpfiles.extra` holds one tmpfiles.d line that writes the keyfile
before NetworkManager starts, and never overwrites it afterwards. The profile
matches the management NIC by the MAC the plan gives it, so the internal NIC,
whatever its name, is left to the base step.

    >>> smbios_strings("52:54:00:12:34:56")
    ['io.systemd.credential.binary:tmpfiles.extra=ZiB+IC9ldGMv...']
"""

from __future__ import annotations

import base64
import uuid

PROFILE = "/etc/NetworkManager/system-connections/management.nmconnection"


def keyfile(mac: str) -> str:
    """NetworkManager's keyfile for the management NIC: DHCP, the NIC found by its MAC."""
    return (
        "[connection]\nid=management\n"
        f"uuid={uuid.uuid5(uuid.NAMESPACE_URL, f'airgaplab:management:{mac}')}\n"
        "type=ethernet\nautoconnect=true\n\n"
        f"[ethernet]\nmac-address={mac.upper()}\n\n"
        "[ipv4]\nmethod=auto\n\n[ipv6]\nmethod=auto\n"
    )


def tmpfiles_line(mac: str) -> str:
    """`f~`: create the file (mode 0600, as NetworkManager wants keyfiles) from base64, unless it exists."""
    content = base64.b64encode(keyfile(mac).encode()).decode()
    return f"f~ {PROFILE} 0600 root root - {content}\n"


def smbios_strings(mac: str) -> list[str]:
    """The OEM strings that carry the credential (base64: nothing in them needs escaping in libvirt's XML)."""
    line = base64.b64encode(tmpfiles_line(mac).encode()).decode()
    return [f"io.systemd.credential.binary:tmpfiles.extra={line}"]
