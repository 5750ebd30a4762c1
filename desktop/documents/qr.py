"""QR codes as one vector path, for PDFs printed in bulk (certificates). Text in, PDF operators out.

Encoding uses zxing-cpp (compiled: about 1 ms a code here, mask chosen by the standard's penalty
rules) and falls back to segno where zxing-cpp is missing. Always a full QR code (never Micro
QR), error correction M, UTF-8 with its ECI designator when the text is not ASCII: without it
zbar and some phone readers guess another encoding for accented letters.

The path is in module units (the caller scales it): one ``x y w 1 re`` per run of dark modules
in a row, filled once. Integer operands keep it short and cheap to format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

QUIET = 4  # modules of white border on each side (the standard's quiet zone)
_DARK_RUN = re.compile(rb"\x00+")


@dataclass(frozen=True)
class QrPath:
    modules: int  # symbol width in modules, quiet zone excluded
    ops: str  # PDF path operators in module units, origin at the lower left corner of the quiet zone

    @property
    def total(self) -> int:
        return self.modules + 2 * QUIET


def _rows_zxing(text: str) -> list[bytes] | None:
    try:
        import zxingcpp
    except ImportError:
        return None
    options = {} if text.isascii() else {"eci": 26}  # 26: UTF-8
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M", **options)
    image = memoryview(barcode.to_image(scale=1, add_quiet_zones=False))
    height, width = image.shape
    data = image.tobytes()  # one byte a module, 0 = dark
    return [data[r * width:(r + 1) * width] for r in range(height)]


def _rows_segno(text: str) -> list[bytes]:
    import segno

    qr = segno.make(text, micro=False, error="m", encoding="utf-8", eci=not text.isascii(), boost_error=False)
    return [bytes(0 if cell else 255 for cell in row) for row in qr.matrix]


def qr_path(text: str) -> QrPath:
    rows = _rows_zxing(text)
    if rows is None:
        rows = _rows_segno(text)
    n = len(rows)
    top = n + QUIET - 1
    ops = [f"{QUIET + m.start()} {top - r} {m.end() - m.start()} 1 re"
           for r, row in enumerate(rows) for m in _DARK_RUN.finditer(row)]
    ops.append("f")
    return QrPath(n, "\n".join(ops))


def draw(canvas, qr: QrPath, x: float, y: float, size: float) -> None:
    """Draw ``qr`` filling a ``size``-point square (quiet zone included) with its lower left at (x, y)."""
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.translate(x, y)
    module = size / qr.total
    canvas.scale(module, module)
    canvas.addLiteral(qr.ops)
    canvas.restoreState()


def encode_all(texts: Iterable[str]) -> list[QrPath]:
    """The paths of many texts, in order (what a worker process is given)."""
    return [qr_path(t) for t in texts]


class Encoder:
    """Encodes batches of QR texts, in a second process when ``parallel`` (for large print runs), so
    that encoding overlaps numbering and drawing. ``submit`` returns a function that gives the paths.

    The worker is a fresh interpreter (spawn): safe beside Qt's threads, on every platform.
    """

    def __init__(self, parallel: bool) -> None:
        self._pool = None
        self.encoded_aside = 0  # batches the worker process encoded
        if parallel:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, texts: list[str]):
        if self._pool is not None:
            try:
                future = self._pool.submit(encode_all, texts)
            except Exception:  # the worker could not start or died: encode here, as a small run does
                self.close()
            else:
                def result() -> list[QrPath]:
                    try:
                        paths = future.result()
                        self.encoded_aside += 1
                        return paths
                    except Exception:
                        self.close()
                        return encode_all(texts)

                return result
        paths = encode_all(texts)
        return lambda: paths

    def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Encoder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
