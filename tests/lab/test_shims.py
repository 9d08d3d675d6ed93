"""Each command a netns host models (src/airgaplab/backends/netns/shims/, the contract in docs/tutorial/hosts.md),
alone in a temporary host: a private /etc, /var and /run (overlays in the test's tmp dir, seeded as a lab
host is), its own network namespace (loopback and a veth pair eth0—eth0p: nothing reaches the machine's network)
and its own PID namespace (whatever a script starts ends with it). No lab is brought up.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from airgaplab.backends.netns.hostview import HostView
from airgaplab.backends.netns.seeding import SHIM_DIR
from airgaplab.lab.specfile import load_spec
from airgaplab.paths import default_lab_file
from tests.helpers import ROOT

Host = Callable[[str], str]
KEYFILE = """[connection]
id=eth0
type=ethernet
interface-name=eth0
[ipv4]
method=manual
address1=192.168.10.10/24
dns=198.51.100.1;
"""


@pytest.fixture
def host(tmp_path: Path) -> Host:
    """run(script) → its output (stdout and stderr), typed into a root shell of a fresh temporary host."""
    from airgaplab import kit

    # the lab's own chrony and BIND under its /usr, as `up` gives a lab host (the machine may have none)
    view = HostView("shimhost", "none", tmp_path / "host", tmp_path / "ns", kit=kit.ensure().usr)
    view.seed({"lab": load_spec(default_lab_file()), "host": "admin", "isp_resolver": "198.51.100.1",
               "root_server": "198.51.100.53", "root_dnskey": '257 3 8 "AwEAAQ=="'},
              {"/etc/NetworkManager/system-connections/eth0.nmconnection": KEYFILE.encode()})

    def run(script: str) -> str:
        inner = (f"{shlex.join(mount_here(view))} && ip link set lo up && ip link add eth0 type veth peer name eth0p"
                 f" && ip link set eth0 up && cd /root && exec {shlex.join(view.env())} bash -c {shlex.quote(script)}")
        r = subprocess.run(["unshare", "--mount", "--uts", "--net", "--pid", "--fork", "--mount-proc", "sh", "-c",
                            inner], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
        return r.stdout

    return run


def mount_here(view: HostView) -> list[str]:
    """A command that mounts `view` in the mount namespace it runs in, as `up` mounts a lab host's."""
    code = ("import sys; from pathlib import Path; from airgaplab.backends.netns.hostview import HostView; "
            "from airgaplab.backends.netns.viewmount import mount_here; "
            "mount_here(HostView(sys.argv[1], 'none', Path(sys.argv[2]), Path(sys.argv[3]), kit=Path(sys.argv[4])))")
    return [sys.executable, "-c", code, view.name, str(view.root), str(view.ns_dir), str(view.kit)]


def test_every_shim_is_in_the_contract() -> None:
    page = (ROOT / "docs" / "tutorial" / "hosts.md").read_text()
    contract = page.split("The host view's contract", 1)[1].split("\n\n", 2)[1]  # the table after its intro
    commands = [p for p in SHIM_DIR.iterdir() if p.is_file() and os.access(p, os.X_OK)]  # not a module or table
    missing = [p.name for p in commands if f"`{p.name}" not in contract]
    assert not missing, f"shims not in docs/tutorial/hosts.md's table of what a netns host models: {missing}"


# the host's repositories where no network is needed (a fresh temporary host reaches none)
LOCAL_REPO = ("mkdir -p /srv/repo && mkdir /etc/yum.repos.d/off && mv /etc/yum.repos.d/*.repo /etc/yum.repos.d/off/ "
              "&& printf '[local]\\nname=Local\\nbaseurl=file:///srv/repo\\ngpgcheck=0\\n' "
              "> /etc/yum.repos.d/local.repo; ")


def test_named_checkconf_with_no_file_checks_etc_named_conf(host: Host) -> None:
    out = host(LOCAL_REPO + "dnf install -y bind >/dev/null; "
               "printf 'options { directory \"/var/named\" }\\n' > /etc/named.conf; named-checkconf; echo rc=$?; "
               "sed -i 's/\" }/\"; };/' /etc/named.conf; named-checkconf; echo rc=$?")
    broken, fixed, _ = out.split("rc=")
    assert "/etc/named.conf:1: missing ';'" in broken and not fixed.startswith("0"), out
    assert fixed.split("\n", 1)[1] == "", out  # the repaired file: nothing printed, exit 0
    assert out.rstrip().endswith("rc=0"), out


def test_systemctl_a_failed_start_is_failed_with_the_daemons_last_words(host: Host) -> None:
    out = host("echo 'alow 192.168.10.0/24' > /etc/chrony.conf; systemctl restart chronyd; echo restart=$?; "
               "systemctl status chronyd; echo status=$?; systemctl is-failed chronyd; systemctl --failed; "
               "journalctl -u chronyd -n 1 --no-pager; systemctl reload chronyd; echo reload=$?")
    assert "restart=1" in out and "status=3" in out, out
    assert "Active: failed (Result: exit-code)" in out and "Invalid directive" in out, out
    assert re.search(r"^failed$", out, re.M) and "● chronyd.service" in out, out
    assert re.search(r"shimhost chronyd\[\d+\]: .*Invalid directive", out), out  # the journal's format, a real PID
    assert "Job type reload is not applicable" in out and "reload=1" in out, out


