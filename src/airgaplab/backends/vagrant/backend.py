"""The real lab: Rocky Linux 10 VMs on libvirt, driven through python-vagrant and the top-level Vagrantfile."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

from airgaplab.backends.base import Backend, HostStatus, LabStatus, Progress, _quiet
from airgaplab.backends.journal import Journal
from airgaplab.backends.vagrant import plan as vplan
from airgaplab.errors import LabError, UserError
from airgaplab.paths import project_root, state_root
from airgaplab.probes import relay
from airgaplab.spec import Lab

LOCAL = "@local"  # the machine running the suite: the vantage point outside every ACL
VAGRANT_STATES = {"running": "running", "shutoff": "stopped", "poweroff": "stopped", "not_created": "not created",
                  "not created": "not created", "paused": "stopped"}


class VagrantBackend(Backend):
    name = "vagrant"
    outsider = LOCAL

    def __init__(self, lab: Lab, progress: Progress = _quiet) -> None:
        super().__init__(lab, progress)
        self.dir = state_root() / lab.name
        self._ssh_config: Path | None = None

    # --- vagrant plumbing ----------------------------------------------------------
    @property
    def plan_path(self) -> Path:
        return self.dir / "plan.json"

    @property
    def env(self) -> dict[str, str]:
        import os

        return {**os.environ, "AIRGAPLAB_LAB": self.lab.name, "AIRGAPLAB_PLAN": str(self.plan_path),
                "VAGRANT_DOTFILE_PATH": str(self.dir / "vagrant"), "VAGRANT_DEFAULT_PROVIDER": "libvirt"}

    def vagrant(self):
        import vagrant

        return vagrant.Vagrant(root=str(project_root()), env=self.env, quiet_stdout=False, quiet_stderr=False)

    def commands(self) -> list[str]:
        """The exact vagrant commands `up` and `down` run (shown by --dry-run)."""
        env = f"AIRGAPLAB_PLAN={self.plan_path} VAGRANT_DOTFILE_PATH={self.dir / 'vagrant'}"
        nets = " ".join(vplan.network_names(self.lab).values())
        return [
            f"cd {project_root()} && {env} vagrant up --provider=libvirt",
            f"cd {project_root()} && {env} vagrant destroy --force",
            f"for n in {nets}; do virsh -c qemu:///system net-destroy $n; virsh -c qemu:///system net-undefine $n; done",
        ]

    def dry_run(self) -> dict[str, object]:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            p = vplan.build(self.lab, Path(tmp))
        return {"plan": p, "commands": self.commands()}

    # --- verbs -------------------------------------------------------------------
    def up(self, *, bare: bool = False) -> None:
        from airgaplab import doctor

        found = doctor.vagrant_findings(self.lab)
        bad = doctor.blocking_failures(found)
        if bad:
            lines = "; ".join(f"{x.check}: {x.detail} → {x.fix}" for x in bad)
            raise UserError(f"this machine cannot run the vagrant lab ({len(bad)} problem(s)): {lines}")
        if self.is_up():
            raise UserError(f"lab {self.lab.name!r} is already up — see `airgaplab status --name {self.lab.name}`")
        self.dir.mkdir(parents=True, exist_ok=True)
        journal = Journal(self.dir / "state.json", lab=self.lab.name, backend=self.name,
                          spec=self.lab.model_dump(), bare=bare)
        journal.save()
        planned = self.lab
        if bare:  # stock VMs: only the base step (hosts, hardening), no NTP/DNS provisioning
            planned = self.lab.model_copy(update={"hosts": [h.model_copy(update={"roles": []}) for h in self.lab.hosts]})
        self.progress(f"plan for {len(self.lab.hosts)} VMs: {self.plan_path}")
        vplan.write(planned, self.dir)
        self.progress("vagrant up --provider=libvirt (first run downloads the box)")
        try:
            for line in self.vagrant().up(provider="libvirt", stream_output=True):
                line = line.strip()
                if line:
                    self.progress(line[:100])
        except subprocess.CalledProcessError as e:
            raise LabError(f"vagrant up failed (exit {e.returncode}); see the output above") from None
        journal.complete = True
        journal.save()

    def down(self) -> None:
        if self.plan_path.exists() and shutil.which("vagrant"):
            self.progress("vagrant destroy --force")
            try:
                self.vagrant().destroy()
            except subprocess.CalledProcessError as e:
                raise LabError(f"vagrant destroy failed (exit {e.returncode}); retry `airgaplab down`") from None
        if shutil.which("virsh"):
            for net in vplan.network_names(self.lab).values():
                subprocess.run(["virsh", "-c", "qemu:///system", "net-destroy", net], capture_output=True)
                subprocess.run(["virsh", "-c", "qemu:///system", "net-undefine", net], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    def _states(self) -> dict[str, str]:
        if not self.plan_path.exists() or not shutil.which("vagrant"):
            return {}
        # python-vagrant's status() never raises: an empty answer means vagrant failed.
        return {s.name: VAGRANT_STATES.get(s.state, s.state) for s in self.vagrant().status()}

    def is_up(self) -> bool:
        journal = Journal.load(self.dir / "state.json")
        states = self._states()
        return bool(journal and journal.complete and states and all(v == "running" for v in states.values()))

    def status(self) -> LabStatus:
        states = self._states()
        if not states:
            return LabStatus(self.lab.name, self.name, "down")
        hosts = [HostStatus(h.name, states.get(h.name, "missing"), {"internal": h.ip}) for h in self.lab.hosts]
        up = all(h.state == "running" for h in hosts)
        return LabStatus(self.lab.name, self.name, "up" if up else "partial", hosts)

    def ssh_config(self) -> Path:
        if self._ssh_config is None:
            # python-vagrant's ssh_config() swallows errors: run vagrant ourselves and check.
            proc = subprocess.run(["vagrant", "ssh-config"], cwd=project_root(), env=self.env,
                                  capture_output=True, text=True)
            if proc.returncode != 0 or "HostName" not in proc.stdout:
                raise LabError(f"vagrant ssh-config failed: {proc.stderr.strip() or 'no hosts'} — is the lab up?")
            path = self.dir / "ssh_config"
            path.write_text(proc.stdout)
            self._ssh_config = path
        return self._ssh_config

    def ssh(self, host: str, command: str) -> list[str]:
        return ["ssh", "-F", str(self.ssh_config()), "-o", "LogLevel=ERROR", host, f"sudo sh -c {shlex.quote(command)}"]

    def exec(
        self, host: str, argv: list[str], *, input: bytes | None = None, timeout: float | None = 120
    ) -> subprocess.CompletedProcess[bytes]:
        self.lab.host(host)
        return subprocess.run(self.ssh(host, shlex.join(argv)), input=input, capture_output=True, timeout=timeout)

    def interactive(self, host: str, argv: list[str]) -> int:
        self.lab.host(host)
        return subprocess.call(["ssh", "-t", "-F", str(self.ssh_config()), host, "sudo", "-i", *argv])

    def put_many(self, host: str, files: dict[str, bytes]) -> None:
        for path, data in files.items():
            cmd = f"mkdir -p {shlex.quote(str(Path(path).parent))} && cat > {shlex.quote(path)}"
            proc = self.exec(host, ["sh", "-c", cmd], input=data)
            if proc.returncode != 0:
                raise LabError(f"{host}: could not write {path}: {proc.stderr.decode().strip()}")

    def exchange(
        self, host: str, server: str, port: int, payload: bytes, *, proto: str = "udp", timeout: float = 2.0
    ) -> bytes | None:
        if host == LOCAL:
            return relay.exchange(proto, server, port, payload, timeout)
        # The VM's python3 (firewalld needs it) relays the bytes; dnspython/ntplib stay here.
        source = Path(relay.__file__).read_text()
        argv = ["python3", "-c", source, proto, server, str(port), str(timeout), payload.hex()]
        proc = self.exec(host, argv, timeout=timeout + 30)
        if proc.returncode != 0:
            return None
        return bytes.fromhex(proc.stdout.decode().strip())

    def outside_address(self, host: str) -> str | None:
        """admin's management (NAT) address, as the machine running the suite reaches it."""
        if not self.lab.host(host).internet:
            return None
        m = re.search(rf"^Host {re.escape(host)}\n(?:\s+.*\n)*?\s+HostName (\S+)", self.ssh_config().read_text(), re.M)
        return m.group(1) if m else None
