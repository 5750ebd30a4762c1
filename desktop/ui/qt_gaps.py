"""Qt's own strings that its Spanish catalog (qtbase_es.qm) leaves in English or words the Spanish way.

Qt 6's Spanish file dialog still reads "Look in:" and "Files of type:", and says "fichero" where Latin
America says "archivo". These few strings are in our catalog like any other; this translator is
installed after Qt's own, so Qt asks it first and falls back to qtbase for everything else.
"""

from __future__ import annotations

from PySide6.QtCore import QTranslator

from desktop.i18n import N_, _

# (Qt context, Qt source text) -> our msgid (the same English, so the catalog reads naturally).
QT_GAPS: dict[tuple[str, str], str] = {
    ("QFileDialog", "&Look in:"): N_("&Look in:"),
    ("QFileDialog", "Files of &type:"): N_("Files of &type:"),
    ("QFileDialog", "Files of type:"): N_("Files of type:"),
    ("QFileDialog", "File &name:"): N_("File &name:"),
    ("QFileDialog", "Show &hidden files"): N_("Show &hidden files"),
    ("QFileDialog", "All Files (*)"): N_("All Files (*)"),
    ("QFileDialog", "%1 already exists.\nDo you want to replace it?"): N_("%1 already exists.\nDo you want to "
                                                                          "replace it?"),
    ("QFileDialog", "Directory:"): N_("Directory:"),
    ("QFileDialog", "Parent Directory"): N_("Parent Directory"),
    ("QFileDialog", "Find Directory"): N_("Find Directory"),
    ("QFileDialog", "Forward"): N_("Forward"),
    ("QFileSystemModel", "Date Modified"): N_("Date Modified"),
}


class QtGapsTranslator(QTranslator):
    """Answers only for the strings above (in the interface language); Qt's catalogs answer the rest."""

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str | None:
        msgid = QT_GAPS.get((context, source))
        return _(msgid) if msgid else None  # None: a null string, so Qt asks its own catalogs

    def isEmpty(self) -> bool:
        return False
