"""What `airgaplab check` says of the mistakes students make, as one trial found them: each symptom named for what
it is (never the notes' line), a wait announced while it waits, and no fault of its own folded into another's."""

from __future__ import annotations

from airgaplab import retry
from airgaplab.probes import facts
from tests.helpers import cli


def check(*args: str) -> str:
    """What `airgaplab check ARGS` printed, its lines joined (wrapped text read as one line)."""
    return " ".join(cli("check", *args).stdout.split())

ADMIN_STEP1_WITH_MISTAKES = """cp /etc/chrony.conf /etc/chrony.bak
cat > /etc/chrony.conf <<'EOF'
pool 2.rocky.pool.ntp.org iburst
server pool.ntp.org iburst
server kr.pool.ntp.org iburst
allow 192.168.10.0/16
local stratum 10
logdir /var/log/chrony
EOF
systemctl restart chronyd
"""
NODE_WITHOUT_IBURST = """cp /etc/chrony.conf /etc/chrony.bak
printf 'server 192.168.10.10\\nlogdir /var/log/chrony\\n' > /etc/chrony.conf
systemctl restart chronyd
"""


def test_what_check_says_of_a_trials_mistakes(netns_lab) -> None:
    be = netns_lab("says", bare=True)
    name = be.spec.name

    # step 1: a too-wide `allow` and the stock pool left in, which admin follows
    be.transport.run("admin", ["bash", "-e"], input=ADMIN_STEP1_WITH_MISTAKES.encode())
    assert retry.until(lambda: facts.on_upstream(be.transport, "admin"), timeout=30), "admin never synchronized"
    said = check("1", "--name", name)
    assert "`allow 192.168.10.0/16` lets 65,536 addresses ask admin for time (192.168.0.0/16)" in said, said
    assert "admin also asks 2.rocky.pool.ntp.org" in said and "it follows" in said, said
    assert "settings step 1 asks for" not in said and "allow 192.168.10.0/24" not in said, said

    # step 2 on node1 without iburst: admin is its only source, and the check says what it waits for
    be.transport.run("k8s-node1", ["bash", "-e"], input=NODE_WITHOUT_IBURST.encode())
    said = check("2", "--name", name, "--sync-timeout", "6")
    assert "the node asks 192.168.10.10 without `iburst`: the first poll comes after 64 s, not within seconds" \
        in said, said
    assert "not admin alone" not in said, said
    assert "… waiting up to 6 s: k8s-node1: the node follows admin's clock" in said, said

    # step 3 with no forwarders, named disabled, admin rebooted: "named is not running" once, the forwarders too
    assert cli("solve", "--to", "3", "--name", name).returncode == 0
    be.transport.run("admin", ["sh", "-c", "sed -i '/forwarders/,/};/d' /etc/named.conf && systemctl disable named"])
    be.reboot("admin")
    said = check("3", "--name", name)
    assert "admin's named.conf forwards to no forwarders" in said, said
    assert said.count("admin's named is not running") == 1, said
