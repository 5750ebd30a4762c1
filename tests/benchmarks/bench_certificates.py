"""Benchmark: 1,000 certificates into one PDF, against a naive baseline, in the same run.

    python tests/benchmarks/bench_certificates.py [N]

Baseline: ReportLab drawing every page from scratch (border, logo, heading, signature images,
captions) plus a segno QR code rendered to PNG and placed as an image on each page.
Enlace: the fixed template drawn once as a form XObject, the QR as vector modules
(desktop.documents.certificate.render_certificates). Target: at least 1.5× faster.
A last line times the whole service (numbering, signing, database, PDF) for the same count.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from desktop.documents import certificate as doc
from desktop.services.training import certificates
from tests.training.helpers import logo_png, signature_png

TARGET = 1.5
ROUNDS = 1  # the machine is shared; raise for steadier figures


def _pages(n: int) -> tuple[doc.Layout, list[doc.Page]]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    layout = doc.Layout(
        office_name="Oficina de Atención al Migrante de Bucaramanga", logo=logo_png(),
        heading="CONSTANCIA DE PARTICIPACIÓN",
        signatories=[doc.Signatory("Adriana Rueda Martínez", "Jefe de la Oficina", signature_png(1)),
                     doc.Signatory("Tomás Gómez Peña", "Capacitador", signature_png(2))],
        labels={"number": "Constancia N.º {number}", "code": "Código de verificación: {code}",
                "verify": "Verifíquela con Enlace: escanee el código o digite el código de verificación.",
                "revoked": "REVOCADO"})
    pages = []
    for i in range(n):
        name = f"María José Valentina {i} Rodríguez de la Hoz"
        payload = certificates.Payload(f"BGA-2026-{i + 1:05d}", date(2026, 11, 23), name, f"CC {1098000000 + i}",
                                       "MESA-2026", "Caja de herramientas para mesas migratorias municipales", 20,
                                       "0123456789abcdef")
        text = certificates.sign_text(raw, certificates.unsigned_text(payload))
        pages.append(doc.Page(
            number=payload.number, verification_code="ABCD-EFGH", qr_text=text, intro="Se certifica que",
            holder_name=name,
            body=f"identificado(a) con C.C. No. {1098000000 + i}, participó en el curso «Caja de herramientas para "
                 "mesas migratorias municipales» con una intensidad de 20 horas, realizado del 2 de marzo de 2026 "
                 "al 30 de marzo de 2026 en modalidad presencial.",
            place_line="Expedida en Bucaramanga, el 23 de noviembre de 2026."))
    return layout, pages


def naive(layout: doc.Layout, pages: list[doc.Page], out) -> None:
    """Every page drawn from scratch; the QR as a PNG image per page."""
    import segno
    from reportlab.lib.units import cm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    from desktop.documents.fonts import register_fonts

    register_fonts()
    width, height = doc.page_size(layout.page_size)
    c = Canvas(out, pagesize=(width, height), pageCompression=1)
    style = doc._paragraph_style()
    for page in pages:
        doc._draw_template(c, layout, width, height)  # no form: the same drawing on every page
        _draw_variable(c, layout, page, width, height, style)
        buf = io.BytesIO()
        segno.make(page.qr_text, micro=False, error="m").save(buf, kind="png", scale=4, border=4)
        buf.seek(0)
        size = 3.3 * cm
        c.drawImage(ImageReader(buf), width - 3.9 * cm - size / 2, 2.15 * cm, size, size)
        c.showPage()
    c.save()


def _draw_variable(c, layout, page, width, height, style) -> None:
    """The per-page text of doc._draw_page, without doForm and without the vector QR."""
    original_form, original_qr = c.doForm, doc.qr_path
    try:
        c.doForm = lambda _name: None
        doc.qr_path = lambda *a, **k: None
        doc._draw_page(c, layout, page, width, height, style)
    finally:
        c.doForm = original_form
        doc.qr_path = original_qr


def fast(layout: doc.Layout, pages: list[doc.Page], out) -> None:
    doc.render_certificates(layout, pages, out)


def full_service(n: int) -> tuple[float, float]:
    """Issue n certificates through the service: database, numbering, signatures, PDF."""
    from sqlalchemy import insert, select

    from desktop.services import training
    from desktop.services.core.context import AppContext
    from desktop.services.office import OfficeForm
    from desktop.services.security import auth
    from desktop.services.workspace.setup import setup_office
    from desktop.store.database import open_database
    from desktop.store.models import Attendance, Enrollment, Participant, User

    auth.use_fast_hashing_for_tests()
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "bench.db")
        try:
            setup_office(db, OfficeForm(code="BGA", name="Oficina de Bucaramanga", country="CO",
                                        municipality="Bucaramanga", logo=logo_png()), "admin", "Admin",
                         "correct-horse-9")
            with db.session() as session:
                ctx = AppContext(db, auth.actor_for(session.scalar(select(User))))
            course = training.create_course(ctx, training.CourseForm(code="MESA-2026", title="Mesa migratoria",
                                                                     total_hours=4))
            sid = training.add_session(ctx, course.id, training.SessionForm(date=date(2026, 3, 2), hours=4)).id
            import uuid

            people = [dict(id=uuid.uuid4(), given_names=f"Persona {i}", family_names="Pérez Gómez",
                           document_type="CC", document_number=str(10_000_000 + i)) for i in range(n)]
            enrollments = [dict(id=uuid.uuid4(), course_id=course.id, participant_id=p["id"]) for p in people]
            with db.transaction() as session:
                session.execute(insert(Participant), people)
                session.execute(insert(Enrollment), enrollments)
                session.execute(insert(Attendance), [dict(id=uuid.uuid4(), session_id=sid, enrollment_id=e["id"],
                                                          status="present") for e in enrollments])
            cpu, wall = time.process_time(), time.perf_counter()
            result = certificates.issue_certificates(ctx, course.id, Path(tmp) / "all.pdf")
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            assert result.issued == n
            return cpu, wall
        finally:
            db.dispose()


def _time(fn, layout, pages) -> tuple[float, float, int]:
    """(CPU seconds, wall seconds, bytes). CPU time is what compares fairly on a shared, loaded machine."""
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as fh:
        cpu, wall = time.process_time(), time.perf_counter()
        fn(layout, pages, fh)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    size = os.path.getsize(fh.name)
    os.unlink(fh.name)
    return cpu, wall, size


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    layout, pages = _pages(n)
    fast(layout, pages[:2], io.BytesIO())  # fonts registered, imports warm, for both
    runs: dict[str, list[tuple[float, float, int]]] = {"naive": [], "enlace": []}
    for _round in range(ROUNDS):  # interleaved, so both meet the same load
        runs["naive"].append(_time(naive, layout, pages))
        runs["enlace"].append(_time(fast, layout, pages))
    (b_cpu, b_wall, b_size), (e_cpu, e_wall, e_size) = (min(runs["naive"]), min(runs["enlace"]))
    ratio = b_cpu / e_cpu
    print(f"baseline (page from scratch + PNG QR per page): {n} certificates in {b_cpu:.2f} s CPU "
          f"({b_wall:.2f} s wall, {b_size / 1e6:.1f} MB)")
    print(f"enlace (template as form XObject + vector QR): {n} certificates in {e_cpu:.2f} s CPU "
          f"({e_wall:.2f} s wall, {e_size / 1e6:.1f} MB)")
    print(f"ratio baseline/enlace: {ratio:.2f}x CPU, {b_wall / e_wall:.2f}x wall (target >= {TARGET}x)")
    cpu, wall = full_service(n)
    print(f"full service issue (numbering, Ed25519 signing, database, PDF): {n} certificates in {cpu:.2f} s CPU "
          f"({wall:.2f} s wall)")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
