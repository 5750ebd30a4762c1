"""A GUI-thread watchdog: how long the window's event loop went without turning."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QTimer

LONGEST_PAUSE_MS = 100  # what a person notices as a frozen window


class Watchdog:
    def __init__(self) -> None:
        self.longest_ms = 0.0
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest_ms = max(self.longest_ms, (now - self._last) * 1000)
        self._last = now

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._tick()
        self._timer.stop()


@contextmanager
def watching() -> Iterator[Watchdog]:
    """Measure the longest pause of the GUI thread inside the block (the block must spin the event loop)."""
    dog = Watchdog()
    dog.start()
    try:
        yield dog
    finally:
        dog.stop()
