#!/usr/bin/env python3
"""The messages airgaplab translates, and the Korean catalog kept in step with them:
`scripts/i18n_messages.py --update` adds each new message to src/airgaplab/locale/ko.po (untranslated, for a
translator: Poedit, or any editor) and marks the ones no longer used obsolete; tests/unit/test_i18n.py fails while
one has no Korean.

The messages: every `t("…")` in the package and the board's templates, the words the seat page's script says
(board/routes/seat.py's SEAT_WORDS), the exercise's steps (where, what to do, how to see it), and the title and hint
(`check --hint`) of every requirement a step grades (suite/catalog.yaml).
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


def in_code() -> list[str]:
    """The literal first argument of every `t(...)` / `i18n.t(...)` call in the package."""
    found: list[str] = []
    for path in sorted(PKG.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str) and (
                        (isinstance(node.func, ast.Name) and node.func.id == "t")
                        or (isinstance(node.func, ast.Attribute) and node.func.attr == "t")):
                found.append(node.args[0].value)
    for tpl in sorted((PKG / "board" / "templates").glob("*.html")):
        found += re.findall(r'\bt\("([^"]+)"\)', tpl.read_text())
    return found


def in_data() -> list[str]:
    from airgaplab.board.routes.seat import SEAT_WORDS
    from airgaplab.exercise.steps import STEPS
    from airgaplab.suite.catalog import catalog

    found = list(SEAT_WORDS)
    for s in STEPS:
        found += [s.where, s.todo, s.by_hand]
    for r in catalog().values():
        if r.step:
            found += [x for x in (r.title, r.nudge) if x]
    return found


def messages() -> list[str]:
    """Every message to translate, once, in the order first met."""
    return list(dict.fromkeys(in_code() + in_data()))


def untranslated() -> list[str]:
    import polib

    done = {e.msgid for e in polib.pofile(str(PO)) if e.msgstr and "fuzzy" not in e.flags and not e.obsolete}
    return [m for m in messages() if m not in done]


def update() -> None:
    import polib

    po = polib.pofile(str(PO)) if PO.exists() else polib.POFile()
    po.metadata = {"Project-Id-Version": "airgaplab", "Language": "ko", "MIME-Version": "1.0",
                   "Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "8bit"}
    wanted = messages()
    known = {e.msgid: e for e in po}
    for m in wanted:
        if m not in known:
            po.append(polib.POEntry(msgid=m, msgstr=""))
        else:
            known[m].obsolete = False
    for e in po:
        if e.msgid not in wanted:
            e.obsolete = True
    PO.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(PO))


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
