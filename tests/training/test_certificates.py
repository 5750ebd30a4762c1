"""Certificates: who gets one, gapless numbers under concurrency, signed QR, verify, revoke, reprint."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from desktop.services.core.context import AppContext
from desktop.services.core.errors import Cancelled, PermissionDenied, ValidationError
from desktop.services.security import auth
from desktop.services.training import certificates
from desktop.services.training.certificates import INVALID, REVOKED, VALID
from desktop.store.database import open_database
from desktop.store.models import Certificate, User
from tests.training.helpers import make_course


def _pdf_text(path: Path) -> str:
    import subprocess

    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_only_participants_meeting_the_rule_get_a_certificate(ctx_for, tmp_path: Path) -> None:
    trainer = ctx_for("trainer")
    # 5 sessions of 4 h; the rule asks for 80 % = 16 h: 4 sessions pass, 3 do not.
    setup = make_course(trainer, attend={"13456789": 3, "91234567": 4})
    result = certificates.issue_certificates(trainer, setup.course_id, tmp_path / "c.pdf")
    assert result.issued == 3
    with trainer.db.session() as session:
        holders = set(session.scalars(select(Certificate.holder_document)))
    assert "CC 13456789" not in holders and "CC 91234567" in holders


def test_numbers_are_sequential_and_a_reprint_keeps_its_number(ctx_for, tmp_path: Path) -> None:
    trainer = ctx_for("trainer")
    setup = make_course(trainer)
    first = certificates.issue_certificates(trainer, setup.course_id, tmp_path / "a.pdf")
    year = first.numbers[0].split("-")[1]
    assert sorted(first.numbers) == [f"BGA-{year}-{n:05d}" for n in range(1, 5)]
    again = certificates.issue_certificates(trainer, setup.course_id, tmp_path / "b.pdf")
    assert (again.issued, again.reprinted) == (0, 4)
    assert sorted(again.numbers) == sorted(first.numbers)


def test_two_trainers_issuing_at_once_get_no_gaps_and_no_repeats(ctx_for, office_db, tmp_path: Path) -> None:
    trainer = ctx_for("trainer")
    courses = [make_course(trainer, code=f"C-{i}", signatories=False) for i in range(2)]
    # Each trainer works on their own PC: a separate connection pool on the same database file.
    dbs = [open_database(office_db.location) for _i in range(2)]
    with office_db.session() as session:
        actor = auth.actor_for(session.scalar(select(User).where(User.username == "trainer")))
    results: dict[int, list[str]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(2, timeout=30)

    def issue(i: int) -> None:
        try:
            barrier.wait()
            results[i] = certificates.issue_certificates(AppContext(dbs[i], actor), courses[i].course_id,
                                                         tmp_path / f"{i}.pdf").numbers
        except BaseException as exc:  # reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=issue, args=(i,)) for i in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        for db in dbs:
            db.dispose()
    assert not errors
    seqs = sorted(int(n.rsplit("-", 1)[1]) for nums in results.values() for n in nums)
    assert seqs == list(range(1, 9))


def test_cancelling_bulk_issue_leaves_no_file_and_the_next_run_keeps_the_numbers(ctx_for, tmp_path: Path) -> None:
    trainer = ctx_for("trainer")
    setup = make_course(trainer)
    calls = {"n": 0}

    def cancelled() -> bool:
        calls["n"] += 1
        return calls["n"] > 3

    with pytest.raises(Cancelled):
        certificates.issue_certificates(trainer, setup.course_id, tmp_path / "out", split=True, cancelled=cancelled)
    assert list((tmp_path / "out").iterdir()) == []
    with trainer.db.session() as session:
        committed = sorted(session.scalars(select(Certificate.number)))
    result = certificates.issue_certificates(trainer, setup.course_id, tmp_path / "out", split=True)
    assert sorted(p.name.split("_")[0] for p in (tmp_path / "out").iterdir()) == sorted(result.numbers)
    assert sorted(int(n.rsplit("-", 1)[1]) for n in result.numbers) == [1, 2, 3, 4]
    assert set(committed) <= set(result.numbers)
    assert result.issued + result.reprinted == 4


def test_qr_text_verifies_and_any_changed_character_fails(ctx_for, tmp_path: Path) -> None:
    trainer = ctx_for("trainer")
    setup = make_course(trainer)
    certificates.issue_certificates(trainer, setup.course_id, tmp_path / "c.pdf")
    with trainer.db.session() as session:
        cert = session.scalar(select(Certificate).where(Certificate.holder_document == "CC 1098765432"))
    ok = certificates.verify_certificate(trainer.db, cert.payload)
    assert ok.status == VALID
    assert (ok.holder_name, ok.hours, ok.course_code) == ("María de los Ángeles Pérez Gómez", 20.0, "MESA-2026")
    text = cert.payload
    for index in range(0, len(text), 7):
        for replacement in ("X", "1"):
            if text[index] == replacement:
                continue
            changed = text[:index] + replacement + text[index + 1:]
            assert certificates.verify_certificate(trainer.db, changed).status == INVALID, (index, changed)
    short = f"{cert.number}-{certificates.format_code(cert.verification_code)}"
    assert certificates.verify_certificate(trainer.db, short.lower()).status == VALID
    typo = short[:-1] + ("A" if short[-1] != "A" else "B")
    assert certificates.verify_certificate(trainer.db, typo).status == INVALID


@pytest.mark.parametrize("garbage", ["", "   ", "ENLACE1;", "ENLACE1;" + ";" * 9, "hola", "x" * 5000,
                                     "ENLACE1;a;b;c;d;e;f;g;h;" + "A" * 86, "BGA-2026-00001-AAAA-AAAA"])
def test_garbage_is_not_valid_and_never_crashes(db, garbage: str) -> None:
    assert certificates.verify_certificate(db, garbage).status == INVALID


def test_a_certificate_of_another_office_verifies_only_after_importing_its_key(ctx_for, tmp_path: Path) -> None:
    from desktop.services.office import OfficeForm
    from desktop.services.workspace.setup import setup_office

    trainer = ctx_for("trainer")
    setup = make_course(trainer)
    certificates.issue_certificates(trainer, setup.course_id, tmp_path / "c.pdf")
    with trainer.db.session() as session:
        payload = session.scalars(select(Certificate.payload)).first()
    key_file = certificates.export_public_key(trainer)

    other = open_database(tmp_path / "cucuta.db")
    try:
        setup_office(other, OfficeForm(code="CUC", name="Oficina de Cúcuta", country="CO"), "admin", "Admin",
                     "correct-horse-9")
        with other.session() as session:
            admin = AppContext(other, auth.actor_for(session.scalar(select(User))))
        unknown = certificates.verify_certificate(other, payload)
        assert unknown.status == INVALID and "not been imported" in unknown.message
        info = certificates.import_public_key(admin, key_file)
        assert info.office_code == "BGA"
        known = certificates.verify_certificate(other, payload)
        assert known.status == VALID and known.office == "Oficina de Bucaramanga"
        with pytest.raises(ValidationError, match="not an Enlace office key"):
            certificates.import_public_key(admin, key_file.replace(b'"key_id": "', b'"key_id": "0'))
    finally:
        other.dispose()


def test_revoking_keeps_the_record_verification_says_revoked_and_reprint_says_revoked(ctx_for,
                                                                                      tmp_path: Path) -> None:
    trainer, supervisor = ctx_for("trainer"), ctx_for("supervisor")
    setup = make_course(trainer)
    number = certificates.issue_certificates(trainer, setup.course_id, tmp_path / "c.pdf").numbers[0]
    with pytest.raises(PermissionDenied):
        certificates.revoke(trainer, number, "Expedida por error")
    with pytest.raises(ValidationError, match="reason"):
        certificates.revoke(supervisor, number, "   ")
    certificates.revoke(supervisor, number, "Expedida por error")
    with trainer.db.session() as session:
        cert = session.scalar(select(Certificate).where(Certificate.number == number))
    result = certificates.verify_certificate(trainer.db, cert.payload)
    assert result.status == REVOKED and result.revoke_reason == "Expedida por error"
    out = certificates.reprint(trainer, number, tmp_path / "again.pdf")
    text = _pdf_text(out)
    assert "REVOCADO" in text and number in text  # the office's language, not the test process's English
    bulk = certificates.issue_certificates(trainer, setup.course_id, tmp_path / "bulk.pdf")
    assert number not in bulk.numbers


def test_certificate_pdf_reads_in_spanish_with_accents(ctx_for, tmp_path: Path) -> None:
    from desktop.i18n import set_language

    trainer = ctx_for("trainer")
    setup = make_course(trainer)
    set_language("es")
    certificates.issue_certificates(trainer, setup.course_id, tmp_path / "c.pdf")
    text = _pdf_text(tmp_path / "c.pdf")
    assert "CONSTANCIA DE PARTICIPACIÓN" in text
    assert "María de los Ángeles Pérez Gómez" in text
    assert "José Luis Ñañez Ortiz" in text
    assert "intensidad de 20 horas" in text


def test_certificates_print_in_the_office_language_whoever_runs_the_window(ctx_for, tmp_path: Path) -> None:
    from desktop.i18n import current_language, set_language
    from desktop.services.office import OfficeForm, office_info, update_office

    trainer, admin = ctx_for("trainer"), ctx_for("admin")
    setup = make_course(trainer)
    assert current_language() == "en"  # an English-speaking clerk at a Spanish-speaking (es_CO) office
    number = certificates.issue_certificates(trainer, setup.course_id, tmp_path / "es.pdf").numbers[0]
    text = _pdf_text(tmp_path / "es.pdf")
    assert f"Constancia N.º {number}" in text and "Certificate No." not in text
    assert f"Certificate No. {number}" in _pdf_text(
        certificates.issue_certificates(trainer, setup.course_id, tmp_path / "en.pdf", language="en").files[0])
    assert current_language() == "en"
    office = office_info(admin.db)
    update_office(admin, OfficeForm(office.code, office.name, office.country, office.municipality, office.region,
                                    "en_US", office.timezone), office.version)
    set_language("es")
    again = _pdf_text(certificates.reprint(trainer, number, tmp_path / "again.pdf"))
    assert f"Certificate No. {number}" in again and "Constancia" not in again
    assert "Constancia N.º" in _pdf_text(certificates.reprint(trainer, number, tmp_path / "es2.pdf", language="es"))


def test_template_placeholders_are_checked(ctx_for) -> None:
    trainer = ctx_for("trainer")
    setup = make_course(trainer, signatories=False)
    with pytest.raises(ValidationError) as err:
        certificates.save_template(trainer, setup.course_id, certificates.TemplateForm(body="Hola {nombr}"))
    assert "body" in err.value.fields
    with pytest.raises(ValidationError):
        certificates.save_template(trainer, setup.course_id, certificates.TemplateForm(
            signatories=[certificates.SignatoryForm("Ana", signature=b"GIF89a")]))


def test_the_qr_in_the_pdf_decodes_to_text_that_verifies(ctx_for, tmp_path: Path) -> None:
    import shutil
    import subprocess

    if not (shutil.which("zbarimg") and shutil.which("pdftoppm")):
        pytest.skip("zbarimg or pdftoppm not installed")
    trainer = ctx_for("trainer")
    setup = make_course(trainer, people=[("Ana", "Ruiz Díaz", "52111222", "F", "icbf", "")])
    certificates.issue_certificates(trainer, setup.course_id, tmp_path / "c.pdf")
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "c.pdf"), str(tmp_path / "p")], check=True)
    png = next(tmp_path.glob("p*.png"))
    decoded = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True).stdout.strip()
    assert certificates.verify_certificate(trainer.db, decoded).status == VALID


@pytest.mark.slow
def test_a_large_batch_encoded_in_a_second_process_keeps_page_order_and_every_qr_reads(
        ctx_for, tmp_path: Path, monkeypatch) -> None:
    """The QR codes of a large run are encoded in another process: pages stay in number order, numbers
    stay sequential, and every code reads with zbar and with zxing-cpp, accents included."""
    import re
    import shutil
    import subprocess

    import zxingcpp
    from PIL import Image

    from desktop.services.training.certificates import issuing

    if not (shutil.which("zbarimg") and shutil.which("pdftoppm")):
        pytest.skip("zbarimg or pdftoppm not installed")
    from desktop.documents import qr

    monkeypatch.setattr(issuing, "PARALLEL_FROM", 10)
    monkeypatch.setattr(issuing, "CHUNK", 7)
    encoders: list[qr.Encoder] = []

    class Recorded(qr.Encoder):
        def __init__(self, parallel: bool) -> None:
            super().__init__(parallel)
            encoders.append(self)

    monkeypatch.setattr(qr, "Encoder", Recorded)
    trainer = ctx_for("trainer")
    people = [(f"Ñandú Ángela {i}", "Peña Núñez", str(1_000_000 + i), "F", "alcaldia", "") for i in range(24)]
    setup = make_course(trainer, people=people)
    result = certificates.issue_certificates(trainer, setup.course_id, tmp_path / "c.pdf")
    assert [int(n.rsplit("-", 1)[1]) for n in result.numbers] == list(range(1, 25))
    assert [e.encoded_aside for e in encoders] == [4]  # 24 pages in chunks of 7, all encoded by the worker
    printed = re.findall(r"Constancia N\.º (\S+)", _pdf_text(tmp_path / "c.pdf"))
    assert printed == result.numbers
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", str(tmp_path / "c.pdf"), str(tmp_path / "p")],
                   check=True)
    pages = sorted(tmp_path.glob("p*.png"))
    assert len(pages) == 24
    for number, png in zip(result.numbers, pages, strict=True):
        by_zbar = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True,
                                 text=True).stdout.strip()
        by_zxing = [b.text for b in zxingcpp.read_barcodes(Image.open(png))]
        assert by_zxing == [by_zbar]
        assert f"No. {number}\n" in by_zbar and "Ñandú Ángela" in by_zbar and "%" not in by_zbar
        assert certificates.verify_certificate(trainer.db, by_zbar).status == VALID
