"""The VM lab: Vagrant/libvirt guests (Rocky Linux 10 or Debian 12), driven through python-vagrant.

Where the machine has no usable libvirtd (CI, a laptop without KVM), the
hypervisor is a private libvirtd in a namespace of the lab's own whose only
way out is the simulated internet (hypervisor.py); every vagrant, virsh and ssh
command then runs inside it. Provisioning is the backend-neutral provisioner
over ssh, once all machines have booted (in parallel): admin's steps while the
nodes run theirs that need no server, then the nodes' NTP step.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from airgaplab import provisioner, render, retry
from airgaplab.backends.base import Backend, DnssecNames, HostStatus, LabStatus, Progress, _quiet
from airgaplab.backends.journal import Journal
from airgaplab.backends.netns.backend import NetnsBackend
from airgaplab.backends.vagrant import accel as accel_mod
from airgaplab.backends.vagrant import plan as vplan
from airgaplab.backends.vagrant.hypervisor import HV, PrivateHypervisor, SystemHypervisor
from airgaplab.backends.vagrant.ssh import SshChannels
from airgaplab.errors import LabError, UserError
from airgaplab.family import Family, family
from airgaplab.paths import project_root, state_root
from airgaplab.probes import relay
from airgaplab.spec import Host, Lab

LOCAL = "@local"  # system hypervisor: the machine running the suite is the vantage point outside every ACL
OUTSIDER = "outsider"  # private hypervisor: the hypervisor's namespace, probing admin's management address
VAGRANT_STATES = {"running": "running", "shutoff": "stopped", "poweroff": "stopped", "not_created": "not created",
                  "not created": "not created", "paused": "stopped"}
# vagrant's lines worth a progress step (the rest is noise at this level)
VAGRANT_PROGRESS = re.compile(r"==> (\S+): (Creating image|Creating domain|Starting domain|Waiting for domain to get an "
                              r"IP|Machine booted and ready)")


def system_libvirt_reachable() -> bool:
    if shutil.which("virsh") is None:
        return False
    try:
        return subprocess.run(["virsh", "-c", "qemu:///system", "version"], capture_output=True,
                              timeout=15).returncode == 0
    except subprocess.TimeoutExpired:
        return False


class VagrantBackend(Backend):
    name = "vagrant"

    def __init__(self, lab: Lab, progress: Progress = _quiet) -> None:
        super().__init__(lab, progress)
        self.dir = state_root() / lab.name
        self.channels = SshChannels(self.dir, self._vagrant_exe, lambda: self.env)
        self.hv: PrivateHypervisor | SystemHypervisor = self._hypervisor()

    def _hypervisor(self) -> PrivateHypervisor | SystemHypervisor:
        if self.lab.vm.hypervisor == "private":
            return PrivateHypervisor(self.lab, self.dir, lambda m: self.progress(m))
        return SystemHypervisor()

    @property
    def family(self) -> Family:
        return family(self.lab.vm.os)

    @property
    def box(self) -> str | None:
        url = self.lab.vm.box_url if self.lab.vm.os == "rocky10" else None
        return f"{vplan.box_name(self.lab)} {url or ''}".strip()

    @property
    def sync_timeout(self) -> float:  # type: ignore[override]
        # emulated guests: chrony's iburst and the suite's probes run ~10x slower
        return 240.0 if self.lab.vm.accel == "qemu" else 90.0

    # --- vagrant plumbing ----------------------------------------------------------
    @property
    def plan_path(self) -> Path:
        return self.dir / "plan.json"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "AIRGAPLAB_LAB": self.lab.name, "AIRGAPLAB_PLAN": str(self.plan_path),
                "VAGRANT_DOTFILE_PATH": str(self.dir / "vagrant"), "VAGRANT_DEFAULT_PROVIDER": "libvirt",
                "VAGRANT_CHECKPOINT_DISABLE": "1",
                # entering the hypervisor's mount namespace resets the working directory
                "VAGRANT_CWD": str(project_root())}

    def _vagrant_exe(self) -> str:
        """vagrant itself, or a one-line wrapper that runs it inside the private hypervisor's namespace."""
        real = shutil.which("vagrant") or "vagrant"
        if not self.hv.private:
            return real
        wrapper = self.dir / "bin" / "vagrant"
        if not wrapper.exists():
            wrapper.parent.mkdir(parents=True, exist_ok=True)
            wrapper.write_text("#!/bin/sh\nexec " + shlex.join(self.hv.wrap([real])) + ' "$@"\n')
            wrapper.chmod(0o755)
        return str(wrapper)

    def vagrant(self) -> Any:
        import vagrant

        v = vagrant.Vagrant(  # type: ignore[no-untyped-call]  # python-vagrant ships no annotations
            root=str(project_root()), env=self.env, quiet_stdout=False, quiet_stderr=False)
        v._vagrant_exe = self._vagrant_exe()  # python-vagrant has no public way to name the executable
        return v

    def commands(self) -> list[str]:
        """The exact vagrant commands `up` and `down` run (shown by --dry-run)."""
        env = f"AIRGAPLAB_PLAN={self.plan_path} VAGRANT_DOTFILE_PATH={self.dir / 'vagrant'}"
        where = f"(inside the private hypervisor's namespace agl.{self.lab.name}.{HV}) " if self.hv.private else ""
        return [
            f"{where}cd {project_root()} && {env} vagrant up --provider=libvirt --no-provision",
            f"{where}cd {project_root()} && {env} vagrant destroy --force",
        ]

    def dry_run(self) -> dict[str, object]:
        return {"plan": vplan.build(self.lab, accel="qemu" if self.lab.vm.accel == "qemu" else "kvm"),
                "commands": self.commands()}

    # --- up ----------------------------------------------------------------------
    def resolved(self) -> Lab:
        """The spec with `auto` decided: which hypervisor, which accelerator, which box."""
        vm = self.lab.vm
        hypervisor = vm.hypervisor
        if hypervisor == "auto":
            hypervisor = "system" if system_libvirt_reachable() else "private"
        accel: str = vm.accel
        if accel == "auto":
            kernel = None
            if vm.os != "rocky10":
                from airgaplab import box

                kernel = box.kernel_file(box.recipe(vm.os))
            chosen = accel_mod.choose(kernel)
            self.progress(f"accelerator: {chosen.driver} — {chosen.why}")
            accel = chosen.driver
        return self.lab.model_copy(update={"vm": vm.model_copy(update={"hypervisor": hypervisor, "accel": accel})})

    def up(self, *, bare: bool = False) -> None:
        if shutil.which("vagrant") is None:
            raise UserError("no vagrant on this machine — `make deps-vm`, or use --backend netns")
        if self.is_up():
            raise UserError(f"lab {self.lab.name!r} is already up — see `airgaplab status --name {self.lab.name}`")
        if self.dir.exists():
            raise UserError(f"lab {self.lab.name!r} was left half-created by an interrupted `up` — "
                            f"run `airgaplab down --name {self.lab.name}` first")
        t0 = time.monotonic()
        if self.lab.vm.os != "rocky10":  # before the lab exists: a refusal here leaves nothing to take down
            from airgaplab import box

            box.ensure(self.lab.vm.os, self.progress)
        self.dir.mkdir(parents=True)
        journal = Journal(self.dir / "state.json", lab=self.lab.name, backend=self.name,
                          spec=self.lab.model_dump(), bare=bare)
        journal.timings["box_s"] = round(time.monotonic() - t0, 3)
        journal.save()  # first: `down` finds the lab even if this `up` is killed right now
        self.lab = self.resolved()
        self.hv = self._hypervisor()
        journal.spec = self.lab.model_dump()
        journal.save()
        self.hv.start()
        journal.timings["hypervisor_s"] = round(time.monotonic() - t0, 3)
        vplan.write(self.lab, self.dir, accel=self.lab.vm.accel)
        self.progress(f"vagrant up: {len(self.lab.hosts)} {self.family.pretty} VMs "
                      f"({'software emulation' if self.lab.vm.accel == 'qemu' else 'KVM'})")
        log = self.dir / "vagrant-up.log"
        try:
            with open(log, "w") as f:
                for line in self.vagrant().up(provider="libvirt", provision=False, stream_output=True):
                    f.write(f"{time.monotonic() - t0:7.1f} {line}")
                    f.flush()
                    m = VAGRANT_PROGRESS.search(line)
                    if m:
                        self.progress(f"{m.group(1)}: {m.group(2).lower()}")
        except subprocess.CalledProcessError as e:
            tail = "\n".join(log.read_text().strip().splitlines()[-6:])
            raise LabError(f"vagrant up failed (exit {e.returncode}):\n{tail}") from None
        journal.timings["booted_s"] = round(time.monotonic() - t0, 3)
        (self.dir / "ssh_config").unlink(missing_ok=True)
        self.channels.forget()
        self.channels.config()  # once, before provisioning's threads need it (vagrant locks its machines)
        hosts = self.lab.hosts
        plan = self.provision_plan()
        if bare:  # stock VMs: only the base step (hostname, internal NIC, hardening)
            hosts = [h.model_copy(update={"roles": []}) for h in hosts]
        provisioner.provision(self, plan, hosts)
        journal.finish(t0)

    def provision_plan(self) -> provisioner.Plan:
        return provisioner.Plan(first_steps=["base"], env=lambda h: vplan.step_env(self.lab, h),
                                extra_files=self._extra_files)

    def _extra_files(self, host: Host) -> dict[str, bytes]:
        """The lab's /etc/hosts block for the base step; on a private hypervisor, for admin, the simulated
        root's hints and trust anchor where the OS keeps the real ones."""
        files = {f"{render.STAGE_DIR}/etc/hosts.airgaplab": vplan.hosts_block(self.lab).encode()}
        if isinstance(self.hv, PrivateHypervisor) and host.internet:
            files[self.family.root_key] = self.hv.file("/etc/named.root.key")
            files[self.family.root_hints] = self.hv.file("/var/named/named.ca")
        return files

    # --- down --------------------------------------------------------------------
    def down(self) -> None:
        private = isinstance(self.hv, PrivateHypervisor) or (self.dir / "edge").exists() or any(
            n.startswith(f"agl.{self.lab.name}.") for n in _netns_names())
        if private:
            # Domains, volumes and networks live in the hypervisor's own /etc and /var overlays and its
            # processes in its namespaces: stopping it removes them all, also after a SIGKILLed `up`.
            PrivateHypervisor(self.lab, self.dir, lambda m: self.progress(m)).stop()
        else:
            self.channels.close(self.lab.host_names)
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

    # --- state -------------------------------------------------------------------
    def _states(self) -> dict[str, str]:
        if not self.plan_path.exists() or not shutil.which("vagrant"):
            return {}
        if isinstance(self.hv, PrivateHypervisor) and not self.hv.is_up():
            return {}
        # python-vagrant's status() never raises: an empty answer means vagrant failed.
        return {s.name: VAGRANT_STATES.get(s.state, s.state) for s in self.vagrant().status()}

    def is_up(self) -> bool:
        journal = Journal.load(self.dir / "state.json")
        if not (journal and journal.complete):
            return False
        states = self._states()
        return bool(states) and all(v == "running" for v in states.values())

    def status(self) -> LabStatus:
        states = self._states()
        if not states:
            return LabStatus(self.lab.name, self.name, "down")
        hosts = [HostStatus(h.name, states.get(h.name, "missing"), {"internal": h.ip},
                            self._daemons(h.name) if states.get(h.name) == "running" else {}) for h in self.lab.hosts]
        up = all(h.state == "running" for h in hosts)
        return LabStatus(self.lab.name, self.name, "up" if up else "partial", hosts)

    def _daemons(self, host: str) -> dict[str, str]:
        units = (self.family.chrony_service, self.family.named_service)
        proc = self.exec(host, ["systemctl", "is-active", *units], timeout=30)
        states = proc.stdout.decode().split()
        return {d: ("active" if s == "active" else "inactive") for d, s in zip(("chronyd", "named"), states, strict=False)}

    def ssh(self, host: str, command: str, *, tty: bool = False) -> list[str]:
        """argv running `command` as root on `host` (inside the hypervisor's namespace, if private)."""
        return self.hv.wrap(self.channels.argv(host, command, tty=tty))

    # --- verbs -------------------------------------------------------------------
    def _outsider_edge(self, host: str) -> NetnsBackend | None:
        """The netns lab holding the hypervisor's namespace, when `host` is the outsider there."""
        return self.hv.edge if host == OUTSIDER and isinstance(self.hv, PrivateHypervisor) else None

    def exec(
        self, host: str, argv: list[str], *, input: bytes | None = None, timeout: float | None = 120
    ) -> subprocess.CompletedProcess[bytes]:
        if edge := self._outsider_edge(host):
            return edge.exec(HV, argv, input=input, timeout=timeout)
        self.lab.host(host)
        return subprocess.run(self.ssh(host, shlex.join(argv)), input=input, capture_output=True, timeout=timeout)

    def interactive(self, host: str, argv: list[str]) -> int:
        if edge := self._outsider_edge(host):
            return edge.interactive(HV, argv)
        self.lab.host(host)
        return subprocess.call(self.ssh(host, shlex.join(argv), tty=True))

    def exchange(
        self, host: str, server: str, port: int, payload: bytes, *, proto: str = "udp", timeout: float = 2.0,
        source: str | None = None,
    ) -> bytes | None:
        if edge := self._outsider_edge(host):
            return edge.exchange(HV, server, port, payload, proto=proto, timeout=timeout, source=source)
        if host == LOCAL:
            return relay.exchange(proto, server, port, payload, timeout, source)
        # The VM's python3 relays the bytes; dnspython/ntplib stay here.
        code = Path(relay.__file__).read_text()
        argv = ["python3", "-c", code, proto, server, str(port), str(timeout), payload.hex(), *([source] if source else [])]
        proc = self.exec(host, argv, timeout=timeout + 60)
        if proc.returncode != 0:
            return None
        return bytes.fromhex(proc.stdout.decode().strip())

    # --- the world around the VMs, for the suite -----------------------------------
    @property
    def outsider(self) -> str:  # type: ignore[override]
        return OUTSIDER if isinstance(self.hv, PrivateHypervisor) else LOCAL

    def outside_address(self, host: str) -> str | None:
        """admin's management (NAT) address, as the outsider reaches it."""
        if not self.lab.host(host).internet:
            return None
        m = re.search(rf"^Host {re.escape(host)}\n(?:\s+.*\n)*?\s+HostName (\S+)", self.channels.config().read_text(), re.M)
        return m.group(1) if m else None

    def reboot(self, host: str) -> None:
        """A real reboot; back when systemd says the VM is up again."""
        self.exec(host, ["systemctl", "reboot"], timeout=60)  # the ssh connection drops with it
        self.channels.close([host])

        def back() -> bool:
            proc = self.exec(host, ["systemctl", "is-system-running", "--wait"], timeout=120)
            return proc.stdout.decode().strip() in ("running", "degraded")

        if not retry.until(back, timeout=900, interval=3):
            raise LabError(f"{host} did not come back from its reboot within 900 s")

    def keep_reachable(self, host: str) -> str | None:
        return self.lab.vm.management_nat if self.lab.host(host).internet else self.lab.vm.management_isolated

    def nm_connection(self, host: str) -> str:
        return "internal"  # the base step's connection

    def firewalled(self, host: str) -> bool:
        return self.exec(host, ["systemctl", "is-active", "--quiet", "firewalld"]).returncode == 0

    def egress_address(self, host: str) -> str | None:
        """What the simulated internet sees admin's traffic come from: the hypervisor's NAT address."""
        if isinstance(self.hv, PrivateHypervisor) and self.lab.host(host).internet:
            return self.hv.edge.outside_address(HV)
        return None

    def forwarder_log(self) -> str | None:
        return self.hv.edge.forwarder_log() if isinstance(self.hv, PrivateHypervisor) else None

    def dnssec_names(self) -> DnssecNames:
        return self.hv.edge.dnssec_names() if isinstance(self.hv, PrivateHypervisor) else DnssecNames()


def _netns_names() -> list[str]:
    try:
        return os.listdir("/run/netns")
    except FileNotFoundError:
        return []