def test_systemctl_runs_the_real_daemon_and_lists_it(host: Host) -> None:
    out = host("printf 'local stratum 10\\nallow 127.0.0.1\\n' > /etc/chrony.conf; systemctl enable --now chronyd; "
               "systemctl is-active chronyd; systemctl status chronyd; systemctl list-units --type=service; "
               "chronyc -n tracking | grep Stratum; systemctl stop chronyd; systemctl is-active chronyd")
    assert out.count("active\n") >= 1 and "Active: active (running)" in out, out
    # as Rocky's status shows it: its own command line, an age in systemd's words, nothing of the model
    assert re.search(r"└─\d+ /usr/sbin/chronyd -F 2$", out, re.M) and "chronyd -x" not in out, out
    assert re.search(r"; \d+s ago$", out, re.M) and "airgaplab" not in out.split("Main PID")[1].split("\n\n")[0], out
    assert re.search(r"chronyd\.service\s+loaded active\s+running", out), out
    assert re.search(r"Stratum\s+: 10", out) and out.rstrip().endswith("inactive"), out


def test_systemctl_restart_starts_a_new_process_as_systemd_does(host: Host) -> None:
    out = host("printf 'local stratum 10\\nallow 127.0.0.1\\n' > /etc/chrony.conf; systemctl start chronyd; "
               "systemctl status chronyd | grep 'Main PID'; systemctl restart chronyd; "
               "systemctl status chronyd | grep 'Main PID'")
    pids = re.findall(r"Main PID: (\d+) \(chronyd\)", out)
    assert len(pids) == 2 and pids[0] != pids[1], out  # `systemctl status` after a restart: another Main PID


def test_unmodelled_verbs_and_options_answer_in_one_line(host: Host) -> None:
    for cmd in ("systemctl mask chronyd", "systemctl --user status", "journalctl --vacuum-size=1M",
                "nmcli --ask connection show"):
        out = host(f"{cmd}; echo rc=$?").strip().splitlines()
        assert len(out) == 2 and out[1] in ("rc=1", "rc=2") and "model" in out[0], (cmd, out)


def test_journalctl_follows_after_the_last_ten_lines(host: Host) -> None:
    out = host("for i in $(seq 15); do echo \"$(date -u +%Y-%m-%dT%H:%M:%SZ) line $i\"; done "
               ">> /var/log/chrony/chronyd.log; timeout 1 journalctl -u chronyd -f; echo rc=$?; "
               "journalctl -u chronyd -n 2 --no-pager | wc -l; journalctl -u chronyd --since '-1h' | grep -c line")
    lines = [x for x in out.splitlines() if " line " in x]
    assert [x.rsplit(" ", 1)[1] for x in lines[:10]] == [str(i) for i in range(6, 16)], out
    assert "rc=124" in out, out  # still following when stopped
    assert out.rstrip().splitlines()[-2:] == ["2", "15"], out


def test_networkmanager_reads_conf_d_at_start_and_reload_only(host: Host) -> None:
    out = host("systemctl start NetworkManager; cat /etc/resolv.conf; "
               "printf '[main]\\ndns=none\\n' > /etc/NetworkManager/conf.d/dns.conf; "
               "echo 'nameserver 192.168.10.10' > /etc/resolv.conf; nmcli connection up eth0 >/dev/null; "
               "echo \"before reload: $(grep nameserver /etc/resolv.conf)\"; nmcli general reload; "
               "echo 'nameserver 192.168.10.10' > /etc/resolv.conf; nmcli connection up eth0 >/dev/null; "
               "echo \"after reload: $(grep nameserver /etc/resolv.conf)\"; "
               "nmcli -t -f NAME,DEVICE connection show; nmcli -g ipv4.dns connection show eth0")
    assert "before reload: nameserver 198.51.100.1" in out, out  # the drop-in was not read yet
    assert "after reload: nameserver 192.168.10.10" in out, out
    assert "eth0:eth0" in out and out.rstrip().endswith("198.51.100.1"), out


def test_the_notes_tools_are_there_as_on_rocky(host: Host) -> None:
    out = host("command -v nano || echo no-nano; " + LOCAL_REPO + "dnf install -y nano >/dev/null; echo dnf=$?; "
               "command -v nano; timedatectl | grep 'Time zone'; dnf install -y cowsay; echo unknown=$?; pwd")
    assert out.startswith("no-nano\n"), out  # a fresh Rocky host has no nano: `dnf install` brings it
    assert "dnf=0" in out and "/usr/bin/nano" in out and "Asia/Seoul" in out, out
    assert "Error: Unable to find a match: cowsay" in out and "unknown=1" in out, out
    assert out.rstrip().endswith("/root"), out


