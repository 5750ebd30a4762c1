"""The translation catalogs keep up with the source: nothing new unextracted, Spanish complete.

These fail while someone has added strings without running ``python scripts/catalog.py update``
and translating them (``missing`` lists what is left). CI runs them like any other test.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "i18n" / "messages.pot"
KEYWORDS = ["-k", "_", "-k", "N_", "-k", "ngettext:1,2", "-k", "pgettext:1c,2"]  # as scripts/catalog.py


def _ids(path: Path) -> set:
    with path.open("rb") as fh:
        return {(m.context, m.id) for m in read_po(fh) if m.id}


def _fresh_template(tmp_path: Path) -> Path:
    out = tmp_path / "fresh.pot"
    done = subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                           *KEYWORDS, "--no-location", "--sort-output", "-o", str(out), "desktop"],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return out


def test_catalog_template_matches_the_source(tmp_path: Path) -> None:
    fresh = _ids(_fresh_template(tmp_path))
    kept = _ids(POT)
    unextracted = sorted(str(i[1]) for i in fresh - kept)
    stale = sorted(str(i[1]) for i in kept - fresh)
    assert not unextracted, f"run `python scripts/catalog.py update`: {len(unextracted)} new strings, e.g. " \
                            f"{unextracted[:5]}"
    assert not stale, f"run `python scripts/catalog.py update`: {len(stale)} strings gone, e.g. {stale[:5]}"


def test_spanish_catalog_is_complete_and_has_no_fuzzy_entries() -> None:
    with (ROOT / "i18n" / "es" / "LC_MESSAGES" / "enlace.po").open("rb") as fh:
        catalog = read_po(fh)
    template = _ids(POT)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(message.id if isinstance(message.id, str) else message.id[0])
    missing = sorted(str(i[1]) for i in template - {(m.context, m.id) for m in catalog if m.id})
    assert not missing, f"Spanish catalog lacks {len(missing)} template entries: run catalog.py update"
    assert not problems, f"{len(problems)} Spanish entries untranslated or fuzzy (catalog.py missing), " \
                         f"e.g. {problems[:5]}"


def test_english_catalog_is_present() -> None:
    assert (ROOT / "i18n" / "en" / "LC_MESSAGES" / "enlace.po").is_file()


def test_spanish_translations_keep_their_placeholders() -> None:
    """A translation that drops or renames ``{name}`` would crash ``.format()`` at run time."""
    import re

    field = re.compile(r"\{(\w*)[^{}]*\}")
    with (ROOT / "i18n" / "es" / "LC_MESSAGES" / "enlace.po").open("rb") as fh:
        catalog = read_po(fh)
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        expected = set(field.findall(ids[-1]))
        for text in strings:
            if text and set(field.findall(text)) != expected:
                wrong.append(ids[0])
    assert not wrong, f"placeholders differ in: {wrong[:5]}"
