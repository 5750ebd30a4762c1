"""Build hook: compile the translation catalogs and copy resources into the package.

The .mo files are build products, never kept in git; `desktop/_data/` is what a wheel or
PyInstaller bundle carries of the top-level `i18n/` and `resources/` folders.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def build_data(dest: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (ROOT / "i18n").glob("*/LC_MESSAGES/*.po"):
        target = dest / "locale" / po.relative_to(ROOT / "i18n").with_suffix(".mo")
        target.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as fh:
            catalog = read_po(fh)
        with target.open("wb") as out:
            write_mo(out, catalog, use_fuzzy=False)
    if (ROOT / "resources").is_dir():
        shutil.copytree(ROOT / "resources", dest / "resources", dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("screenshots"))


class BuildWithData(build_py):
    def run(self) -> None:
        build_data(ROOT / "desktop" / "_data")
        super().run()


setup(cmdclass={"build_py": BuildWithData})
