"""The VM lab: Vagrant/libvirt guests (Rocky Linux 10 or Debian 12), driven through python-vagrant.

Where the machine has no usable libvirtd (CI, a laptop without KVM), the
hypervisor is a private libvirtd in a namespace of the lab's own whose only
way out is the simulated internet (hypervisor.py); every vagrant, virsh and ssh
command then runs inside it. Provisioning is the backend-neutral provisioner
through each VM's host agent (agent.py), once all machines have booted (in parallel): admin's steps while the
nodes run theirs that need no server, then the nodes' NTP step.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from airgaplab import retry
from airgaplab.backends.base import Backend, HostStatus, LabStatus, Progress, quiet
from airgaplab.backends.journal import Journal
from airgaplab.backends.vagrant import accel as accel_mod
from airgaplab.backends.vagrant import agent, libvirtd
from airgaplab.backends.vagrant import plan as vplan
from airgaplab.backends.vagrant.hypervisor import HV, PrivateHypervisor, SystemHypervisor
from airgaplab.backends.vagrant.ssh import SshChannels
from airgaplab.errors import LabError, UserError
from airgaplab.lab import provisioner, render
from airgaplab.lab.family import family
from airgaplab.lab.spec import Host, LabSpec
from airgaplab.lab.transport import Completed, Transport
from airgaplab.lab.world import GRADER, DnssecNames, World
from airgaplab.paths import project_root
from airgaplab.probes import facts

VAGRANT_STATES = {"running": "running", "shutoff": "stopped", "poweroff": "stopped", "not_created": "not created",
                  "not created": "not created", "paused": "stopped"}
# vagrant's lines worth a progress step (the rest is noise at this level)
VAGRANT_PROGRESS = re.compile(r"==> (\S+): (Creating image|Creating domain|Starting domain|Waiting for domain to get an "
                              r"IP|Machine booted and ready)")
Hypervisor = PrivateHypervisor | SystemHypervisor


# put_many on a VM: python3 (the host agent's own) writes the files, not tar — a minimal EL10 image need not
# have tar. Each file is replaced whole (mode 0644, root's), parents made 0755; existing directories keep theirs.
WRITE_FILES = """
import base64, json, os, sys
for path, data in json.load(sys.stdin).items():
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    new = path + ".airgaplab-new"
    with open(new, "wb") as f:
        f.write(base64.b64decode(data))
    os.chmod(new, 0o644)
    os.replace(new, path)
