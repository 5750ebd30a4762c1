"""Long jobs off the GUI thread: progress, a cancel flag, success and failure signals.

The job is the same service function the CLI calls, with the signature
``job(*args, progress=callable(done, total), cancelled=callable() -> bool)``.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from desktop.i18n import _
from desktop.services.core.errors import Cancelled


class Worker(QObject):
    progress = Signal(int, int)  # done, total
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, job: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self._job, self._args, self._kwargs = job, args, kwargs
        self._cancel = threading.Event()
        self._thread = QThread()
        self._thread.setObjectName(f"worker:{getattr(job, '__name__', 'job')}")
        self.moveToThread(self._thread)
        self._thread.started.connect(self._run)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def wait(self, ms: int = 30_000) -> bool:
        return self._thread.wait(ms)

    def _run(self) -> None:
        from desktop.services.core.errors import EnlaceError

        try:
            result = self._job(*self._args, progress=lambda d, t: self.progress.emit(int(d), int(t)),
                               cancelled=self._cancel.is_set, **self._kwargs)
        except Cancelled:
            self.cancelled.emit()
        except EnlaceError as exc:
            self.failed.emit(str(exc))
        except Exception:  # a bug: keep the window alive and say so
            traceback.print_exc()
            self.failed.emit(_("Unexpected error. The operation was not completed; nothing was saved."))
        else:
            if self._cancel.is_set():
                self.cancelled.emit()
            else:
                self.finished.emit(result)
        finally:
            self._thread.quit()
