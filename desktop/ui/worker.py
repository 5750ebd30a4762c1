"""Long jobs off the GUI thread: progress, a cancel flag, success and failure signals.

The job is the same service function the CLI calls, with the signature
``job(*args, progress=callable(done, total), cancelled=callable() -> bool)``; ``plain=True`` runs a
function without those two keywords (a query that may take more than a moment).

Jobs run on Qt's global thread pool. No job owns a ``QThread``: a thread object released from its
own thread is what made Qt warn "QThread::wait: Thread tried to wait on itself". A running
worker is kept alive by :data:`_RUNNING`, and released on the GUI thread once its last signal has
been delivered there.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from desktop.i18n import _
from desktop.services.core.errors import Cancelled

_RUNNING: set[Worker] = set()


class Worker(QObject):
    progress = Signal(int, int)  # done, total
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    _ended = Signal()

    def __init__(self, job: Callable[..., Any], *args: Any, plain: bool = False, **kwargs: Any) -> None:
        super().__init__()
        self._job, self._args, self._kwargs, self._plain = job, args, kwargs, plain
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._ended.connect(self._release)
        self.destroyed.connect(lambda *_: _RUNNING.discard(self))  # deleted before _ended was delivered

    def start(self) -> None:
        _RUNNING.add(self)
        QThreadPool.globalInstance().start(_Run(self))

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def is_running(self) -> bool:
        return self in _RUNNING and not self._done.is_set()

    def wait(self, ms: int = 30_000) -> bool:
        """Block until the job has returned (its result signal may still be on its way)."""
        return self._done.wait(ms / 1000)

    def _progress(self, done: int, total: int) -> None:
        self.progress.emit(int(done), int(total))
        time.sleep(0)  # let the GUI thread have the interpreter: a job in pure Python would starve it

    def _release(self) -> None:
        _RUNNING.discard(self)

    def _run(self) -> None:
        from desktop.services.core.errors import EnlaceError, StoreError  # StoreError: a drive gone, a full disk

        try:
            if self._plain:
                result = self._job(*self._args, **self._kwargs)
            else:
                result = self._job(*self._args, progress=self._progress, cancelled=self._cancel.is_set,
                                   **self._kwargs)
        except Cancelled:
            self.cancelled.emit()
        except (EnlaceError, StoreError) as exc:
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
            # The last touch of the Qt object comes before ``wait()`` returns: a caller that waits and then
            # deletes the worker (deleteLater) must never find this thread still emitting on it.
            self._ended.emit()
            self._done.set()


class _Run(QRunnable):
    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self._worker: Worker | None = worker

    def run(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker._run()


def run_in_background(job: Callable[..., Any], *args: Any, on_done: Callable[[Any], None],
                      on_failed: Callable[[str], None] | None = None, plain: bool = True,
                      **kwargs: Any) -> Worker:
    """Run ``job`` off the GUI thread and call ``on_done(result)`` (or ``on_failed(message)``) on it."""
    worker = Worker(job, *args, plain=plain, **kwargs)
    worker.finished.connect(on_done)
    if on_failed is not None:
        worker.failed.connect(on_failed)
    worker.start()
    return worker


def wait_for_all(ms: int = 30_000) -> bool:
    """At exit: let running jobs return before the interpreter goes."""
    return QThreadPool.globalInstance().waitForDone(ms)