"""


class VagrantTransport(Transport):
    """The VMs through their host agents (agent.py: a root helper per VM on its multiplexed ssh connection,
    inside the hypervisor's namespace if private); the outsider is whatever the hypervisor offers."""

    def __init__(self, backend: VagrantBackend) -> None:
        self.be = backend

    def _outsider(self, host: str) -> Transport | None:
        return self.be.hv.outsider_transport() if host == self.be.hv.outsider else None

    def exec(self, host: str, argv: list[str], *, input: bytes | None = None,
             timeout: float | None = 120) -> Completed:
        if tx := self._outsider(host):
            return tx.exec(host, argv, input=input, timeout=timeout)
        self.be.spec.host(host)
        return self.be.agents.exec(host, argv, input=input, timeout=timeout)

    def put_many(self, host: str, files: dict[str, bytes]) -> None:
        if tx := self._outsider(host):
            return tx.put_many(host, files)
        payload = json.dumps({path: base64.b64encode(data).decode() for path, data in files.items()}).encode()
        self.run(host, ["python3", "-c", WRITE_FILES], what="writing files", input=payload)
        return None

    def interactive(self, host: str, argv: list[str]) -> int:
        if tx := self._outsider(host):
            return tx.interactive(host, argv)
        self.be.spec.host(host)
        return subprocess.call(self.be.ssh(host, shlex.join(argv), tty=True))

    def exchange(self, host: str, server: str, port: int, payload: bytes, *, proto: str = "udp",
                 timeout: float = 2.0, source: str | None = None) -> bytes | None:
        if host == GRADER:  # the hypervisor's own address on the internal network
            return self.be.hv.outsider_transport().exchange(self.be.hv.outsider, server, port, payload, proto=proto,
                                                            timeout=timeout, source=source or self.be.spec.grader_ip)
        if tx := self._outsider(host):
            return tx.exchange(host, server, port, payload, proto=proto, timeout=timeout, source=source)
        self.be.spec.host(host)
        return self.be.agents.exchange(host, proto, server, port, payload, timeout=timeout, source=source)


class VagrantWorld(World):
    """Around the VMs: management links, NetworkManager's `internal` connection, firewalld where hardened;
    the outsider, the egress and the forwarders' side are the hypervisor's."""

    def __init__(self, backend: VagrantBackend) -> None:
        vm = backend.spec.vm
        url = None if family(vm.os).box_built_here else vm.box_url
        super().__init__(family=family(vm.os), box=f"{vplan.box_name(backend.spec)} {url or ''}".strip(),
                         # emulated guests: chrony's iburst and the suite's probes run ~10x slower
                         sync_timeout=240.0 if vm.accel == "qemu" else 90.0,
                         outsider=backend.hv.outsider, grader=GRADER)
        self.be = backend

    def outside_address(self, host: str) -> str | None:
        """admin's management (NAT) address, as the outsider reaches it."""
        if not self.be.spec.host(host).internet:
            return None
        m = re.search(rf"^Host {re.escape(host)}\n(?:\s+.*\n)*?\s+HostName (\S+)",
                      self.be.channels.config().read_text(), re.M)
        return m.group(1) if m else None

    def egress_address(self, host: str) -> str | None:
        """What the (simulated) internet sees admin's traffic come from: the hypervisor's NAT address."""
        return self.be.hv.internet.outside_address(HV) if self.be.spec.host(host).internet else None

    def forwarder_log(self) -> str | None:
        return self.be.hv.internet.forwarder_log()

    def dnssec_names(self) -> DnssecNames:
        return self.be.hv.internet.dnssec_names()

    def large_answer(self) -> str | None:
        return self.be.hv.internet.large_answer()

    def unsigned_zone(self) -> str | None:
        return self.be.hv.internet.unsigned_zone()

    def keep_reachable(self, host: str) -> str | None:
        vm = self.be.spec.vm
        return vm.management_nat if self.be.spec.host(host).internet else vm.management_isolated

    def nm_connection(self, host: str) -> str:
        return "internal"  # the base step's connection

    def firewalled(self, host: str) -> bool:
        return self.be.transport.exec(host, ["systemctl", "is-active", "--quiet", "firewalld"]).returncode == 0


class VagrantBackend(Backend):
    name = "vagrant"

    def __init__(self, spec: LabSpec, progress: Progress = quiet) -> None:
        super().__init__(spec, progress)
        self.channels = SshChannels(self.state.dir, self._vagrant_exe, lambda: self.env)
        self.agents = agent.Agents(lambda host: self.ssh(host, agent.COMMAND))
        self.hv: Hypervisor = self._hypervisor()
        self.transport = VagrantTransport(self)
        self.world = VagrantWorld(self)

    def _hypervisor(self) -> Hypervisor:
        if self.spec.vm.hypervisor == "private":
            return PrivateHypervisor(self.spec, self.state.dir, lambda m: self.progress(m))
        return SystemHypervisor()

    # --- vagrant plumbing ----------------------------------------------------------
    @property
    def plan_path(self) -> Path:
        return self.state.dir / "plan.json"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "AIRGAPLAB_LAB": self.spec.name, "AIRGAPLAB_PLAN": str(self.plan_path),
                "VAGRANT_DOTFILE_PATH": str(self.state.dir / "vagrant"), "VAGRANT_DEFAULT_PROVIDER": "libvirt",
                "VAGRANT_CHECKPOINT_DISABLE": "1",
                # entering the hypervisor's mount namespace resets the working directory
                "VAGRANT_CWD": str(project_root())}

    def _vagrant_exe(self) -> str:
        """vagrant itself, or a one-line wrapper that runs it inside the private hypervisor's namespace."""
        real = shutil.which("vagrant") or "vagrant"
        if not self.hv.private:
            return real
        wrapper = self.state.dir / "bin" / "vagrant"
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
        env = f"AIRGAPLAB_PLAN={self.plan_path} VAGRANT_DOTFILE_PATH={self.state.dir / 'vagrant'}"
        where = f"(inside the private hypervisor's namespace agl.{self.spec.name}.{HV}) " if self.hv.private else ""
        return [
            f"{where}cd {project_root()} && {env} vagrant up --provider=libvirt --no-provision",
            f"{where}cd {project_root()} && {env} vagrant destroy --force",
        ]

    def decide(self) -> tuple[libvirtd.Choice, accel_mod.GuestCpu]:
        """The hypervisor and the guests' accelerator and CPU, as `up` will use them (and --dry-run shows)."""
        vm = self.spec.vm
        return libvirtd.choose(vm.hypervisor, vm.os), accel_mod.choose(vm.accel)

    def dry_run(self) -> dict[str, object]:
        hv, cpu = self.decide()
        self.spec = self._decided(hv, cpu)
        self.hv = self._hypervisor()
        return {"decided": {"hypervisor": hv.kind, "hypervisor_why": hv.why, "blocker": hv.blocker or None,
                            "accel": cpu.driver, "cpu_mode": cpu.cpu_mode,
                            "guest_cpu": f"x86-64-v{cpu.level}" if cpu.level else None, "accel_why": cpu.why},
                "plan": vplan.build(self.spec, accel=cpu.driver), "commands": self.commands()}

    # --- lifecycle hooks ------------------------------------------------------------
    def _decided(self, hv: libvirtd.Choice, cpu: accel_mod.GuestCpu) -> LabSpec:
        vm = self.spec.vm
        return self.spec.model_copy(update={"vm": vm.model_copy(update={"hypervisor": hv.kind, "accel": cpu.driver})})

    def resolved(self) -> LabSpec:
        """The spec with `auto` decided: which hypervisor, which accelerator and guest CPU."""
        hv, cpu = self.decide()
        self.progress(f"hypervisor: {hv.kind} — {hv.why}")
        self.progress(f"accelerator: {cpu.line()}")
        return self._decided(hv, cpu)

    def preflight(self) -> None:
        if shutil.which("vagrant") is None:
            raise UserError("no vagrant on this machine — `make deps-vm`, or use --backend netns")

    def prepare(self) -> None:
        if family(self.spec.vm.os).box_built_here:  # before the lab exists: a refusal here leaves nothing to take down
            from airgaplab.backends.vagrant import box

            box.ensure(self.spec.vm.os, self.progress)

    def create(self, journal: Journal, *, bare: bool) -> None:
        t0 = time.monotonic()
        self.spec = self.resolved()
        self.hv = self._hypervisor()
        self.world = VagrantWorld(self)
        journal.spec = self.spec.model_dump()
        journal.save()
        with journal.phase("hypervisor"):
            self.hv.start()
        vplan.write(self.spec, self.state.dir, accel=self.spec.vm.accel)
        self.progress(f"vagrant up: {len(self.spec.hosts)} {self.family.pretty} VMs "
                      f"({'software emulation' if self.spec.vm.accel == 'qemu' else 'KVM'})")
        log = self.state.dir / "vagrant-up.log"
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
        (self.state.dir / "ssh_config").unlink(missing_ok=True)
        self.channels.forget()
        self.channels.config()  # once, before provisioning's threads need it (vagrant locks its machines)

    def provision_plan(self) -> provisioner.Plan:
        # bare VMs run only this first step (hostname, internal NIC, hardening). Its environment comes from the
        # spec's host, roles and all: a bare admin's firewall is open already to what the notes' steps will
        # serve (the notes open no port), even though the step is handed the host without its roles
        return provisioner.Plan(first_steps=["base"], env=lambda h: vplan.step_env(self.spec, self.spec.host(h.name)),
                                extra_files=self._extra_files)

    def _extra_files(self, host: Host) -> dict[str, bytes]:
        """The lab's /etc/hosts block for the base step, and what the hypervisor adds (the simulated root)."""
        files = {f"{render.STAGE_DIR}/etc/hosts.airgaplab": vplan.hosts_block(self.spec).encode()}
        return {**files, **self.hv.extra_files(host, self.family)}

    UNITS = ("chronyd", "named")

    def _units(self) -> tuple[str, str]:
        return self.family.chrony_service, self.family.named_service

    TRANSIENT = ("activating", "deactivating")

    def settle(self, *, bare: bool = False) -> None:
        """Wait (bounded) until no daemon `up` started is still starting or stopping, so the status it prints is
        true. A running daemon that is reloading (Debian's named reloads when NetworkManager brings a link up)
        is shown as `reloading`: true, and no reason to wait.

        A provisioned lab's clocks are then set again: chronyd restarted by provisioning took its first
        samples while three emulated guests kept this machine's cores busy, and samples hundreds of ms apart
        give a frequency guess so wild (10^5 ppm) that chronyd keeps its local stratum for minutes
        (`maxupdateskew`). Restarted on a quiet machine it follows its upstream within seconds."""
        def settled(host: str) -> None:
            retry.until(lambda: not set(self._daemons(host).values()) & set(self.TRANSIENT), timeout=60, interval=1)

        provisioner.parallel(self.spec.host_names, settled)
        if not bare:
            self.progress("setting the clocks, now that provisioning left the machine quiet")
            self._clocks_from_this_machine()

    def leftovers(self) -> bool:
        return (self.state.dir / "edge").exists() or any(n.startswith(f"agl.{self.spec.name}.") for n in _netns_names())

    def destroy(self) -> None:
        self.agents.close()
        if self.hv.private or self.leftovers():
            # Domains, volumes and networks live in the hypervisor's own /etc and /var overlays and its
            # processes in its namespaces: stopping it removes them all, also after a SIGKILLed `up`.
            PrivateHypervisor(self.spec, self.state.dir, lambda m: self.progress(m)).stop()
            return
        self._hang_up(self.spec.host_names)
        if shutil.which("virsh"):  # a domain with snapshots cannot be undefined
            for name in self.state.saved_states():
                self.delete_state(name)
        if self.plan_path.exists() and shutil.which("vagrant"):
            self.progress("vagrant destroy --force")
            try:
                self.vagrant().destroy()
            except subprocess.CalledProcessError as e:
                raise LabError(f"vagrant destroy failed (exit {e.returncode}); retry `airgaplab down`") from None
        if shutil.which("virsh"):
            for net in vplan.network_names(self.spec).values():
                subprocess.run(["virsh", "-c", "qemu:///system", "net-destroy", net], capture_output=True)
                subprocess.run(["virsh", "-c", "qemu:///system", "net-undefine", net], capture_output=True)

    def keep_evidence(self, dest: Path) -> list[str]:
        """The plan, vagrant's log, and each guest's console (private hypervisor) or journal (reachable guests)."""
        kept = []
        for name in ("plan.json", "vagrant-up.log", "journal.json"):
            if (self.state.dir / name).exists():
                shutil.copyfile(self.state.dir / name, dest / name)
                kept.append(name)
        for h in self.spec.hosts:
            log = vplan.console_log(self.spec, h.name)
            if log and self.hv.is_up():
                r = subprocess.run(self.hv.wrap(["cat", log]), capture_output=True, timeout=30)
                if r.returncode == 0:
                    (dest / f"{h.name}-console.log").write_bytes(r.stdout)
                    kept.append(f"{h.name}-console.log")
            try:
                j = self.transport.exec(h.name, ["journalctl", "-b", "--no-pager", "-n", "500"], timeout=30)
            except (subprocess.TimeoutExpired, LabError):
                continue
            if j.returncode == 0:
                (dest / f"{h.name}-journal.log").write_bytes(j.stdout)
                kept.append(f"{h.name}-journal.log")
        return kept

    # --- state -------------------------------------------------------------------
    def _states(self) -> dict[str, str]:
        if not self.plan_path.exists() or not shutil.which("vagrant") or not self.hv.is_up():
            return {}
        # python-vagrant's status() never raises: an empty answer means vagrant failed.
        return {s.name: VAGRANT_STATES.get(s.state, s.state) for s in self.vagrant().status()}

    def running(self, journal: Journal) -> bool:
        states = self._states()
        return bool(states) and all(v == "running" for v in states.values())

    def status(self) -> LabStatus:
        states = self._states()
        if not states:
            return LabStatus(self.spec.name, self.name, "down")
        hosts = [HostStatus(h.name, states.get(h.name, "missing"), {"internal": h.ip},
                            self._daemons(h.name) if states.get(h.name) == "running" else {}) for h in self.spec.hosts]
        up = all(h.state == "running" for h in hosts)
        return LabStatus(self.spec.name, self.name, "up" if up else "partial", hosts)

    def _daemons(self, host: str) -> dict[str, str]:
        """chronyd and named as systemd sees them: active, activating, inactive or failed."""
        proc = self.transport.exec(host, ["systemctl", "is-active", *self._units()], timeout=30)
        states = proc.stdout.decode().split()
        return dict(zip(self.UNITS, states, strict=False))

    def _hang_up(self, hosts: list[str]) -> None:
        """End the hosts' agents and shared ssh connections (a revert, a reboot, `down`)."""
        self.agents.close(hosts)
        self.channels.close(hosts)

    def ssh(self, host: str, command: str, *, tty: bool = False) -> list[str]:
        """argv running `command` as root on `host` (inside the hypervisor's namespace, if private)."""
        return self.hv.wrap(self.channels.argv(host, command, tty=tty))

    # --- saved states: libvirt snapshots with memory (the VMs do not boot again) -------------------
    can_save_states = True
    SYNC_AFTER_RESTART_S = 90  # how long a guest's chronyd, restarted, is waited for until it follows a source
    BURST_AFTER_S = 12  # iburst's four samples have come by then; if they were not enough, a burst of four more

    def domain(self, host: str) -> str:
        return f"{vplan.PREFIX.format(name=self.spec.name)}{host}"

    def _virsh(self, *args: str) -> subprocess.CompletedProcess[str]:
        argv = self.hv.wrap(["virsh", "-c", "qemu:///system", *args])
        return subprocess.run(argv, capture_output=True, text=True, timeout=900)

    def save_state(self, name: str) -> None:
        def snapshot(host: str) -> None:
            self._virsh("snapshot-delete", "--domain", self.domain(host), "--snapshotname", name)  # a re-save
            r = self._virsh("snapshot-create-as", "--domain", self.domain(host), "--name", name, "--atomic")
            if r.returncode != 0:
                raise LabError(f"{host}: `virsh snapshot-create-as` failed: {r.stderr.strip()}")

        self.progress(f"saving state {name}: a snapshot of each VM, memory included")
        provisioner.parallel(self.spec.host_names, snapshot)
        meta = self.state.states_dir / name / "meta.json"
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps({"name": name, "saved": time.time(), "hosts": self.spec.host_names}))

    def restore_state(self, name: str) -> None:
        def revert(host: str) -> None:
            r = self._virsh("snapshot-revert", "--domain", self.domain(host), "--snapshotname", name, "--running",
                            "--force")
            if r.returncode != 0:
                raise LabError(f"{host}: `virsh snapshot-revert` failed: {r.stderr.strip()}")

        # the shared ssh connections end first: a reverted guest holds them as they were when saved, and a
        # connection whose two ends disagree only hangs
        self._hang_up(self.spec.host_names)
        self.progress(f"reverting every VM to {name} (memory included: nothing boots)")
        provisioner.parallel(self.spec.host_names, revert)
        self.progress("setting the clocks: each VM woke up at the time it was saved")
        self._clocks_from_this_machine()

    def _clocks_from_this_machine(self) -> None:
        """Every guest's clock set and its chronyd restarted, servers first (see _back_on_time)."""
        servers = [h.name for h in self.spec.hosts if h.is_server]
        for group in (servers, [h.name for h in self.spec.hosts if not h.is_server]):
            provisioner.parallel(group, self._back_on_time)

    def _back_on_time(self, host: str) -> None:
        """The guest's clock set from this machine's (the lab's reference: the simulated internet's NTP
        servers read it too), then chronyd restarted and waited for (bounded, never an error: a saved state may
        be a broken one) until it follows its source again — servers first, so the nodes' iburst finds admin
        on its upstream and not on its local stratum.

        Under emulation a few of the first samples can be milliseconds off, and chronyd then keeps its local
        stratum until its next poll, a minute later (the frequency too uncertain to follow: `maxupdateskew`);
        a `chronyc burst` adds samples now instead."""
        # a reverted guest's NIC is a new tap on the bridge: ssh answers once the bridge has learnt it again
        if not retry.until(lambda: self.transport.exec(host, ["true"], timeout=20).returncode == 0, timeout=120,
                           interval=1):
            raise LabError(f"{host} did not answer ssh within 120 s")
        chrony = self.family.chrony_service
        self.transport.run(host, ["sh", "-c", f"date -u -s @{time.time():.3f} >/dev/null && systemctl restart {chrony}"],
                           what="setting the clock and restarting chronyd")

        def futile() -> str | None:
            return facts.unanswered(self.transport, host) or (None if facts.sources(self.transport, host)
                                                               else "no sources")

        got = retry.until(lambda: facts.on_upstream(self.transport, host), timeout=self.SYNC_AFTER_RESTART_S,
                          interval=1, give_up=futile, nudge_every=self.BURST_AFTER_S,
                          nudge=lambda: facts.ask_again(self.transport, host))
        if got or got.gave_up:
            return
        self.progress(f"{host}'s chronyd does not follow a source yet, {self.SYNC_AFTER_RESTART_S} s after its restart")

    def delete_state(self, name: str) -> None:
        for host in self.spec.host_names:
            self._virsh("snapshot-delete", "--domain", self.domain(host), "--snapshotname", name)

    def reboot(self, host: str) -> None:
        """A real reboot; back when systemd says the VM is up again."""
        self.transport.exec(host, ["systemctl", "reboot"], timeout=60)  # the ssh connection drops with it
        self._hang_up([host])

        def back() -> bool:
            proc = self.transport.exec(host, ["systemctl", "is-system-running", "--wait"], timeout=120)
            return proc.stdout.decode().strip() in ("running", "degraded")

        if not retry.until(back, timeout=900, interval=3):
            raise LabError(f"{host} did not come back from its reboot within 900 s")


def _netns_names() -> list[str]:
    try:
        return os.listdir("/run/netns")
    except FileNotFoundError:
        return []
