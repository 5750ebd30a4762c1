"""Benchmark: 1,000 signed-QR certificates in one PDF, on an encrypted office database, against two
baselines measured alternately in the same run.

    python tests/benchmarks/bench_certificates.py [N] [--rounds R] [--check]

Figures (per certificate; CPU includes worker processes, so a second core is not free here):
- enlace, full service: ``issue_certificates`` on an encrypted (SQLCipher) office database: numbering
  in short transactions, Ed25519 signing, audit events, the readable QR text encoded by zxing-cpp
  (in a second process for large runs) and drawn as one vector path, the page template a form
  XObject, the PDF written and renamed. A new course of N participants for every round.
- enlace, renderer: the same pages (read from that database) through ``CertificateWriter``.
- baseline "naive": ReportLab drawing every page from scratch (border, logo, heading, signatures,
  captions) plus a segno QR code rendered to PNG and placed as an image on each page (issue 17's
  baseline), for the same pages.
- bar "no QR": the Enlace renderer with the QR code left out: how close the batch gets to it.
Target (issue 17): the full service at least 5x faster than the naive baseline.

``--check``: render the full-service PDF of the last round at 150 dpi (pdftoppm), decode every page
with zbarimg, verify each text with the service, and run ``enlace audit verify``.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from desktop.documents import certificate as doc
from tests.training.helpers import logo_png, signature_png

TARGET = 5.0
PASSWORD = "correct-horse-9"


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _timed(fn) -> tuple[float, float]:
    cpu, wall = _cpu(), time.perf_counter()
    fn()
    return _cpu() - cpu, time.perf_counter() - wall


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
        _draw_variable(c, layout, page, width, height, style, lambda *a: None)
        buf = io.BytesIO()
        segno.make(page.qr_text, micro=False, error="m").save(buf, kind="png", scale=4, border=4)
        buf.seek(0)
        size = 3.3 * cm
        c.drawImage(ImageReader(buf), width - 4.4 * cm - size / 2, 2.15 * cm, size, size)
        c.showPage()
    c.save()


def _draw_variable(c, layout, page, width, height, style, qr) -> None:
    """The per-page text of doc._draw_page without doForm, with ``qr`` in place of the vector QR."""
    original_form, original_qr = c.doForm, doc.qr_path
    try:
        c.doForm = lambda _name: None
        doc.qr_path = qr
        doc._draw_page(c, layout, page, width, height, style)
    finally:
        c.doForm = original_form
        doc.qr_path = original_qr


def enlace_renderer(layout: doc.Layout, pages: list[doc.Page], out) -> None:
    from desktop.documents.qr import Encoder

    with Encoder(parallel=len(pages) >= 200 and (os.cpu_count() or 1) > 1) as encoder:
        chunks = [pages[i:i + 100] for i in range(0, len(pages), 100)]
        results = [encoder.submit([p.qr_text for p in chunk]) for chunk in chunks]
        writer = doc.CertificateWriter(layout, out)
        for chunk, result in zip(chunks, results, strict=True):
            for page, qr in zip(chunk, result(), strict=True):
                page.qr = qr
                writer.add(page)
                page.qr = None
        writer.close()


def no_qr(layout: doc.Layout, pages: list[doc.Page], out) -> None:
    """The Enlace renderer without any QR code: the bar."""
    original = doc.qr_path
    doc.qr_path = lambda *a, **k: None
    try:
        writer = doc.CertificateWriter(layout, out)
        for page in pages:
            writer.add(page)
        writer.close()
    finally:
        doc.qr_path = original


class Office:
    """An encrypted office database with N participants who completed ``rounds`` courses."""

    def __init__(self, folder: Path, n: int, rounds: int) -> None:
        from sqlalchemy import insert

        from desktop.services import training, workspace
        from desktop.services.office import OfficeForm
        from desktop.services.security import auth
        from desktop.services.training import certificates
        from desktop.store import keys
        from desktop.store.models import Attendance, Enrollment, Participant

        auth.use_fast_hashing_for_tests()
        keys.use_fast_kdf_for_tests()
        self.path = folder / "office.db"
        self.ctx = workspace.create_office(self.path, OfficeForm(
            code="BGA", name="Oficina de Atención al Migrante de Bucaramanga", country="CO",
            municipality="Bucaramanga", logo=logo_png()), "admin", "Adriana Rueda Martínez", PASSWORD)
        assert self.ctx.db.encrypted
        people = [dict(id=uuid.uuid4(), given_names=f"María José Valentina {i}", family_names="Rodríguez de la Hoz",
                       document_type="CC", document_number=str(1_098_000_000 + i)) for i in range(n)]
        with self.ctx.db.transaction() as session:
            session.execute(insert(Participant), people)
        self.courses = []
        for r in range(rounds):
            course = training.create_course(self.ctx, training.CourseForm(
                code=f"MESA-{r:02d}", title="Caja de herramientas para mesas migratorias municipales",
                total_hours=20))
            sid = training.add_session(self.ctx, course.id, training.SessionForm(date=date(2026, 3, 2), hours=20)).id
            certificates.save_template(self.ctx, course.id, certificates.TemplateForm(signatories=[
                certificates.SignatoryForm("Adriana Rueda Martínez", "Jefe de la Oficina", signature_png(1)),
                certificates.SignatoryForm("Tomás Gómez Peña", "Capacitador", signature_png(2))]))
            enrollments = [dict(id=uuid.uuid4(), course_id=course.id, participant_id=p["id"]) for p in people]
            with self.ctx.db.transaction() as session:
                session.execute(insert(Enrollment), enrollments)
                session.execute(insert(Attendance), [dict(id=uuid.uuid4(), session_id=sid, enrollment_id=e["id"],
                                                          status="present") for e in enrollments])
            self.courses.append(course.id)

    def issue(self, r: int, out: Path) -> int:
        from desktop.services.training import certificates

        return certificates.issue_certificates(self.ctx, self.courses[r], out).issued

    def pages(self, r: int) -> tuple[doc.Layout, list[doc.Page]]:
        """The pages of round r's certificates, as the service builds them."""
        from sqlalchemy import select

        from desktop.services.office import current_office
        from desktop.services.training import certificates
        from desktop.services.training.courses import _course
        from desktop.store.models import Certificate, Participant

        with self.ctx.db.session() as session:
            course = _course(session, self.courses[r])
            office = current_office(session)
            template = certificates.templates._template_form(session, course.id)
            maker = certificates.PageMaker(session, office, course, template)
            layout = certificates.layout_for(session, office, template)
            rows = session.execute(select(Certificate, Participant).join(
                Participant, Participant.id == Certificate.participant_id)
                .where(Certificate.course_id == course.id).order_by(Certificate.seq)).all()
            return layout, [maker.page(cert, person) for cert, person in rows]


