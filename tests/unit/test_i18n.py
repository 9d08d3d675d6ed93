"""The exercise in the study group's language: the Korean catalog is complete (every message `check`, `solve`,
`up --bare` and the seat page say has Korean, with the same placeholders and paths), the language is chosen as the
C library chooses (LC_ALL, LC_MESSAGES, LANG; airgaplab's own AIRGAPLAB_LANG and --lang first), and the seat page
speaks it. `check` in Korean on a real bare lab: tests/lab/test_exercise_ko.py."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import polib
import pytest
from fastapi.testclient import TestClient

from airgaplab import i18n
from airgaplab.board.app import make_app
from airgaplab.board.tokens import Tokens
from airgaplab.board.watch import Watcher
from airgaplab.classroom.roster import Roster, Seat, seat_name
from airgaplab.errors import UserError
from tests.helpers import script_module
from tests.unit.conftest import cli

LOCALE_VARS = ("AIRGAPLAB_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


def extractor():
    return script_module("i18n_messages")


def test_every_message_has_korean() -> None:
    missing = extractor().untranslated()
    assert not missing, f"{len(missing)} messages without Korean (`scripts/i18n_messages.py --update`, then " \
        f"translate them in src/airgaplab/locale/ko.po or the service's own locale/ko.po): {missing[:5]}"


def test_a_translation_keeps_the_placeholders_and_the_paths() -> None:
    for e in (e for path in i18n.catalogs("ko") for e in polib.pofile(str(path))):  # the services' too
        if e.obsolete:
            continue
        assert set(re.findall(r"\{\w*\}", e.msgid)) == set(re.findall(r"\{\w*\}", e.msgstr)), e.msgid
        # paths stay as typed: `localize` turns Rocky's into Debian's in either language
        paths = [{p.rstrip(".") for p in re.findall(r"/etc/[A-Za-z0-9_./-]+", text)} for text in (e.msgid, e.msgstr)]
        assert paths[0] <= paths[1], e.msgid


@pytest.fixture
def no_locale(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for var in LOCALE_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(i18n, "_chosen", [])
    return monkeypatch


@pytest.mark.parametrize(("env", "lang"), [
    ({}, "en"), ({"LANG": "ko_KR.UTF-8"}, "ko"), ({"LANG": "en_US.UTF-8"}, "en"), ({"LANG": "de_DE.UTF-8"}, "en"),
    ({"LC_ALL": "C.UTF-8", "LANG": "ko_KR.UTF-8"}, "en"), ({"LC_MESSAGES": "ko_KR", "LANG": "en_US"}, "ko"),
    ({"AIRGAPLAB_LANG": "ko", "LC_ALL": "en_US.UTF-8"}, "ko"),
])
def test_the_language_is_the_locales(no_locale: pytest.MonkeyPatch, env: dict[str, str], lang: str) -> None:
    for k, v in env.items():
        no_locale.setenv(k, v)
    assert i18n.language() == lang
    assert i18n.t("all checks pass") == ("모든 검사 통과" if lang == "ko" else "all checks pass")


def test_lang_overrides_the_locale_and_refuses_what_it_does_not_speak(no_locale: pytest.MonkeyPatch) -> None:
    no_locale.setenv("LANG", "ko_KR.UTF-8")
    i18n.set_language("en")
    assert i18n.t("hint") == "hint"
    with pytest.raises(UserError, match="--lang fr: airgaplab speaks en, ko"):
        i18n.set_language("fr")
    assert cli("check", "--lang", "fr").stderr.count("\n") <= 1


def test_up_bare_prints_the_exercise_in_korean(no_locale: pytest.MonkeyPatch) -> None:
    from airgaplab.exercise.steps import text

    no_locale.setenv("LANG", "ko_KR.UTF-8")
    said = text()
    assert "실습 — 이 빈 랩에서" in said and "모든 노드" in said and "직접 확인:" in said


def test_the_seat_page_speaks_the_members_language(state_dir: Path, no_locale: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from airgaplab.board.routes import seat

    # the page names the seat's hosts: a seat with no lab up stands in for one (the real page: tests/lab/test_board.py)
    no_locale.setattr(seat, "open_seat", lambda _seat: SimpleNamespace(spec=SimpleNamespace(host_names=["admin"])))
    Roster(backend="netns", spec_file="labs/ntp-dns.yaml",
           seats=[Seat(name=seat_name(n), lab=seat_name(n)) for n in (1, 2)]).save()
    client = TestClient(make_app(Watcher()))
    tok = Tokens.for_class(Roster.needed()).seats["seat-01"]
    korean = client.get("/seat/seat-01", params={"t": tok}, headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.8"})
    assert korean.status_code == 200 and '<html lang="ko">' in korean.text
    for said in ("채점", "손 들기", "무엇이 문제인가요?", "풀이", "모든 노드", "직접 확인:"):
        assert said in korean.text, said
    words = json.loads(html.unescape(re.search(r'data-words="([^"]*)"', korean.text)[1]))
    assert words["lower hand"] == "손 내리기"  # the script's own words, handed over translated
    english = client.get("/seat/seat-01", params={"t": tok, "lang": "en"}, headers={"Accept-Language": "ko"})
    assert '<html lang="en">' in english.text and "raise hand" in english.text and "손 들기" not in english.text
