"""NetworkManager's files as it reads them, for the nmcli shim beside it (not a command: imported by it).

NetworkManager.conf, its conf.d drop-ins and its connection profiles are GLib key files: `[group]` lines,
`key=value` lines, `#` comments. Read here with str methods only: configparser (and the `re` it imports)
would double the cost of each nmcli run (the suite's DNS client checks run one on every node).
"""

from __future__ import annotations


class KeyFile:
    """One key file's groups and keys, in file order.

    >>> kf = KeyFile.parse("[ipv4]\\n# the lab's DNS\\ndns=192.168.10.10;\\n")
    >>> kf.get("ipv4", "dns")
    '192.168.10.10;'
    """

    def __init__(self) -> None:
        self.groups: dict[str, dict[str, str]] = {}

    @classmethod
    def parse(cls, text: str) -> KeyFile:
        kf, group = cls(), None
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("[") and line.endswith("]"):
                group = kf.groups.setdefault(line[1:-1], {})
            elif group is not None and "=" in line:
                key, _, value = line.partition("=")
                group[key.strip()] = value.strip()
        return kf

    @classmethod
    def read(cls, path: str) -> KeyFile:
        """The file's key file; an empty one if it cannot be read (as NetworkManager skips it)."""
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                return cls.parse(f.read())
        except OSError:
            return cls()

    def get(self, group: str, key: str, fallback: str = "") -> str:
        return self.groups.get(group, {}).get(key, fallback)

    def set(self, group: str, key: str, value: str) -> None:
        self.groups.setdefault(group, {})[key] = value

    def text(self) -> str:
        """The file again, as NetworkManager writes a profile: groups apart by a blank line."""
        return "\n".join(f"[{g}]\n" + "".join(f"{k}={v}\n" for k, v in keys.items())
                         for g, keys in self.groups.items())
