"""Developer tool for the translation catalogs (several people edit them at once: it locks).

    python scripts/catalog.py update            extract i18n/messages.pot, merge into es and en
    python scripts/catalog.py missing           list Spanish entries untranslated or fuzzy
    python scripts/catalog.py set FILE.tsv      set Spanish translations: msgid<TAB>msgstr per line
                                                (\\n and \\t escaped; plural: msgstr as s1|||s2)

``update`` then ``missing`` then ``set`` is the whole loop. English needs no translations.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "i18n" / "messages.pot"
LANGS = ("es", "en")


def po_path(lang: str) -> Path:
    return ROOT / "i18n" / lang / "LC_MESSAGES" / "enlace.po"


@contextmanager
def locked():
    lock = ROOT / "i18n" / ".lock"
    lock.parent.mkdir(exist_ok=True)
    with lock.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _pybabel(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(done.returncode)


def update() -> None:
    with locked():
        _pybabel("extract", "-F", "babel.cfg", "-k", "_", "-k", "N_", "-k", "ngettext:1,2",
                 "-k", "pgettext:1c,2", "--no-location", "--sort-output", "--project", "Enlace",
                 "--copyright-holder", "Enlace developers", "-o", str(POT), "desktop")
        for lang in LANGS:
            po = po_path(lang)
            if po.exists():
                _pybabel("update", "-i", str(POT), "-o", str(po), "-l", lang, "--no-fuzzy-matching",
                         "--ignore-obsolete")
            else:
                po.parent.mkdir(parents=True, exist_ok=True)
                _pybabel("init", "-i", str(POT), "-o", str(po), "-l", lang)


def missing(lang: str = "es") -> list[str]:
    with po_path(lang).open("rb") as fh:
        catalog = read_po(fh)
    out = []
    for msg in catalog:
        if not msg.id:
            continue
        strings = msg.string if isinstance(msg.string, tuple | list) else (msg.string,)
        if msg.fuzzy or not all(strings):
            out.append(msg.id if isinstance(msg.id, str) else msg.id[0])
    return out


def _unescape(text: str) -> str:
    return text.replace("\\t", "\t").replace("\\n", "\n")


def set_translations(tsv: Path, lang: str = "es") -> int:
    pairs = {}
    for line in tsv.read_text(encoding="utf-8").splitlines():
        if "\t" not in line:
            continue
        msgid, msgstr = line.split("\t", 1)
        pairs[_unescape(msgid)] = _unescape(msgstr)
    with locked():
        with po_path(lang).open("rb") as fh:
            catalog = read_po(fh)
        done = 0
        for msg in catalog:
            key = msg.id if isinstance(msg.id, str) else msg.id[0]
            if key in pairs:
                value = pairs[key]
                msg.string = tuple(value.split("|||")) if isinstance(msg.id, tuple) else value
                msg.flags.discard("fuzzy")
                done += 1
        with po_path(lang).open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, sort_output=True, include_lineno=False)
    return done


def main() -> int:
    cmd = sys.argv[1] if len(sys.argv) > 1 else "update"
    if cmd == "update":
        update()
        left = missing()
        print(f"catalog updated; {len(left)} Spanish entries need a translation")
    elif cmd == "missing":
        for msgid in missing():
            print(msgid.replace("\n", "\\n").replace("\t", "\\t"))
    elif cmd == "set":
        print(f"{set_translations(Path(sys.argv[2]))} translations set")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
