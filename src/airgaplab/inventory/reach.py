"""Why a host of the inventory cannot be judged, in one line naming the host and the fix — or nothing.

    >>> said = "ssh: connect to host 192.0.2.7 port 22: Connection refused"
    >>> print(ssh_refusal(Target(name="k8s-node2", role="node", address="192.0.2.7"), said))
    k8s-node2 (192.0.2.7): unreachable — ssh: connect to host 192.0.2.7 port 22: Connection refused; check its \
ansible_host and ansible_port, and that sshd runs there
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from airgaplab.inventory.ssh import SshTransport
from airgaplab.inventory.targets import Target

UNREACHABLE = ("Connection refused", "No route to host", "timed out", "Could not resolve hostname",
               "Network is unreachable", "Connection closed", "Connection reset", "not known")
# what the host has, in one round trip as root: who the commands run as, then each program or "-"
WHAT_IT_IS = 'id -u; for p in chronyd named {python}; do command -v "$p" >/dev/null 2>&1 && echo "$p" || echo -; done'


def problems(tx: SshTransport) -> dict[str, str]:
    """host → why the suite cannot judge it (unreachable, key refused, no sudo, not the host the inventory says);
    the hosts it can judge are not listed."""
    targets = list(tx.inventory.targets)
    with ThreadPoolExecutor(len(targets)) as pool:
        found = dict(zip([t.name for t in targets], pool.map(lambda t: problem(tx, t), targets), strict=True))
    return {h: p for h, p in found.items() if p}


def problem(tx: SshTransport, t: Target) -> str | None:
    login = tx.exec(t.name, ["true"], root=False, timeout=60)
    if login.returncode != 0:
        return ssh_refusal(t, login.stderr.decode(errors="replace"))
    proc = tx.exec(t.name, ["sh", "-c", WHAT_IT_IS.format(python=t.python)], timeout=60, root=t.role != "outsider")
    said = proc.stdout.decode(errors="replace").split()
    err = proc.stderr.decode(errors="replace").strip()
    if proc.returncode != 0 and "sudo" in err:
        line = err.splitlines()[-1]
        return (f"{t.name} ({t.login}): no sudo for {t.user or 'this user'} ({line}) — the suite reads as root "
                "(chronyc's socket, named-checkconf, named.conf): allow it `NOPASSWD` sudo, or log in as root")
    if t.role == "outsider":  # a vantage point only: it sends probes, and needs neither root nor daemons
        return None if said[3:4] != ["-"] else (f"{t.name} ({t.login}): no {t.python} — the suite's probes from the "
                                                "outsider are sent with it: install python3 there")
    if len(said) < 4:
        return f"{t.name} ({t.login}): could not tell what the host has (exit {proc.returncode}: {err[-200:]})"
    uid, chronyd, named, python = said[:4]
    if uid != "0":
        return (f"{t.name} ({t.login}): logs in as {t.user or 'uid ' + uid}, not root, and the inventory does not say "
                "ansible_become=true — the suite reads as root: set ansible_become=true (with NOPASSWD sudo)")
    if t.role == "admin" and "-" in (chronyd, named):
        lacks = " and ".join(p for p, have in (("chronyd", chronyd), ("named", named)) if have == "-")
        return (f"{t.name} ({t.login}): no {lacks} here — not the NTP/DNS server the inventory says: check its "
                "ansible_host, or put the right host in group `admin` (or install chrony and BIND)")
    if chronyd == "-":
        return (f"{t.name} ({t.login}): no chronyd here — not a host of the closed network as the inventory says "
                f"(a {t.role} runs chrony): check its ansible_host, or install chrony")
    if python == "-":
        return (f"{t.name} ({t.login}): no {t.python} — the suite sends its NTP and DNS probes from the host with it: "
                "install python3, or name it with ansible_python_interpreter")
    return None


def ssh_refusal(t: Target, stderr: str) -> str:
    said = next((x.strip() for x in reversed(stderr.splitlines()) if x.strip()), "no answer").rstrip(".")
    if "Permission denied" in said:
        return (f"{t.name} ({t.login}): the key was refused — {said}; check ansible_user and "
                "ansible_ssh_private_key_file (`ssh -i KEY USER@HOST true` must log in without a password)")
    if "Host key verification failed" in said or "REMOTE HOST IDENTIFICATION" in stderr:
        return (f"{t.name} ({t.login}): its host key is unknown or changed — {said}; check it, then add it to "
                "~/.ssh/known_hosts (`ssh-keyscan`)")
    if any(u in said for u in UNREACHABLE) or "no answer over ssh" in said:
        return (f"{t.name} ({t.login}): unreachable — {said}; check its ansible_host and ansible_port, and that sshd "
                "runs there")
    return f"{t.name} ({t.login}): ssh failed — {said}"
