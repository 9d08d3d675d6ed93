#!/usr/bin/env python3
"""The messages airgaplab translates, and the Korean catalog kept in step with them:
`scripts/i18n_messages.py --update` adds each new message to its catalog — src/airgaplab/locale/ko.po, or a
service module's own services/<name>/locale/ko.po for its steps and requirements — untranslated, for a translator
(Poedit, or any editor), and marks the ones no longer used obsolete; tests/unit/test_i18n.py fails while one has no
Korean.

The messages: every `t("…")` in the package and the board's templates, the words the seat page's script says
(board/routes/seat.py's SEAT_WORDS), the exercise's steps (where, what to do, how to see it), and the title and hint
(`check --hint`) of every requirement a step grades (suite/catalog.yaml, services/*/catalog.yaml).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

PKG = ROOT / "src" / "airgaplab"
PO = PKG / "locale" / "ko.po"


def owner(path: Path) -> Path:
    """The catalog a message of source file `path` belongs to: its service module's, else the package's."""
    rel = path.relative_to(PKG).parts
    return PKG / "services" / rel[1] / "locale" / "ko.po" if rel[0] == "services" and len(rel) > 2 else PO


def in_code() -> list[tuple[Path, str]]:
    """The literal first argument of every `t(...)` / `i18n.t(...)` call in the package, with its catalog."""
    found: list[tuple[Path, str]] = []
    for path in sorted(PKG.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str) and (
                        (isinstance(node.func, ast.Name) and node.func.id == "t")
                        or (isinstance(node.func, ast.Attribute) and node.func.attr == "t")):
                found.append((owner(path), node.args[0].value))
    for tpl in sorted((PKG / "board" / "templates").glob("*.html")):
        found += [(PO, m) for m in re.findall(r'\bt\("([^"]+)"\)', tpl.read_text())]
    return found


def in_data() -> list[tuple[Path, str]]:
    from airgaplab.board.routes.seat import SEAT_WORDS
    from airgaplab.services import registry
    from airgaplab.suite.catalog import catalog

    found = [(PO, w) for w in SEAT_WORDS]
    for _, service, s in registry.exercise():  # each service's steps, in its own catalog
        found += [(service.home / "locale" / "ko.po", x) for x in (s.where, s.todo, s.by_hand)]
    homes = {s.name: s.home for s in registry.every()}
    for r in catalog().values():
        if r.step:
            po = homes[r.service] / "locale" / "ko.po" if r.service else PO
            found += [(po, x) for x in (r.title, r.nudge) if x]
    return found


def messages() -> list[str]:
    """Every message to translate, once, in the order first met."""
    return list(dict.fromkeys(m for _, m in in_code() + in_data()))


def by_catalog() -> dict[Path, list[str]]:
    """Each catalog's messages (a message two catalogs share is the first one's)."""
    out: dict[Path, list[str]] = {}
    seen: set[str] = set()
    for po, m in in_code() + in_data():
        if m not in seen:
            seen.add(m)
            out.setdefault(po, []).append(m)
    return out


def untranslated() -> list[str]:
    import polib

    missing = []
    for path, wanted in by_catalog().items():
        po = polib.pofile(str(path)) if path.exists() else []
        done = {e.msgid for e in po if e.msgstr and "fuzzy" not in e.flags and not e.obsolete}
        missing += [m for m in wanted if m not in done]
    return missing


def update() -> None:
    """Each catalog in step with its messages: new ones added (with a translation another catalog had: a message
    that moved to a service's), unused ones obsolete."""
    import polib

    catalogs = sorted({PO, *by_catalog(), *PKG.glob("services/*/locale/ko.po")})
    had = {e.msgid: e.msgstr for path in catalogs if path.exists() for e in polib.pofile(str(path)) if e.msgstr}
    wanted = by_catalog()
    for path in catalogs:
        po = polib.pofile(str(path)) if path.exists() else polib.POFile()
        po.metadata = {"Project-Id-Version": "airgaplab", "Language": "ko", "MIME-Version": "1.0",
                       "Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "8bit"}
        mine = wanted.get(path, [])
        known = {e.msgid: e for e in po}
        for m in mine:
            if m not in known:
                po.append(polib.POEntry(msgid=m, msgstr=had.get(m, "")))
            else:
                known[m].obsolete = False
        elsewhere = {m for other, ms in wanted.items() if other != path for m in ms}
        for e in [e for e in po if e.msgid not in mine]:
            if e.msgid in elsewhere:  # moved to another catalog (a service's): kept there, not here
                po.remove(e)
            else:
                e.obsolete = True
        path.parent.mkdir(parents=True, exist_ok=True)
        po.save(str(path))
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--update", action="store_true", help="add new messages to ko.po, mark unused ones obsolete")
    if ap.parse_args().update:
        update()
    missing = untranslated()
    print(f"{len(messages())} messages, {len(missing)} without Korean" + "".join(f"\n  {m}" for m in missing[:20]))
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
