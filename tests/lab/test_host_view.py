"""Where a student looks, a netns host answers as Rocky 10 does (issue: the exercise a study group meets).

Each check here failed on the host view before it was modelled: a false all-clear from named-checkconf,
a failed daemon that `systemctl status` called dead, journalctl -f that printed everything and ended,
systemd verbs that printed usage, no editor, the wrong time zone, a shell that started in /."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT


def sh(lab, host: str, cmd: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    proc = lab.transport.exec(host, ["sh", "-c", cmd], timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def test_named_checkconf_without_a_file_checks_rockys_named_conf(lab) -> None:
    assert sh(lab, "admin", "named-checkconf").returncode == 0  # the provisioned file is valid
    sh(lab, "admin", "sed -i 's/recursion yes;/recursion yes/' /etc/named.conf")  # a `;` missing
    r = sh(lab, "admin", "named-checkconf")
    assert r.returncode != 0 and "/etc/named.conf" in r.stdout + r.stderr, r
    assert sh(lab, "admin", "named-checkconf -z").returncode != 0  # options alone still mean that file


def test_a_daemon_that_fails_to_start_is_failed_with_its_own_last_words(lab) -> None:
    sh(lab, "admin", "sed -i 's/^allow /alow /' /etc/chrony.conf")
    r = sh(lab, "admin", "systemctl restart chronyd")
    assert r.returncode == 1 and "Job for chronyd.service failed because the control process exited" in r.stderr
    status = sh(lab, "admin", "systemctl status chronyd")
    assert status.returncode == 3, status
    assert "Active: failed (Result: exit-code)" in status.stdout, status.stdout
    assert "Invalid directive" in status.stdout and "chronyd[?]" not in status.stdout, status.stdout
    assert sh(lab, "admin", "systemctl is-failed chronyd").stdout.strip() == "failed"
    assert sh(lab, "admin", "systemctl is-active chronyd").stdout.strip() == "failed"
    assert "chronyd.service" in sh(lab, "admin", "systemctl --failed").stdout
    assert "chronyd[?]" not in sh(lab, "admin", "journalctl -u chronyd -n 5").stdout


def test_systemd_verbs_a_student_types(lab) -> None:
    pid = sh(lab, "admin", "cat /run/named/named.pid").stdout
    assert sh(lab, "admin", "systemctl reload named").returncode == 0
    assert sh(lab, "admin", "cat /run/named/named.pid").stdout == pid  # reloaded, not restarted
    r = sh(lab, "admin", "systemctl reload chronyd")
    assert r.returncode == 1 and "Job type reload is not applicable" in r.stderr
    units = sh(lab, "admin", "systemctl list-units --type=service").stdout
    assert all(f"{u}.service" in units for u in ("chronyd", "named", "NetworkManager")), units
    assert sh(lab, "admin", "systemctl is-failed named").returncode == 1
    for odd in ("systemctl frobnicate named", "systemctl --user status named"):
        r = sh(lab, "admin", odd)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "VM lab" in r.stderr, r


def test_journalctl_follows_the_last_ten_lines_and_filters_by_time(lab) -> None:
    r = sh(lab, "admin", "timeout 2 journalctl -u named -f", timeout=30)
    assert r.returncode == 124, r  # still following when stopped
    assert 0 < len(r.stdout.splitlines()) <= 10, r.stdout
    assert len(sh(lab, "admin", "journalctl -u named -n 3").stdout.splitlines()) == 3
    everything = sh(lab, "admin", "journalctl -u named --no-pager").stdout.splitlines()
    assert sh(lab, "admin", "journalctl -u named --since '1 hour ago'").stdout.splitlines() == everything
    assert sh(lab, "admin", "journalctl -u named --since tomorrow").stdout.strip() == "-- No entries --"
    r = sh(lab, "admin", "journalctl -u named --since 'next tuesday'")
    assert r.returncode == 1 and "failed to parse timestamp" in r.stderr and len(r.stderr.splitlines()) == 1, r


def test_an_editor_the_notes_time_zone_and_roots_home(lab) -> None:
    r = sh(lab, "admin", "dnf install -y nano && command -v nano")  # admin reaches the mirror over the internet
    assert r.returncode == 0 and r.stdout.strip().endswith("/usr/bin/nano"), r
    r = sh(lab, "k8s-node1", "dnf install -y nano")  # a node reaches no repository: the closed network
    assert r.returncode == 1 and "Error: Failed to download metadata for repo 'baseos'" in r.stderr, r
    assert "Couldn't connect to server" in r.stderr, r
    assert sh(lab, "k8s-node1", "command -v vi").returncode == 0  # vi, as a minimal Rocky host has
    assert "Time zone: Asia/Seoul" in sh(lab, "admin", "timedatectl").stdout
    assert sh(lab, "admin", "date +%Z").stdout.strip() == "KST"
    shell = subprocess.run([sys.executable, "-m", "airgaplab", "shell", "--name", lab.spec.name, "admin"],
                           input="pwd; exit\n", capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert shell.stdout.strip().splitlines()[-1] == "/root", shell.stdout


def test_networkmanager_reads_conf_d_at_start_and_reload_only(lab, tmp_path) -> None:
    from tests.helpers import suite

    node, dropin = "k8s-node1", "/etc/NetworkManager/conf.d/99-dns-none.conf"
    # a drop-in removed while NetworkManager runs changes nothing yet: it read dns=none when it started
    sh(lab, node, f"rm {dropin} && nmcli connection up eth0 >/dev/null")
    assert "Generated by NetworkManager" not in sh(lab, node, "cat /etc/resolv.conf").stdout
    assert "dns=default" in sh(lab, node, "nmcli general reload && nmcli").stdout  # reload reads the files again
    # the drop-in back (under a name of the student's own), the notes' resolv.conf back, but no restart:
    try:
        sh(lab, node, "printf '[main]\\ndns=none\\n' > /etc/NetworkManager/conf.d/dns.conf && "
                      "printf 'nameserver 192.168.10.10\\n' > /etc/resolv.conf")
        results, out = suite(lab.spec.name, tmp_path / "r1.json", "--req", "DNS-CLI-2")
        (mine,) = [o for o in results if o["host"] == node]
        assert mine["outcome"] == "FAIL" and "has not read it" in mine["message"], out[-2000:]
        assert "systemctl restart NetworkManager" in mine["message"]
        # the grader provoked the rewrite to see it, and put the student's resolv.conf back: the node still
        # resolves through admin after the check, as before it
        assert sh(lab, node, "cat /etc/resolv.conf").stdout == "nameserver 192.168.10.10\n"
        # restarted as the notes say: any drop-in name does, and DNS-CLI-2 passes on behaviour
        sh(lab, node, "systemctl restart NetworkManager && printf 'nameserver 192.168.10.10\\n' > /etc/resolv.conf")
        results, out = suite(lab.spec.name, tmp_path / "r2.json", "--req", "DNS-CLI-2")
        assert results and all(o["outcome"] == "PASS" for o in results), out[-2000:]
    finally:  # a drop-in provisioning does not know of: the shared lab's next test must not inherit it
        sh(lab, node, "rm -f /etc/NetworkManager/conf.d/dns.conf")


def test_nmcli_terse_fields_and_values_as_scripts_use_them(lab) -> None:
    node = "k8s-node1"
    assert sh(lab, node, "nmcli -t -f NAME,DEVICE connection show").stdout.splitlines()[0] == "eth0:eth0"
    assert sh(lab, node, "nmcli -g ipv4.addresses,ipv4.dns connection show eth0").stdout.split() == \
        ["192.168.10.11/24", "198.51.100.1"]
    assert sh(lab, node, "nmcli -t device").stdout.splitlines()[0] == "eth0:ethernet:connected:eth0"
    assert sh(lab, node, "nmcli -f DEVICE,STATE device status").stdout.splitlines()[0].split() == ["DEVICE", "STATE"]
    for odd in ("nmcli -t -f NOPE connection show", "nmcli --wait 5 connection show"):
        r = sh(lab, node, odd)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r


def test_where_a_curious_student_looks_the_host_is_rocky_10(lab) -> None:
    """What gave the lab away (the issue's trial) answers as on Rocky 10.1: the commands' paths, the packages a
    node has and has not, versions and banners, the kernel, the daemons' users, no Debian file."""
    said = sh(lab, "k8s-node1", "type systemctl reboot dig; command -v named || echo no-named; rpm -qa 'bind*'; "
                                "rpm -q bind; uname -r; hostnamectl; ls /etc/bind /etc/debian_version; "
                                "command -v apt dpkg || echo no-apt").stdout
    assert "systemctl is /usr/bin/systemctl" in said and "reboot is /usr/sbin/reboot" in said, said
    assert "dig is /usr/bin/dig" in said and "/run/airgaplab" not in said, said
    assert "no-named" in said and "package bind is not installed" in said, said  # a node never installed it
    assert "bind-utils-9.18.33-10.el10_1.2." in said and "deb12" not in said and "Debian" not in said, said
    assert "6.12.0-124.8.1.el10_1." in said and "Virtualization: kvm" in said and "airgaplab" not in said, said
    assert "no-apt" in said, said
    said = sh(lab, "admin", "named -v; chronyd -v; dig @127.0.0.1 localhost SOA | head -2; ls -l /etc/named.conf; "
                            "ps -o user= -C named,chronyd | sort -u; journalctl -u NetworkManager --no-pager | tail -1; "
                            "journalctl -u named --no-pager | grep 'starting BIND'").stdout
    assert "BIND 9.18.33 (Extended Support Version)" in said and "chronyd (chrony) version 4.6.1" in said, said
    assert "; <<>> DiG 9.18.33 <<>> @127.0.0.1 localhost SOA" in said, said
    assert " root named " in said and "chrony\nnamed\n" in said, said
    assert "systemd[1]: Started NetworkManager.service - Network Manager." in said, said
    assert "starting BIND 9.18.33" in said and "deb12" not in said, said


def test_the_hosts_run_the_labs_own_chrony_and_bind_not_the_machines(lab) -> None:
    """chronyd, named and dig on a lab host are the kit's (the distribution's packages unpacked into airgaplab's
    cache, kit.py), whether or not this machine has chrony or BIND installed."""
    import hashlib

    from airgaplab import kit

    own = kit.cached()
    assert own is not None, "up fetched no kit"
    for program, rel in (("named", "sbin/named"), ("chronyd", "sbin/chronyd"), ("dig", "bin/dig")):
        in_host = sh(lab, "admin", f"sha256sum /run/airgaplab/usr/{rel}").stdout.split()[0]
        with open(own.program(program), "rb") as f:
            assert in_host == hashlib.sha256(f.read()).hexdigest(), program
    version = own.run(["named", "-v"]).stdout.strip()
    assert version.startswith("BIND 9.") and version in sh(lab, "admin", "/run/airgaplab/usr/sbin/named -v").stdout
