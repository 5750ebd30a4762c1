"""Spanish all the way down: Qt's own dialogs (the file dialog too) and the command line."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton

from desktop.ui.language import apply_language, install_qt_translations


def _file_dialog_words() -> list[str]:
    dialog = QFileDialog(None, "Enlace")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setNameFilters(["PDF (*.pdf)"])
    words = [w.text().replace("&", "") for w in dialog.findChildren(QLabel) + dialog.findChildren(QPushButton)]
    words += [w.toolTip() for w in dialog.findChildren(QPushButton.__base__) if w.toolTip()]
    dialog.deleteLater()
    return [w for w in words if w]


def test_the_file_dialog_reads_spanish_also_after_switching_language(qapp) -> None:
    try:
        apply_language("es")
        spanish = _file_dialog_words()
        assert {"Buscar en:", "Nombre de archivo:", "Tipo de archivo:", "Abrir", "Cancelar"} <= set(spanish)
        assert not {"Look in:", "File name:", "Files of type:", "Open", "Cancel"} & set(spanish)
        apply_language("en")
        assert {"Look in:", "File name:", "Files of type:"} <= set(_file_dialog_words())
        apply_language("es")  # and back: the Spanish comes back too
        assert "Buscar en:" in _file_dialog_words()
    finally:
        apply_language("en")
        install_qt_translations(qapp, "en")


# Words that only an English sentence has; a Spanish line with two of them is an untranslated sentence.
ENGLISH = {"the", "and", "with", "from", "this", "that", "your", "show", "which", "for", "file", "database",
           "of", "to", "is", "not", "be", "are", "or", "an", "in", "on", "by", "it", "use", "give", "when", "there"}
# What is English on purpose: option names, metavariables, choices and example values.
ALLOWED = re.compile(r"/\S+|--[\w-]+|\$\w+|\b[A-Z][A-Z_.-]+\b|\{[^}]*\}|\b(small|large|pdf|xlsx|csv|es|en)\b")


def _english_sentences(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        words = re.findall(r"[a-zA-Z]+", ALLOWED.sub(" ", line).lower())
        if sum(1 for w in words if w in ENGLISH) >= 2:
            found.append(line)
    return found


def _all_parsers(parser, prefix=()):
    import argparse

    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _all_parsers(sub, (*prefix, name))


def test_every_cli_help_and_error_reads_spanish(capsys) -> None:
    from desktop.cli import build_parser, main
    from desktop.cli.argparse_i18n import install
    from desktop.i18n import set_language

    set_language("es")
    install()
    problems = []
    for path, parser in _all_parsers(build_parser()):
        problems += [f"{' '.join(path)}: {line}" for line in _english_sentences(parser.format_help())]
    for argv in (["nosuch"], ["report", "--format", "pdf"], ["demo", "--size", "huge"], ["people", "search"]):
        with pytest.raises(SystemExit):
            main(argv)
        err = capsys.readouterr().err
        assert "uso:" in err and "error:" in err
        problems += [f"{' '.join(argv)}: {line}" for line in _english_sentences(err)]
    assert problems == []


def test_the_demo_command_output_reads_spanish(tmp_path, capsys, monkeypatch) -> None:
    from desktop.cli import main
    from desktop.services import demo

    target = tmp_path / "demo.db"
    monkeypatch.setattr(demo, "demo_state", lambda location: "demo")
    assert main(["demo", "--db", str(target)]) == 0
    out = capsys.readouterr().out
    assert "ya existe y se conservó" in out and "Registrador(a)" in out
    assert _english_sentences(out) == []