def test_dnf_with_no_repository_in_reach_fails_as_rockys_does(host: Host) -> None:
    """A host that reaches no repository (this temporary host resolves no name): Rocky's Curl error, nothing
    installed; without -y, dnf asks and a "no" installs nothing."""
    out = host("dnf install -y bind; echo rc=$?; command -v named || echo no-named; rpm -q bind; " + LOCAL_REPO +
               "echo n | dnf install bind; echo asked=$?; rpm -q bind")
    assert "Errors during downloading metadata for repository 'baseos':" in out, out
    assert "Curl error (6): Couldn't resolve host name for https://mirrors.rockylinux.org/mirrorlist" in out, out
    assert "Error: Failed to download metadata for repo 'baseos'" in out and "rc=1" in out, out
    assert "no-named" in out and out.count("package bind is not installed") == 2, out
    assert "Is this ok [y/N]: n" in out and "Operation aborted." in out and "asked=1" in out, out


def test_rocky_identity_commands(host: Host) -> None:
    out = host("rpm -q chrony bind-utils NetworkManager; rpm -q nothing-such; echo rpm=$?; hostnamectl; "
               "getenforce; firewall-cmd --state; echo fw=$?")
    assert re.search(r"^chrony-[\d.]+.*\.x86_64$|^chrony-[\d.]+.*\.aarch64$", out, re.M), out
    assert "package nothing-such is not installed" in out and "rpm=1" in out, out
    assert "Rocky Linux" in out and "Static hostname: admin" in out, out  # /etc/hostname, Rocky's os-release
    assert "Permissive" in out and "not running" in out and "fw=252" in out, out


def test_dnf_and_rpm_answer_as_rockys_do(host: Host) -> None:
    """The notes' `dnf install -y bind bind-utils` prints a transaction (not "provided by the machine"), a second
    install says what is already there, `rpm -qa 'bind*'` keeps to its pattern, and Rocky's release file is there."""
    out = host("cat /etc/redhat-release; " + LOCAL_REPO + "dnf install -y bind bind-utils; echo first=$?; echo '8<'; "
               "dnf install -y bind; echo second=$?; echo '8<'; rpm -qa 'bind*'; echo '8<'; dnf list installed 'bind*'")
    first, second, rpm_qa, listed = out.split("8<\n") if out.count("8<\n") == 3 else [out] * 4
    assert first.startswith("Rocky Linux release 10.1 (Red Quartz)\n"), out
    assert "Dependencies resolved." in first and "Installing:" in first and "first=0" in first, out
    assert re.search(r"^  bind-32:9\.18\.\S+\.(x86_64|aarch64)$", first, re.M), first
    assert "Package bind-utils-32:9.18.33-10.el10_1.2" in first  # a fresh Rocky host has bind-utils already
    assert re.search(r"^Installing dependencies:\n bind-dnssec-utils", first, re.M), first
    assert "provided by the machine" not in out
    assert re.search(r"^Package bind-32:9\.18\S+ is already installed\.$", second, re.M), second
    assert "Nothing to do." in second and "second=0" in second, second
    names = rpm_qa.split()
    assert names and all(n.startswith("bind") for n in names) and len(names) >= 2, rpm_qa
    assert "bind-9.18.33-10.el10_1.2." in rpm_qa and "bind-dnssec-utils-9.18.33" in rpm_qa, rpm_qa
    assert listed.startswith("Installed Packages"), listed
    assert re.search(r"^bind-dnssec-utils\.(x86_64|aarch64)\s+32:9\.18\S+\s+@System$", listed, re.M), listed


def test_journalctl_has_systemds_own_lines_and_priorities(host: Host) -> None:
    """`journalctl -u chronyd` as on Rocky: systemd's Starting/Started and Failed to start beside chronyd's own
    lines; `journalctl -p err` the failures only."""
    out = host("printf 'local stratum 10\\nallow 127.0.0.1\\n' > /etc/chrony.conf; systemctl start chronyd; "
               "systemctl stop chronyd; sed -i 's/^allow /alow /' /etc/chrony.conf; systemctl start chronyd; "
               "journalctl -u chronyd --no-pager; echo '8<'; journalctl -p err -u chronyd --no-pager")
    everything, errors = out.split("8<\n") if "8<\n" in out else (out, "")
    for said in ("systemd[1]: Starting chronyd.service - NTP client/server...",
                 "systemd[1]: Started chronyd.service - NTP client/server.",
                 "systemd[1]: Stopped chronyd.service - NTP client/server.",
                 "systemd[1]: Failed to start chronyd.service - NTP client/server."):
        assert said in everything, everything
    assert "Failed to start chronyd.service" in errors and "Invalid directive" in errors, errors
    assert "Started chronyd.service" not in errors and "Starting" not in errors, errors
