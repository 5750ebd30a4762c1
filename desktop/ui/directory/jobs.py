"""A progress bar with a Cancel button that runs one service job at a time in a Worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from desktop.i18n import _
from desktop.ui.job_status import track
from desktop.ui.worker import Worker


class JobBar(QWidget):
    """Runs ``job(*args, progress=…, cancelled=…)`` off the GUI thread; hidden when idle."""

    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setObjectName("job_progress")
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.setObjectName("job_cancel")
        self.cancel_button.clicked.connect(self.cancel)
        layout.addWidget(self.label)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self.worker: Worker | None = None
        self._on_done: Callable[[Any], None] | None = None
        self.hide()

    @property
    def busy(self) -> bool:
        return self.worker is not None

    def start(self, label: str, job: Callable[..., Any], *args: Any, on_done: Callable[[Any], None],
              kind: str | None = None, **kwargs: Any) -> None:
        """``kind`` ("import", "export"): a failure stays in the status bar and the audit log (args[0] is the ctx)."""
        if self.worker is not None:
            return
        self.label.setText(label)
        self.bar.setRange(0, 0)
        self._on_done = on_done
        worker = Worker(job, *args, **kwargs)
        self.worker = worker
        worker.progress.connect(self._progress)
        worker.finished.connect(self._finished)
        worker.failed.connect(self._failed)
        worker.cancelled.connect(self._cancelled)
        if kind is not None:
            track(worker, args[0], kind)
        self.show()
        worker.start()

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.label.setText(_("Cancelling…"))

    def _progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)

    def _end(self) -> None:
        if self.worker is not None:
            self.worker.wait()
        self.worker = None
        self.hide()

    def _finished(self, result: object) -> None:
        self._end()
        if self._on_done is not None:
            self._on_done(result)
        self.done.emit(result)

    def _failed(self, message: str) -> None:
        self._end()
        self.failed.emit(message)

    def _cancelled(self) -> None:
        self._end()
        self.cancelled.emit()
