"""The exercise's own words in the study group's language: English (the default) or Korean (`locale/ko.po`).

The language is `--lang` where a command takes it, else the locale's (AIRGAPLAB_LANG, LC_ALL, LC_MESSAGES, LANG:
`ko_KR.UTF-8` → Korean); a message with no translation stays in English. What the hosts said (a symptom quotes
their output) is never translated.

    set_language("ko")
    t("all checks pass")                 # "모든 검사 통과"
    t("step {number} {name}").format(number=1, name="ntp-server")

The catalog is gettext's PO format (Poedit and translators' tools read it), read with polib; tests/unit/test_i18n.py
fails on a message that has no Korean.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from airgaplab.paths import PACKAGE_DIR

LANGUAGES = ("en", "ko")
LOCALE_DIR = PACKAGE_DIR / "locale"
_chosen: list[str] = []  # set_language's choice for this process (a command's --lang)


def from_locale(value: str | None) -> str | None:
    """`ko_KR.UTF-8`, `ko`, `en_US` → the language airgaplab speaks for it (None: not one it knows)."""
    code = (value or "").split(".")[0].split("_")[0].split("-")[0].lower()
    return code if code in LANGUAGES else None


def language() -> str:
    """The language this process speaks: set_language's, else the locale's, else English."""
    if _chosen:
        return _chosen[-1]
    for var in ("AIRGAPLAB_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(var):
            return from_locale(os.environ[var]) or "en"  # the first one set decides, as the C library's does
    return "en"


def set_language(lang: str | None) -> None:
    """A command's `--lang` (None: the locale decides)."""
    if lang is not None:
        if lang not in LANGUAGES:
            from airgaplab.errors import UserError

            raise UserError(f"--lang {lang}: airgaplab speaks {', '.join(LANGUAGES)} — use one of them")
        _chosen.append(lang)


def catalogs(lang: str) -> list[Path]:
    """The PO files of `lang`: the package's (locale/) and each service module's own (services/<name>/locale/:
    its steps' and requirements' words)."""
    return [LOCALE_DIR / f"{lang}.po", *sorted((PACKAGE_DIR / "services").glob(f"*/locale/{lang}.po"))]


@cache
def messages(lang: str) -> dict[str, str]:
    """msgid → its translation (none for English, the messages' own language; a fuzzy entry is no translation)."""
    if lang == "en":
        return {}
    import polib

    return {e.msgid: e.msgstr for path in catalogs(lang) for e in polib.pofile(str(path))
            if e.msgstr and "fuzzy" not in e.flags}


def t(text: str, lang: str | None = None) -> str:
    """`text` in `lang` (default: this process's language)."""
    return messages(lang or language()).get(text, text)
