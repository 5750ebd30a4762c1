"""The training and certificate commands: exact columns, exit statuses, the same services."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from desktop.cli import main
from desktop.store.models import Certificate
from tests.conftest import PASSWORD
from tests.training.helpers import make_course


@pytest.fixture
def cli(office_db, monkeypatch, capsys):
    """``cli("training", "courses")`` → (exit status, stdout, stderr), acting as the trainer."""
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)

    def run(*args: str, user: str = "trainer") -> tuple[int, str, str]:
        capsys.readouterr()
        status = main(["--db", office_db.location, "--user", user, "--lang", "en", *args])
        out = capsys.readouterr()
        return status, out.out, out.err

    return run


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_courses_and_participants_csv_have_the_documented_columns(cli, ctx_for) -> None:
    make_course(ctx_for("trainer"), attend={"13456789": 2})
    status, out, _err = cli("training", "courses", "--format", "csv")
    rows = _csv(out)
    assert status == 0
    assert rows[0][:6] == ["code", "title", "start_date", "end_date", "hours", "participants"]
    assert rows[1][:6] == ["MESA-2026", "Caja de herramientas para mesas migratorias municipales", "2026-03-02",
                           "2026-03-30", "20", "4"]
    status, out, _err = cli("training", "participants", "--course", "mesa-2026", "--format", "csv")
    rows = _csv(out)
    assert rows[0][:11] == ["document_type", "document_number", "given_names", "family_names", "sex", "institution",
                            "institution_type", "position", "municipality", "hours_attended", "completed"]
    by_doc = {r[1]: r for r in rows[1:]}
    assert by_doc["13456789"][9:11] == ["8", "false"]
    assert by_doc["1098765432"][2:5] == ["María de los Ángeles", "Pérez Gómez", "F"]
    assert by_doc["1098765432"][6] == "alcaldia"


ROSTER_INSTITUTIONS = ["FUNDACIÓN ÁNGELES DE LA CALLE – SEDE NORTE", "Alcaldía de Girón — Secretaría de Gobierno",
                       "Corporación Nuevo Arco Iris", "ICBF Regional Santander", "Mesa Técnica “Migrantes” Ñ&Co.",
                       "Red de Apoyo Comunitario La Esperanza (barrio El Carmen)"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_roster_with_institution_names_round_trips_to_the_participants_csv(cli, ctx_for, tmp_path: Path,
                                                                             kind: str) -> None:
    from desktop.services import training

    trainer = ctx_for("trainer")
    training.create_course(trainer, training.CourseForm(code="MESA-2026", title="Mesa", total_hours=20))
    header = ["Nombres", "Apellidos", "Cédula", "Entidad", "Cargo", "Talla de camiseta"]
    body = [[f"Persona {n}", "Pérez", str(1_000_000 + n), name, "Enlace", "M"]
            for n, name in enumerate(ROSTER_INSTITUTIONS)]
    if kind == "csv":
        path = tmp_path / "lista.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh, delimiter=";").writerows([header, *body])
    else:
        from openpyxl import Workbook

        path = tmp_path / "lista.xlsx"
        wb = Workbook()
        for row in [header, *body]:
            wb.active.append(row)
        wb.save(path)
    status, out, _err = cli("training", "import-participants", str(path), "--course", "MESA-2026")
    assert status == 0, out
    assert "Column “Talla de camiseta” will not be imported." in out  # never silently dropped
    status, out, _err = cli("training", "participants", "--course", "MESA-2026", "--format", "csv")
    rows = _csv(out)
    header_out = rows[0]
    exported = {r[header_out.index("document_number")]: r for r in rows[1:]}
    for n, name in enumerate(ROSTER_INSTITUTIONS):
        row = exported[str(1_000_000 + n)]
        assert row[header_out.index("institution")] == name  # as written, accents, dashes and all
    types = {exported[str(1_000_000 + n)][header_out.index("institution_type")] for n in range(len(body))}
    assert {"ong", "icbf", "secretaria_gobierno"} <= types  # the catalog type next to the name


def test_import_dry_run_writes_nothing_then_import_does(cli, ctx_for, tmp_path: Path) -> None:
    from desktop.services import training

    trainer = ctx_for("trainer")
    training.create_course(trainer, training.CourseForm(code="MESA-2026", title="Mesa", total_hours=20))
    path = tmp_path / "lista.csv"
    path.write_bytes("Nombres;Apellidos;Cédula\nANA;RUIZ;1.098.765.432\nLUIS;;123\n".encode("cp1252"))
    status, out, _err = cli("training", "import-participants", str(path), "--course", "MESA-2026", "--dry-run")
    assert status == 0
    assert "Row 3: rejected" in out and "New: 1" in out and "nothing was written" in out
    assert training.course_progress(trainer, training.course_by_code(trainer, "MESA-2026").id) == []
    status, out, _err = cli("training", "import-participants", str(path), "--course", "MESA-2026")
    assert status == 0 and "1 new participants, 1 enrolled" in out
    status, _out, err = cli("training", "import-participants", str(tmp_path / "none.xlsx"), "--course", "MESA-2026")
    assert status == 1 and "Cannot read" in err


def test_sheet_certificates_verify_and_revoke_from_the_command_line(cli, ctx_for, office_db, tmp_path: Path) -> None:
    make_course(ctx_for("trainer"), attend={"13456789": 2})
    status, out, _err = cli("training", "attendance-sheet", "--course", "MESA-2026", "--session", "1",
                            "--out", str(tmp_path / "s1.pdf"))
    assert status == 0 and (tmp_path / "s1.pdf").read_bytes().startswith(b"%PDF")
    status, out, _err = cli("training", "certificates", "--course", "MESA-2026", "--out", str(tmp_path / "c"),
                            "--split")
    assert status == 0 and "3 certificates issued" in out
    assert len(list((tmp_path / "c").glob("*.pdf"))) == 3
    with office_db.session() as session:
        cert = session.scalars(select(Certificate).order_by(Certificate.seq)).first()
    status, out, _err = cli("certificate", "verify", cert.payload)
    assert status == 0 and out.startswith("Valid") and "Holder: " in out
    status, out, _err = cli("certificate", "verify", cert.payload.replace("\n20 h\n", "\n40 h\n"))
    assert status == 1 and out.startswith("Not valid")
    status, _out, err = cli("certificate", "revoke", cert.number, "--reason", "Error de digitación")
    assert status == 1 and "does not allow" in err  # trainers do not revoke
    status, out, _err = cli("certificate", "revoke", cert.number, "--reason", "Error de digitación", user="supervisor")
    assert status == 0
    status, out, _err = cli("certificate", "verify", cert.payload)
    assert status == 1 and out.startswith("Revoked") and "Reason: Error de digitación" in out


def test_decoded_qr_of_a_printed_certificate_verifies_with_the_command(cli, ctx_for, tmp_path: Path) -> None:
    if not (shutil.which("zbarimg") and shutil.which("pdftoppm")):
        pytest.skip("zbarimg or pdftoppm not installed")
    make_course(ctx_for("trainer"), people=[("Ana Sofía Valentina", "Rodríguez de la Hoz", "1005678123", "F",
                                              "icbf", "Defensora de familia")])
    cli("training", "certificates", "--course", "MESA-2026", "--out", str(tmp_path / "c.pdf"))
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "c.pdf"), str(tmp_path / "page")], check=True)
    decoded = subprocess.run(["zbarimg", "-q", "--raw", str(next(tmp_path.glob("page*.png")))],
                             capture_output=True, text=True).stdout.strip()
    # What a phone camera shows: readable lines, at most the last four digits of the document.
    lines = decoded.splitlines()
    assert lines[0] == "Oficina de Bucaramanga" and lines[2] == "Ana Sofía Valentina Rodríguez de la Hoz"
    assert lines[3] == "CC ****8123" and lines[5] == "20 h" and lines[7].startswith("ENLACE2 ")
    assert "%" not in decoded and "1005678123" not in decoded
    status, out, _err = cli("certificate", "verify", decoded)
    assert status == 0, out
    changed = decoded[:30] + ("X" if decoded[30] != "X" else "Y") + decoded[31:]
    assert cli("certificate", "verify", changed)[0] == 1


def test_anyone_verifies_with_the_exported_key_and_no_database(cli, ctx_for, office_db, tmp_path: Path,
                                                               capsys, monkeypatch) -> None:
    make_course(ctx_for("trainer"), attend={"13456789": 2})
    assert cli("training", "certificates", "--course", "MESA-2026", "--out", str(tmp_path / "c.pdf"))[0] == 0
    key = tmp_path / "bga.enlace-key"
    assert cli("certificate", "export-key", "--out", str(key), user="admin")[0] == 0
    with office_db.session() as session:
        cert = session.scalars(select(Certificate).order_by(Certificate.seq)).first()

    # A partner with Enlace but no office: no --db that exists, no account.
    monkeypatch.delenv("ENLACE_PASSWORD", raising=False)
    nowhere = tmp_path / "no-office.db"

    def verify(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = main(["--db", str(nowhere), "--lang", "en", "certificate", "verify", *args])
        out = capsys.readouterr()
        return status, out.out, out.err

    status, out, _err = verify(cert.payload, "--key", str(key))
    assert status == 0 and out.startswith("Valid: issued by Oficina de Bucaramanga")
    assert "Revocations by that office are not known here" in out and "Hours: 20" in out
    assert verify(cert.payload.replace("\n20 h\n", "\n40 h\n"), "--key", str(key))[0] == 1
    status, out, _err = verify(f"{cert.number}-{cert.verification_code}", "--key", str(key))
    assert status == 1 and "full text of the QR code" in out
    (tmp_path / "other.json").write_text("{}", encoding="utf-8")
    status, _out, err = verify(cert.payload, "--key", str(tmp_path / "other.json"))
    assert status == 1 and "not an Enlace office key" in err
    status, _out, err = verify(cert.payload, "--key", str(tmp_path / "missing.json"))
    assert status == 1 and "Cannot read" in err
    assert not nowhere.exists()


@pytest.mark.parametrize("typed", ["{number} {code}", "{number}-{code}", "{lower_number} {lower_code}",
                                   "{compact}", "Certificate No. {number}\nVerification code: {code}",
                                   "  {lower_number}   {code_no_dash} "])
def test_the_number_and_code_verify_as_printed_however_typed(cli, ctx_for, office_db, tmp_path: Path,
                                                            typed: str) -> None:
    make_course(ctx_for("trainer"), attend={"13456789": 2})
    assert cli("training", "certificates", "--course", "MESA-2026", "--out", str(tmp_path / "c.pdf"))[0] == 0
    with office_db.session() as session:
        cert = session.scalars(select(Certificate).order_by(Certificate.seq)).first()
    code = f"{cert.verification_code[:4]}-{cert.verification_code[4:]}"
    text = typed.format(number=cert.number, code=code, lower_number=cert.number.lower(), lower_code=code.lower(),
                        compact=(cert.number + cert.verification_code).replace("-", "").lower(),
                        code_no_dash=cert.verification_code)
    status, out, _err = cli("certificate", "verify", text)
    assert status == 0 and out.startswith("Valid"), out
    assert f"Number: {cert.number}" in out


def test_commands_refuse_a_missing_database_and_create_none(cli, tmp_path: Path, monkeypatch, capsys) -> None:
    missing = tmp_path / "nowhere" / "enlace.db"
    for args in (["certificate", "verify", "BGA-2026-00001 ABCD-EFGH"], ["training", "courses"],
                 ["audit", "verify"]):
        capsys.readouterr()
        status = main(["--db", str(missing), "--lang", "en", *args])
        err = capsys.readouterr().err
        assert status != 0 and str(missing) in err and "Traceback" not in err, (args, err)
    # Without --db: the default place is not created either.
    monkeypatch.setenv("ENLACE_DB", str(tmp_path / "default" / "enlace.db"))
    capsys.readouterr()
    assert main(["--lang", "en", "certificate", "verify", "BGA-2026-00001 ABCD-EFGH"]) != 0
    assert "default" in capsys.readouterr().err
    assert not missing.exists() and not (tmp_path / "default" / "enlace.db").exists()
    assert not list(tmp_path.rglob("*.keys"))


def test_a_certificate_printed_with_the_old_qr_format_still_verifies(cli, ctx_for, office_db, tmp_path: Path) -> None:
    from desktop.services.training import certificates
    from desktop.store.models import SigningKey

    make_course(ctx_for("trainer"), attend={"13456789": 2})
    assert cli("training", "certificates", "--course", "MESA-2026", "--out", str(tmp_path / "c.pdf"))[0] == 0
    with office_db.session() as session:
        cert = session.scalars(select(Certificate).order_by(Certificate.seq)).first()
        key = session.scalar(select(SigningKey))
    old = certificates.sign_text(key.private_key, certificates.unsigned_text(certificates.Payload(
        cert.number, cert.issued_on, cert.holder_name, cert.holder_document, cert.course_code, cert.course_title,
        cert.hours, key.key_id)))
    assert old.startswith("ENLACE1;") and "%" in old
    status, out, _err = cli("certificate", "verify", old)
    assert status == 0 and out.startswith("Valid"), out
    assert cli("certificate", "verify", old.replace(";20;", ";40;"))[0] == 1
