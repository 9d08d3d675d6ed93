"""The manual: README is the entrance (short), the docs site's reference pages are what the code says now (the
catalog, the CLI, the spec, the host view), and every page is in the site's nav. `make docs` builds the site with
`--strict` in CI (a broken link or anchor fails there)."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.helpers import ROOT, script_module

README_LINES = 150


def generator():
    return script_module("docs_reference")


def test_readme_is_an_entrance() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= README_LINES, f"README.md has {len(lines)} lines: move the detail into docs/"
    for page in ("docs/get-started.md", "docs/how-to/class.md", "docs/how-to/existing-network.md",
                 "CONTRIBUTING.md", "CHANGELOG.md"):
        assert (ROOT / page).exists() and page in "\n".join(lines), page


def test_the_generated_reference_pages_are_current() -> None:
    stale = generator().stale()
    assert not stale, f"not current: {', '.join(stale)} — the catalog, the CLI, the spec or the host view changed: " \
        "run `make docs` and commit the pages"


def test_a_change_of_the_catalog_makes_its_page_stale(monkeypatch) -> None:
    gen = generator()
    real = gen.catalog()
    first = next(iter(real.values()))
    changed = {**real, first.id: type(first)(**{**first.__dict__, "claim": first.claim + " (changed)"})}
    monkeypatch.setattr(gen, "catalog", lambda: changed)
    assert "docs/reference/requirements.md" in gen.stale()


def test_every_page_is_in_the_nav() -> None:
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text().replace("!!python", "#"))["nav"]

    def pages(items) -> set[str]:
        found: set[str] = set()
        for item in items:
            for value in (item.values() if isinstance(item, dict) else [item]):
                found |= pages(value) if isinstance(value, list) else {value}
        return found

    on_disk = {str(p.relative_to(ROOT / "docs")) for p in Path(ROOT / "docs").rglob("*.md")}
    assert on_disk == pages(nav), f"not in mkdocs.yml's nav: {on_disk - pages(nav)}; missing: {pages(nav) - on_disk}"


def test_the_changelog_keeps_its_format() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in text and "keepachangelog.com" in text


def test_the_class_pages_pictures_are_in_the_site() -> None:
    page = (ROOT / "docs" / "how-to" / "class.md").read_text()
    for name in ("board.png", "seat.png"):
        img = ROOT / "docs" / "img" / name
        assert f"../img/{name}" in page and img.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", \
            f"docs/img/{name}: `make screenshots` takes it"
