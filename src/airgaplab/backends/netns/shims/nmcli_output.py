"""nmcli's output, for the nmcli shim beside it (not a command: imported by it): the global options -t, -f and
-g, tables and property lists as NetworkManager's nmcli lays them out."""

from __future__ import annotations

import sys


def _fail(msg: str) -> None:
    print(f"Error: {msg}", file=sys.stderr)
    sys.exit(2)


class Output:
    """nmcli's global output options: -t (terse: fields joined by `:`, no header), -f FIELDS (which columns
    or properties), -g FIELDS (their values only: -t -f without names)."""

    terse = False
    values_only = False
    fields: list[str] | None = None

    @classmethod
    def wanted(cls, names: list[str]) -> list[int]:
        """Indexes of the columns (or properties) -f/-g select, in the order asked."""
        if not cls.fields or cls.fields in (["all"], ["common"]):
            return list(range(len(names)))
        lower = [n.lower() for n in names]
        picked = []
        for f in cls.fields:
            hits = [i for i, n in enumerate(lower) if n == f.lower() or n.startswith(f.lower() + ".")]
            if not hits:
                _fail(f"invalid field '{f}'; allowed fields: {','.join(names)}.")
            picked += hits
        return picked


def terse(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def table(rows: list[list[str]]) -> None:
    header, body = rows[0], rows[1:]
    cols = Output.wanted(header)
    if Output.terse:
        for r in body:
            print(":".join(terse(r[i]) for i in cols))
        return
    rows = [[r[i] for i in cols] for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def properties(pairs: list[tuple[str, str]]) -> None:
    """`nmcli connection show NAME`: name:value lines; -t without padding, -g the values alone."""
    picked = [pairs[i] for i in Output.wanted([k for k, _ in pairs])]
    for key, value in picked:
        if Output.values_only:
            print(terse(value) if len(picked) > 1 else value)
        elif Output.terse:
            print(f"{key}:{value}")
        else:
            print(f"{key}:".ljust(40) + (value or "--"))
