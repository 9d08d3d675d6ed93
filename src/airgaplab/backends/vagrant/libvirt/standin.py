"""Stand-in libvirt hosts: a libvirt host of its own on this machine — libvirtd in namespaces airgaplab owns, whose
only way out is the simulated internet (private.PrivateHypervisor) — that lives on its own, apart from any
lab, and takes a class's VM seats by its URI as another machine's libvirtd would (`class up --host URI`).
A study group with one Linux machine and no system libvirtd uses them; airgaplab's tests place seats over two.

    uri = up("hv-a", print)     # qemu:///system?socket=<state>/.hypervisors/hv-a/libvirt/libvirt-sock
    up("hv-b", print, ssh=True) # qemu+ssh://root@hv-b/system?command=…: reached over ssh (standin_ssh.py)
    name_of(uri)                # 'hv-a'
    for_uri(uri)                # the hypervisor a seat's VMs run on (StandIn), or None: not a stand-in
    down("hv-a")                # idempotent: its namespaces, libvirtd and every VM on it
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

from airgaplab.backends.base import Progress, quiet
from airgaplab.backends.namespaces import existing_netns
from airgaplab.backends.parts import StandInRow
from airgaplab.backends.vagrant.libvirt import standin_ssh
from airgaplab.backends.vagrant.libvirt.host import HV
from airgaplab.backends.vagrant.libvirt.private import PrivateHypervisor
from airgaplab.backends.vagrant.libvirt.virt import SYSTEM_URI, Virt
from airgaplab.errors import LabError, UserError
from airgaplab.lab.spec import NAME_PATTERN
from airgaplab.lab.specfile import load_spec
from airgaplab.paths import default_lab_file, state_root

DIR = ".hypervisors"  # under the state root: a dot dir, so no lab is listed for it


def home(name: str) -> Path:
    return state_root() / DIR / name


def names() -> list[str]:
    root = state_root() / DIR
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


class StandIn(PrivateHypervisor):
    """A stand-in host as a seat's VMs see it: they run there, and their lab neither starts it nor stops it
    (`down` removes the lab's domains and networks; the host goes on, with the box image in its pool)."""

    def __init__(self, name: str, progress: Progress = quiet) -> None:
        spec = load_spec(default_lab_file()).model_copy(update={"name": name})
        super().__init__(spec, home(name), progress, state_name=f"{DIR}/{name}/edge")
        self.name = name

    @property
    def socket(self) -> Path:
        """libvirtd's socket where this machine and the host's namespace see the same file (the state dir)."""
        return home(self.name) / "libvirt" / "libvirt-sock"

    @property
    def uri(self) -> str:
        """Its libvirtd on this machine, through the socket (what airgaplab uses to run the host itself)."""
        return f"{SYSTEM_URI}?socket={self.socket}"

    @property
    def seat_uri(self) -> str:
        """The URI a class places seats by: over ssh if the host was started so (`up(…, ssh=True)`)."""
        return standin_ssh.uri(self.name) if standin_ssh.reached_over_ssh(self.name) else self.uri

    def libvirtd_conf(self) -> str:
        return f'{super().libvirtd_conf()}unix_sock_dir = "{self.socket.parent}"\n'

    def start(self) -> None:
        if not self.is_up():
            raise LabError(f"the stand-in host {self.name} is not up — `airgaplab hypervisor up {self.name}`")

    def stop(self) -> None:
        return None

    def discard(self) -> bool:
        return False

    def create(self) -> None:
        """The host itself: namespaces, its simulated internet, libvirtd, the storage pool."""
        super().start()

    def remove(self) -> None:
        super().stop()

    def serve_ssh(self) -> str:
        """sshd for the host from inside its namespaces, one per connection (standin_ssh.py); the host's ssh URI."""
        sshd = [*self.edge.enter(HV), *self.edge.login_env(HV), standin_ssh.SSHD]
        uri = standin_ssh.configure(self.name, sshd)
        self.edge.transport.run(HV, ["sh", "-c", f"mkdir -p /run/sshd /run/libvirt && "
                                                 f"ln -sf {shlex.quote(str(self.socket))} /run/libvirt/libvirt-sock"],
                                what="preparing the host for ssh")
        return uri


def up(name: str, say: Progress, *, ssh: bool = False) -> str:
    """A stand-in host named `name` up; its URI (over ssh with `ssh`). UserError (nothing created) for a bad or
    taken name."""
    if not re.match(NAME_PATTERN, name):
        raise UserError(f"{name!r} is no host name: lower-case letters, digits and '-', starting with a letter")
    from airgaplab.backends import known_labs

    if name in known_labs() or name in names():
        raise UserError(f"{name!r} is taken here (a lab or a stand-in host): pick another name")
    if existing_netns(f"agl.{name}."):
        raise UserError(f"namespaces agl.{name}.* exist already (a lab of another state dir): pick another name")
    host = StandIn(name, say)
    host.socket.parent.mkdir(parents=True)
    try:
        host.create()
        if ssh:
            say("sshd for the host, one per connection, inside its namespaces")
            return host.serve_ssh()
    except BaseException:
        down(name)
        raise
    return host.uri


def down(name: str) -> bool:
    """This state dir's stand-in host and everything on it gone (also after a killed `up`: its dir is made first);
    False when there was none. Namespaces of that name without its dir here are another state dir's: not touched."""
    if not home(name).exists():
        return False
    StandIn(name).remove()
    shutil.rmtree(home(name), ignore_errors=True)
    return True


def name_of(uri: str) -> str | None:
    """The name of this state dir's stand-in host whose URI `uri` is (up or not; its socket's or ssh's), else
    None."""
    m = re.fullmatch(rf"{re.escape(SYSTEM_URI)}\?socket=(.+)/([^/]+)/libvirt/libvirt-sock", uri)
    return m.group(2) if m and Path(m.group(1)) == state_root() / DIR else standin_ssh.name_of(uri)


def listing() -> list[StandInRow]:
    """The stand-in hosts here: whether each is up, the URI seats are placed by, the VMs on it."""
    rows = []
    for name in names():
        host = StandIn(name)
        up = host.is_up() and Virt.answers(host.uri)
        vms: list[str] = []
        if up:
            with Virt.connect(host.uri) as v:
                vms = v.domains()
        rows.append(StandInRow(name, up, host.seat_uri, vms))
    return rows


def for_uri(uri: str, progress: Progress = quiet) -> StandIn | None:
    """The stand-in host whose URI `uri` is — also one taken down since (its seats' VMs went with it) — else None."""
    name = name_of(uri)
    return StandIn(name, progress) if name else None
