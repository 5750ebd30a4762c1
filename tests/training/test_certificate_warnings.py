"""Certificates that would print without the office logo or a signature image: the service says so,
the command warns on stderr and goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.services.core.errors import PermissionDenied
from desktop.services.training import certificates
from tests.conftest import PASSWORD
from tests.training.helpers import give_office_logo, make_course, signature_png


def _signatories(ctx, course_id, *images: bytes | None) -> None:
    names = ["Adriana Rueda Martínez", "Tomás Gómez Peña", "Luz Marina Ortiz"]
    certificates.save_template(ctx, course_id, certificates.TemplateForm(signatories=[
        certificates.SignatoryForm(name, "Cargo", image) for name, image in zip(names, images, strict=False)]))


def test_nothing_missing_means_no_warning(ctx_for, tmp_path: Path) -> None:
    trainer = ctx_for("trainer")
    setup = make_course(trainer, sessions=1)  # two signatories with their signatures
    give_office_logo(trainer.db)
    assert certificates.certificate_warnings(trainer, setup.course_id) == []
    assert certificates.issue_certificates(trainer, setup.course_id, tmp_path / "c.pdf").warnings == ()
    # A template without signatories expects no signature image.
    _signatories(trainer, setup.course_id)
    assert certificates.certificate_warnings(trainer, setup.course_id) == []


def test_a_missing_or_unreadable_logo_or_signature_is_named(ctx_for, tmp_path: Path) -> None:
    trainer = ctx_for("trainer")
    setup = make_course(trainer, sessions=1, signatories=False)
    # A PNG header with nothing after it: saved as an image, but it cannot be drawn.
    _signatories(trainer, setup.course_id, signature_png(1), None, b"\x89PNG\r\n\x1a\n broken")
    warnings = certificates.certificate_warnings(trainer, setup.course_id)
    assert warnings == [
        "The office has no logo: the certificates will print without it.",
        "Tomás Gómez Peña has no signature image: the line above their name will print blank.",
        "The signature image of Luz Marina Ortiz cannot be read: the line above their name will print blank."]
    give_office_logo(trainer.db, b"\xff\xd8 not a JPEG")
    warnings = certificates.certificate_warnings(trainer, setup.course_id)
    assert warnings[0] == "The office logo cannot be read: the certificates will print without it."
    # Issuing goes on regardless, and says what it went on without.
    result = certificates.issue_certificates(trainer, setup.course_id, tmp_path / "c.pdf")
    assert result.issued == 4 and list(result.warnings) == warnings
    with pytest.raises(PermissionDenied):
        certificates.certificate_warnings(ctx_for("clerk"), setup.course_id)


@pytest.mark.parametrize(("language", "prefix", "expected"), [
    ("en", "Warning: ", "Tomás Gómez Peña has no signature image"),
    ("es", "Aviso: ", "Tomás Gómez Peña no tiene imagen de firma"),
])
def test_the_command_warns_on_stderr_and_issues(office_db, ctx_for, monkeypatch, capsys, tmp_path: Path,
                                                language, prefix, expected) -> None:
    from desktop.cli import main

    trainer = ctx_for("trainer")
    setup = make_course(trainer, sessions=1, signatories=False)
    _signatories(trainer, setup.course_id, signature_png(1), None)
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
    status = main(["--db", office_db.location, "--user", "trainer", "--lang", language, "training", "certificates",
                   "--course", "MESA-2026", "--out", str(tmp_path / "c.pdf")])
    out = capsys.readouterr()
    assert status == 0 and (tmp_path / "c.pdf").exists()
    lines = out.err.splitlines()
    assert len(lines) == 2 and all(line.startswith(prefix) for line in lines), out.err
    assert expected in out.err and "MESA-2026" not in out.err
    assert "4" in out.out.splitlines()[0]
