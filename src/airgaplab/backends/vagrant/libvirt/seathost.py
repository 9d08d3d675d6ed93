"""The libvirt host a seat's VMs run on, by its URI: this machine's libvirtd, a stand-in host of this state dir
(by its socket), or a host reached over ssh — another machine's, or a stand-in started with `--ssh`.

    seat_host("qemu:///system")                 # SystemHypervisor
    seat_host(standin_uri)                      # StandIn
    seat_host("qemu+ssh://lab@kvm1/system")     # RemoteHost
"""

from __future__ import annotations

from airgaplab.backends.base import Progress, quiet
from airgaplab.backends.vagrant.libvirt.host import LibvirtHost
from airgaplab.backends.vagrant.libvirt.remote import SCHEME, RemoteHost
from airgaplab.backends.vagrant.libvirt.standin import for_uri
from airgaplab.backends.vagrant.libvirt.system import SystemHypervisor
from airgaplab.backends.vagrant.libvirt.virt import SYSTEM_URI
from airgaplab.errors import UserError


def seat_host(uri: str, progress: Progress = quiet) -> LibvirtHost:
    """The host's hypervisor object; UserError (one line, nothing created) for a URI no seat can run on."""
    if uri == SYSTEM_URI:
        return SystemHypervisor()
    if uri.startswith(f"{SCHEME}://"):
        return RemoteHost(uri, progress)
    if host := for_uri(uri, progress):
        return host
    raise UserError(f"--host {uri}: VM seats run on this machine's libvirtd ({SYSTEM_URI}), on another machine's "
                    f"over ssh ({SCHEME}://[user@]host[:port]/system) or on a stand-in host "
                    "(`airgaplab hypervisor up NAME [--ssh]` prints its URI)")