def check(office: Office, pdf: Path, n: int, folder: Path) -> bool:
    """Every QR of the PDF decodes with zbarimg at 150 dpi and verifies; the audit log verifies."""
    from desktop.services.training import certificates

    pngs = folder / "png"
    pngs.mkdir()
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", str(pdf), str(pngs / "p")], check=True)
    files = sorted(pngs.glob("p*.png"))
    decoded = ok = 0
    sample = ""
    for start in range(0, len(files), 100):
        out = subprocess.run(["zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable",
                              *map(str, files[start:start + 100])], capture_output=True, text=True).stdout
        texts = _split_zbar(out)
        decoded += len(texts)
        for text in texts:
            ok += certificates.verify_certificate(office.ctx.db, text).ok
            sample = sample or text
    env = {**os.environ, "ENLACE_PASSWORD": PASSWORD}
    audit = subprocess.run([sys.executable, "-m", "desktop", "--lang", "en", "--db", str(office.path), "audit",
                            "verify", "--user", "admin"], capture_output=True, text=True, env=env)
    print(f"check: {len(files)} pages at 150 dpi, {decoded} QR codes decoded by zbarimg, {ok} verify as valid; "
          f"audit verify: {audit.stdout.strip() or audit.stderr.strip()} (exit {audit.returncode})")
    print("sample QR text as zbarimg prints it:\n" + sample)
    return len(files) == n and decoded == n and ok == n and audit.returncode == 0


def _split_zbar(out: str) -> list[str]:
    """zbarimg --raw separates symbols with a newline; our texts are 8 lines each, the last one ENLACE2 …"""
    texts, current = [], []
    for line in out.splitlines():
        current.append(line)
        if line.startswith("ENLACE2 "):
            texts.append("\n".join(current))
            current = []
    return texts


def main() -> int:
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 2
    args = [a for i, a in enumerate(sys.argv[1:], 1) if not a.startswith("--") and sys.argv[i - 1] != "--rounds"]
    n = int(args[0]) if args else 1000
    figures: dict[str, list[tuple[float, float]]] = {"naive": [], "no_qr": [], "renderer": [], "service": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        office = Office(folder, n, rounds)
        try:
            for r in range(rounds):  # alternately, so every figure meets the same machine load
                out = folder / f"service-{r}.pdf"
                figures["service"].append(_timed(lambda r=r, out=out: office.issue(r, out)))
                layout, pages = office.pages(r)
                for name, fn in (("naive", naive), ("no_qr", no_qr), ("renderer", enlace_renderer)):
                    figures[name].append(_timed(lambda fn=fn, lay=layout, ps=pages: fn(lay, ps, io.BytesIO())))
            best = {k: min(v) for k, v in figures.items()}
            per = {k: (cpu / n * 1000, wall / n * 1000) for k, (cpu, wall) in best.items()}
            labels = {"naive": "baseline naive (page from scratch + segno PNG QR per page)",
                      "no_qr": "bar: Enlace renderer without any QR",
                      "renderer": "enlace renderer (form XObject + zxing-cpp vector QR)",
                      "service": "enlace full service on the encrypted database (number, sign, audit, QR, PDF)"}
            print(f"{n} certificates, best of {rounds} alternating rounds, load average {os.getloadavg()[0]:.1f} "
                  f"on {os.cpu_count()} cores")
            for key in ("naive", "no_qr", "renderer", "service"):
                cpu, wall = per[key]
                print(f"{labels[key]}: {cpu:.2f} ms CPU, {wall:.2f} ms wall per certificate")
            ratio = per["naive"][0] / per["service"][0]
            print(f"ratio naive/enlace full service: {ratio:.1f}x CPU, {per['naive'][1] / per['service'][1]:.1f}x "
                  f"wall (target >= {TARGET:g}x)")
            print(f"ratio naive/enlace renderer: {per['naive'][0] / per['renderer'][0]:.1f}x CPU, "
                  f"{per['naive'][1] / per['renderer'][1]:.1f}x wall")
            print(f"ratio enlace renderer/no QR: {per['renderer'][0] / per['no_qr'][0]:.2f}x CPU, "
                  f"{per['renderer'][1] / per['no_qr'][1]:.2f}x wall; full service/no QR: "
                  f"{per['service'][0] / per['no_qr'][0]:.2f}x CPU, {per['service'][1] / per['no_qr'][1]:.2f}x wall")
            good = ratio >= TARGET
            if "--check" in sys.argv:
                good = check(office, folder / f"service-{rounds - 1}.pdf", n, folder) and good
        finally:
            office.ctx.db.dispose()
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
