"""The exercise in Korean on a real bare lab: `LANG=ko_KR.UTF-8 airgaplab check` grades in Korean (the steps,
each check's title, the hints, the verdict; what the hosts said stays as they said it), `--lang en` overrides the
locale, and `solve` heads its answer in Korean."""

from __future__ import annotations

from tests.helpers import cli

KOREAN = {"LANG": "ko_KR.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


def test_check_and_solve_speak_korean_on_a_bare_lab(netns_lab) -> None:
    be = netns_lab("ko", bare=True)
    said = cli("check", "1", "--hint", "--name", be.spec.name, "--sync-timeout", "5", env=KOREAN)
    assert said.returncode == 1, said.stdout + said.stderr
    for korean in ("1단계 ntp-server", "admin의 chronyd가 실행 중이고", "힌트: admin에서 chronyd가 실행 중이고",
                   "판정: 검사", "개 실패", "막혔나요?", "`airgaplab solve 1`"):
        assert korean in said.stdout, f"{korean!r} not in:\n{said.stdout}"
    assert "verdict" not in said.stdout
    english = cli("check", "1", "--name", be.spec.name, "--sync-timeout", "5", "--lang", "en", env=KOREAN)
    assert "verdict: " in english.stdout and "판정" not in english.stdout, english.stdout
    solved = cli("solve", "1", "--name", be.spec.name, env=KOREAN)
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert "노트의 1단계, 입력하는 그대로:" in solved.stdout and "적용함: admin의 1단계 ntp-server" in solved.stdout, \
        solved.stdout
