"""No silent failure: every background job that fails is said in the window, kept in the status bar
until the same kind of job succeeds again, and written to the audit log.

A screen that starts a job with a ``Worker`` calls ``track(worker, ctx, "export")``; a failure outside a
worker (printing) calls ``job_monitor().failed(ctx, "print", message)``. The screen still shows its own
message when a person started the job; a job nobody is watching (the daily backup) is announced by the
main window (``alert``).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop.i18n import N_, _
from desktop.services.core.context import AppContext

JOB_KINDS: dict[str, str] = {
    "backup": N_("Backup"),
    "export": N_("Export"),
    "print": N_("Printing"),
    "import": N_("Import"),
    "certificates": N_("Certificates"),
}


def job_label(kind: str) -> str:
    return _(JOB_KINDS[kind]) if kind in JOB_KINDS else kind


class JobMonitor(QObject):
    """The failed kinds of job of this session, newest message each. Lives on the GUI thread."""

    changed = Signal()
    alert = Signal(str, str)  # kind, message: a failure nobody saw yet

    def __init__(self) -> None:
        super().__init__()
        self.failures: dict[str, str] = {}

    def failed(self, ctx: AppContext | None, kind: str, message: str, *, shown: bool = True,
               audited: bool = False) -> None:
        """Keep the failure (status bar), write it to the audit log, and ask the window to say it if not shown."""
        self.failures[kind] = message
        if ctx is not None and not audited:
            try:
                from desktop.services.security import audit

                audit.job_failed(ctx, kind, message)
            except Exception:  # the database itself may be what failed: the window still says it
                pass
        self.changed.emit()
        if not shown:
            self.alert.emit(kind, message)

    def succeeded(self, kind: str) -> None:
        if self.failures.pop(kind, None) is not None:
            self.changed.emit()

    def clear(self) -> None:
        self.failures.clear()
        self.changed.emit()

    def summary(self) -> str:
        """One line for the status bar: "⚠ Failed: Export, Printing" (empty when all is well)."""
        if not self.failures:
            return ""
        return _("⚠ Failed: {jobs}").format(jobs=", ".join(job_label(k) for k in self.failures))

    def details(self) -> str:
        return "\n".join(f"{job_label(kind)}: {message}" for kind, message in self.failures.items())


_monitor: JobMonitor | None = None


def job_monitor() -> JobMonitor:
    global _monitor
    if _monitor is None:
        _monitor = JobMonitor()
    return _monitor


class _Tracker(QObject):
    """Receives a worker's outcome on the GUI thread (bound slots of a GUI-thread object are queued)."""

    def __init__(self, ctx: AppContext, kind: str, shown: bool, audited: bool) -> None:
        super().__init__()
        self.ctx, self.kind, self.shown, self.audited = ctx, kind, shown, audited

    def on_failed(self, message: str) -> None:
        job_monitor().failed(self.ctx, self.kind, message, shown=self.shown, audited=self.audited)

    def on_finished(self, _result: object) -> None:
        job_monitor().succeeded(self.kind)


def track(worker, ctx: AppContext, kind: str, *, shown: bool = True, audited: bool = False) -> None:
    """Report ``worker``'s failure or success to the monitor. ``shown``: the screen shows its own message;
    ``audited``: the service already wrote the failure to the audit log (backups do)."""
    tracker = _Tracker(ctx, kind, shown, audited)
    worker._job_tracker = tracker  # lives as long as the worker
    worker.failed.connect(tracker.on_failed)
    worker.finished.connect(tracker.on_finished)
