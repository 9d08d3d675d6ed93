"""The hosts of an inventory, as the suite reaches them.

Two forms operators already keep:

- an Ansible inventory (INI or YAML, with its group_vars/ and host_vars/ beside it), read by ansible-core itself:

      [admin]
      admin ansible_host=192.168.10.10
      [nodes]
      k8s-node[1:2] ansible_user=ops ansible_become=true
      [all:vars]
      ansible_ssh_common_args='-o ProxyJump=ops@bastion.example.org'

  admin is the host of group `admin` (or whose `airgaplab_role` is admin, or named admin); a host of group
  `outsider` (or `airgaplab_role=outsider`) is no host of the network but a vantage point on the internet side of
  admin, which the suite asks admin from (`ansible_connection=local`: the machine running the suite); the others
  are nodes.

- testinfra's host list, one URL per line or comma-separated: `ssh://root@192.168.10.10`,
  `ssh://ops@k8s-node1:2222?sudo=true&ssh_identity_file=/path/key` — the first is admin.

    >>> inv = load("ssh://root@192.168.10.10,ssh://root@192.168.10.11")
    >>> [(t.name, t.role, t.address) for t in inv.targets]
    [('admin', 'admin', '192.168.10.10'), ('node1', 'node', '192.168.10.11')]
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import re
import shlex
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, ConfigDict

from airgaplab.errors import UserError
from airgaplab.lab.spec import NAME_PATTERN

TRUE = ("1", "true", "yes", "on")
Role = Literal["admin", "node", "outsider"]


class Target(BaseModel):
    """One host: its inventory name, role, and how ssh reaches it."""

    model_config = ConfigDict(frozen=True)

    name: str
    role: Role
    address: str  # ansible_host (or the name)
    user: str | None = None
    port: int | None = None
    key: str | None = None  # ansible_ssh_private_key_file
    ssh_args: tuple[str, ...] = ()  # ansible_ssh_common_args + ansible_ssh_extra_args, split as a shell would
    ssh_config: str | None = None  # testinfra's ssh_config (ssh -F)
    become: bool = False  # commands through `sudo -n` (a user other than root)
    python: str = "python3"  # ansible_python_interpreter: what sends the suite's probes from the host
    local: bool = False  # ansible_connection=local: the machine running the suite itself (no ssh)

    @property
    def login(self) -> str:
        """`user@address:port` as an operator writes it in a message."""
        if self.local:
            return "this machine"
        return f"{self.user + '@' if self.user else ''}{self.address}{':' + str(self.port) if self.port else ''}"


class Inventory(BaseModel):
    """The hosts, and the airgaplab_* variables of the inventory (what the hosts' files cannot say)."""

    model_config = ConfigDict(frozen=True)

    source: str
    targets: tuple[Target, ...]
    settings: dict[str, Any] = {}

    @property
    def admin(self) -> Target:
        return next(t for t in self.targets if t.role == "admin")

    @property
    def nodes(self) -> list[Target]:
        return [t for t in self.targets if t.role == "node"]

    @property
    def outsider(self) -> Target | None:
        return next((t for t in self.targets if t.role == "outsider"), None)

    def target(self, name: str) -> Target:
        return next(t for t in self.targets if t.name == name)


def load(source: str) -> Inventory:
    """The inventory at path `source`, or `source` itself if it is a testinfra host list."""
    if source.startswith("ssh://"):
        return _checked(source, _ssh_urls(source.replace(",", "\n")), {})
    path = Path(source)
    if not path.exists():
        raise UserError(f"--inventory {source}: no such file — give an Ansible inventory (INI or YAML) or "
                        "testinfra's ssh://user@host list")
    text = path.read_text(errors="replace") if path.is_file() else ""
    lines = [x.strip() for x in text.replace(",", "\n").splitlines() if x.strip() and not x.lstrip().startswith("#")]
    if lines and all(x.startswith("ssh://") for x in lines):
        return _checked(source, _ssh_urls("\n".join(lines)), {})
    targets, settings = _ansible(path)
    return _checked(source, targets, settings)


def _checked(source: str, targets: list[Target], settings: dict[str, Any]) -> Inventory:
    if not targets:
        raise UserError(f"--inventory {source}: no hosts in it — list admin and the nodes (an `[admin]` and a "
                        "`[nodes]` group)")
    admins = [t.name for t in targets if t.role == "admin"]
    if len(admins) != 1:
        raise UserError(f"--inventory {source}: " + (f"{len(admins)} hosts are admin ({', '.join(admins)})" if admins
                        else "no host is admin") + " — put exactly one host in group `admin` (or give it "
                        "`airgaplab_role=admin`)")
    if len([t for t in targets if t.role == "outsider"]) > 1:
        raise UserError(f"--inventory {source}: more than one host in group `outsider` — keep one (the vantage point "
                        "on the internet side of admin)")
    if not any(t.role == "node" for t in targets):
        raise UserError(f"--inventory {source}: admin alone — list the nodes too (group `nodes`)")
    return Inventory(source=source, targets=tuple(_named(targets)), settings=settings)


def _named(targets: list[Target]) -> list[Target]:
    """Names the suite can use as a lab's (lower case, a letter first, no dots): a host's own where it is one, its
    first label (node1.example.org → node1), else admin / node<N>; the address stays as the inventory has it."""
    out: list[Target] = []
    nodes = 0
    for i, t in enumerate(targets, start=1):
        nodes += t.role == "node"
        first = t.name.lower().split(".")[0]
        valid = re.match(NAME_PATTERN, first) and not is_address(t.name)
        name = first if valid else (t.role if t.role != "node" else f"node{nodes}")
        while name in [o.name for o in out]:
            name = f"{name}-{i}"
        out.append(t.model_copy(update={"name": name}))
    return out


def is_address(text: str) -> bool:
    """`text` is an IP address (v4 or v6)."""
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def _ssh_urls(text: str) -> list[Target]:
    """testinfra's `ssh://[user@]host[:port][?sudo=true&ssh_identity_file=…&ssh_config=…]`, the first admin."""
    out = []
    for i, line in enumerate(x.strip() for x in text.splitlines() if x.strip()):
        url = urlsplit(line)
        if url.scheme != "ssh" or not url.hostname:
            raise UserError(f"--inventory: {line!r} is not a testinfra host (ssh://user@host[:port])")
        q = {k: v[-1] for k, v in parse_qs(url.query).items()}
        out.append(Target(name=url.hostname, role="admin" if i == 0 else "node", address=url.hostname,
                          user=url.username, port=url.port, key=q.get("ssh_identity_file"),
                          ssh_config=q.get("ssh_config"), become=q.get("sudo", "").lower() in TRUE))
    return out


def _ansible(path: Path) -> tuple[list[Target], dict[str, Any]]:
    """Hosts and their merged variables as Ansible itself computes them (group_vars/, host_vars/, ranges)."""
    try:
        from ansible.inventory.manager import InventoryManager
        from ansible.parsing.dataloader import DataLoader
        from ansible.vars.manager import VariableManager
    except ImportError:
        raise UserError("reading an Ansible inventory needs ansible-core: `make venv` installs it") from None
    loader = DataLoader()
    said = io.StringIO()  # Ansible's warnings ("Found both group and host …"): said only when nothing was read
    try:
        with contextlib.redirect_stderr(said), contextlib.redirect_stdout(said):
            manager = InventoryManager(loader=loader, sources=[str(path)])
            hosts = manager.get_hosts()
            variables = VariableManager(loader=loader, inventory=manager)
            merged = {h.name: (h, variables.get_vars(host=h)) for h in hosts}
    except Exception as e:  # ansible raises its own errors for bad files
        raise UserError(f"--inventory {path}: Ansible cannot read it: {str(e).splitlines()[0]}") from None
    if not hosts:
        raise UserError(f"--inventory {path}: no hosts found in it ({' '.join(said.getvalue().split()) or 'empty'}) — "
                        "`ansible-inventory -i FILE --list` shows what Ansible reads")
    def marked(role: str) -> list[str]:
        return [name for name, (h, v) in merged.items()
                if str(v.get("airgaplab_role", "")) == role or role in [g.name for g in h.get_groups()]]

    outsider = marked("outsider")
    admin = [n for n in marked("admin") if n not in outsider] or [n for n in merged if n == "admin"]
    targets = [_from_ansible(name, v, "outsider" if name in outsider else "admin" if name in admin else "node")
               for name, (_h, v) in merged.items()]
    settings = {k: v for k, v in merged[admin[0]][1].items() if k.startswith("airgaplab_")} if admin else {}
    return targets, settings


def _from_ansible(name: str, v: dict[str, Any], role: Role) -> Target:
    args = " ".join(str(v.get(k) or "") for k in ("ansible_ssh_common_args", "ansible_ssh_extra_args"))
    key = v.get("ansible_ssh_private_key_file") or v.get("ansible_private_key_file")
    port = v.get("ansible_port") or v.get("ansible_ssh_port")
    user = v.get("ansible_user") or v.get("ansible_ssh_user")
    become = str(v.get("ansible_become", "false")).lower() in TRUE and str(v.get("ansible_become_user", "root")) == "root"
    try:
        return Target(name=name, role=role, address=str(v.get("ansible_host") or name), user=str(user) if user else None,
                      port=int(port) if port else None, key=str(key) if key else None, ssh_args=tuple(shlex.split(args)),
                      become=become, python=_python(v.get("ansible_python_interpreter")),
                      local=str(v.get("ansible_connection", "ssh")) == "local")
    except ValueError as e:
        raise UserError(f"--inventory: host {name}: {e}") from None


def _python(value: Any) -> str:
    """ansible_python_interpreter, where it names one (`auto`, `auto_silent`: Ansible's discovery → python3)."""
    return str(value) if value and not str(value).startswith("auto") else "python3"
