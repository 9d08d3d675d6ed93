"""The daemons' users on a netns host: a Rocky host's names and ids for the users this machine has (bind → named,
_chrony → chrony), and the users it lacks (a daemon's package is not installed here: kit.py) added — as each
service says (Service.netns.users)."""

from __future__ import annotations

import functools
import grp
import pwd
from pathlib import Path

from airgaplab.services import registry
from airgaplab.services.base import DaemonUser


def _user(*names: str) -> tuple[int, int] | None:
    for name in names:
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        return pw.pw_uid, pw.pw_gid
    return None


def daemon_users() -> list[DaemonUser]:
    return [u for s in registry.every() for u in s.netns.users]


@functools.cache
def ids_of(user: str) -> tuple[int, int]:
    """A daemon's uid and gid on a lab host (`named`, Rocky's name): the machine's user of it (`bind` on
    Debian/Ubuntu, `named` on Fedora/Rocky), else Rocky's fixed id if free, else a free system id (each daemon's
    its own: the ones before it in the services' order took theirs)."""
    taken: set[int] = set()
    for u in daemon_users():
        if ids := _user(*u.machine):
            got = ids
        else:
            used = {p.pw_uid for p in pwd.getpwall()} | {g.gr_gid for g in grp.getgrall()} | taken
            own = u.rocky_id if u.rocky_id is not None and u.rocky_id not in used else \
                next(i for i in range(999, 100, -1) if i not in used)
            got = (own, own)
        taken.add(got[0])
        if u.name == user:
            return got
    raise KeyError(f"{user}: no service's daemon runs as it")


def machine_user(user: str) -> str:
    """A daemon's run user (Rocky's name, e.g. named) as the machine names it (a lab host knows it by Rocky's:
    HostView.user)."""
    u = next(u for u in daemon_users() if u.name == user)
    ids = _user(*u.machine)
    return pwd.getpwuid(ids[0]).pw_name if ids else user


def rocky_names() -> dict[str, str]:
    """The machine's names of the daemons' users → Rocky's (bind → named, _chrony → chrony)."""
    return {m: u.name for u in daemon_users() for m in u.machine if m != u.name}


def write_users(etc: Path, *, rocky: bool) -> None:
    """The host's passwd and group: the machine's own users (the daemons' under Rocky's names on a lab host), and
    the daemons' users where the machine has none (their packages are not installed here: kit.py)."""
    etc.mkdir(parents=True, exist_ok=True)
    for name in ("passwd", "group"):
        lines = Path(f"/etc/{name}").read_text().splitlines()
        taken = {line.split(":", 1)[0] for line in lines}
        renamed = []
        for line in lines:
            who, sep, rest = line.partition(":")
            new = rocky_names().get(who) if rocky else None
            renamed.append(f"{new}:{rest}" if sep and new and new not in taken else line)
        names = {line.split(":", 1)[0] for line in renamed}
        for u in daemon_users():
            if u.name not in names and not any(m in names for m in u.machine):
                uid, gid = ids_of(u.name)
                renamed.append(f"{u.name}:x:{uid}:{gid}:{u.gecos}:{u.home}:/sbin/nologin" if name == "passwd"
                               else f"{u.name}:x:{gid}:")
        (etc / name).write_text("".join(f"{line}\n" for line in renamed))
        (etc / name).chmod(0o644)
