"""NetworkManager's key files as a netns host reads them: nm-model.sh (bash, on every NetworkManager start) and the
nmcli shim's KeyFile (Python, what nmcli shows) must read the same file the same way."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import ROOT

SHIMS = ROOT / "src/airgaplab/backends/netns/shims"
sys.path.insert(0, str(SHIMS))
from keyfile import KeyFile  # noqa: E402  (a module of the shims, beside nmcli)


def bash_get(text: str, group: str, key: str) -> str | None:
    """nm_get's answer for `text`; None when it finds no such key."""
    script = f'. "{SHIMS}/nm-model.sh"; f=$(mktemp); cat > "$f"; nm_get "$f" "$1" "$2" && printf %s "$REPLY"; ' \
             'rc=$?; rm -f "$f"; exit $rc'
    r = subprocess.run(["bash", "-c", script, "nm_get", group, key], input=text, capture_output=True, text=True,
                       timeout=10)
    return r.stdout if r.returncode == 0 else None


def test_a_drop_in_as_the_notes_write_it() -> None:
    text = "# keep NetworkManager off resolv.conf\n[main]\ndns = none\n\n[logging]\nlevel=INFO\n"
    assert bash_get(text, "main", "dns") == "none" == KeyFile.parse(text).get("main", "dns")
    assert bash_get(text, "main", "rc-manager") is None and KeyFile.parse(text).get("main", "rc-manager") == ""
    assert bash_get(text, "logging", "dns") is None  # another group's key is not [main]'s


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-0123456789.;,", min_size=1, max_size=12)
lines = st.one_of(
    st.builds(lambda g: f"[{g}]", st.sampled_from(["main", "ipv4", "connection", "logging"])),
    st.builds(lambda k, v, a, b: f"{k}{a}={b}{v}", st.sampled_from(["dns", "rc-manager", "id"]), words,
              st.sampled_from(["", " "]), st.sampled_from(["", " "])),
    st.builds(lambda c: f"# {c}", words),
    st.just(""),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(lines, max_size=12), st.sampled_from(["main", "ipv4"]), st.sampled_from(["dns", "rc-manager"]))
def test_bash_and_python_read_the_same_value(body: list[str], group: str, key: str) -> None:
    text = "\n".join(body) + "\n"
    python = KeyFile.parse(text).groups.get(group, {}).get(key)
    assert bash_get(text, group, key) == python, text
