"""Guest OS families: everything that differs between Rocky and Debian, in one table.

Rendering, the provision steps (through the environment they get) and the
suite's host-level checks all read it; the reference values (allow, local
stratum, ACLs, forwarders, ...) are the same on every family.

    >>> family("debian12").chrony_conf
    '/etc/chrony/chrony.conf'
"""

from __future__ import annotations

import platform
from dataclasses import dataclass

from airgaplab.errors import UserError
from airgaplab.kit import os_release


@dataclass(frozen=True)
class Family:
    os: str
    pretty: str
    install: str  # the package manager's install command
    chrony_pkg: str
    chrony_service: str
    chrony_conf: str
    chrony_user: str
    named_pkgs: str
    named_service: str
    named_conf: str
    named_user: str
    named_dir: str  # named's working directory (`directory` in options)
    named_includes: tuple[str, ...]  # the stock zones (localhost, reverse, hints) the family's named.conf includes
    root_key: str  # the trust-anchor include
    crypto_policy: str | None  # Rocky's crypto-policies include
    root_hints: str  # where the stock root hints live
    inline_hints: str | None  # Rocky's named.conf has the hint zone inline ("named.ca"); Debian's is in an include
    named_files_in_conf: bool  # its stock named.conf names named's files (dump, statistics, pid) and a debug log
    min_x86_64_level: int  # the psABI level its userland is built for: EL10 stops at boot below x86-64-v3
    box_built_here: bool  # its VM box is built on this machine (airgaplab.box), not a published one (vm.box_url)
    vagrant_guest: str  # Vagrant's guest type (named, so Vagrant skips guest detection: dozens of ssh probes)

    @property
    def chrony_bak(self) -> str:
        """The notes' backup: chrony.conf → chrony.bak beside it."""
        return self.chrony_conf.removesuffix(".conf") + ".bak"

    @property
    def named_bak(self) -> str:
        return self.named_conf.removesuffix(".conf") + ".bak"

    def localize(self, text: str) -> str:
        """Text written for Rocky (the catalog's hints, the notes) with this family's paths and names."""
        if self is ROCKY:
            return text
        pairs = [(ROCKY.chrony_conf, self.chrony_conf), (ROCKY.chrony_bak, self.chrony_bak),
                 (ROCKY.named_conf, self.named_conf), (ROCKY.named_bak, self.named_bak),
                 (ROCKY.root_key, self.root_key), ("restart chronyd", f"restart {self.chrony_service}"),
                 ("--now chronyd", f"--now {self.chrony_service}"), (ROCKY.install, self.install)]
        for rocky, mine in pairs:
            text = text.replace(rocky, mine)
        return text


FAMILIES: dict[str, Family] = {
    "rocky10": Family(
        os="rocky10", pretty="Rocky Linux 10", install="dnf install -y",
        chrony_pkg="chrony", chrony_service="chronyd", chrony_conf="/etc/chrony.conf", chrony_user="chrony",
        named_pkgs="bind bind-utils", named_service="named", named_conf="/etc/named.conf", named_user="named",
        named_dir="/var/named", named_includes=("/etc/named.rfc1912.zones",), root_key="/etc/named.root.key",
        crypto_policy="/etc/crypto-policies/back-ends/bind.config", root_hints="/var/named/named.ca",
        inline_hints="named.ca", named_files_in_conf=True, min_x86_64_level=3, box_built_here=False, vagrant_guest="redhat",
    ),
    "debian12": Family(
        os="debian12", pretty="Debian 12", install="apt-get install -y",
        chrony_pkg="chrony", chrony_service="chrony", chrony_conf="/etc/chrony/chrony.conf", chrony_user="_chrony",
        named_pkgs="bind9 bind9-utils bind9-dnsutils", named_service="named", named_conf="/etc/bind/named.conf",
        named_user="bind", named_dir="/var/cache/bind", named_includes=("/etc/bind/named.conf.default-zones",),
        root_key="/etc/bind/bind.keys", crypto_policy=None, root_hints="/usr/share/dns/root.hints",
        inline_hints=None, named_files_in_conf=False, min_x86_64_level=1, box_built_here=True, vagrant_guest="debian",
    ),
}

ROCKY = FAMILIES["rocky10"]


def family(os_name: str) -> Family:
    try:
        return FAMILIES[os_name]
    except KeyError:
        raise UserError(f"--os {os_name}: unknown guest OS — use one of {', '.join(FAMILIES)}") from None


def machine_os() -> str:
    """This machine's own OS, as its /etc/os-release names it (what netns hosts really run)."""
    return os_release().get("PRETTY_NAME") or platform.system()
