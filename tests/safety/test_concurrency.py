"""Two processes writing one encrypted database at once: no lost update, no "database is locked"."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from desktop.services import office, workspace
from desktop.services.core.errors import ConflictError
from desktop.store.database import integrity_check
from tests.conftest import PASSWORD
from tests.safety.helpers import ROOT

pytestmark = pytest.mark.slow

TIMES = 15


def _set_counter(ctx, value: int) -> office.OfficeInfo:
    info = office.office_info(ctx.db)
    form = office.OfficeForm(code=info.code, name=info.name, country=info.country, municipality=str(value),
                             locale=info.locale, timezone=info.timezone)
    return office.update_office(ctx, form, expected_version=info.version)


def test_two_processes_updating_one_record_lose_nothing(encrypted_office, tmp_path) -> None:
    ctx = encrypted_office.sign_in()
    start = _set_counter(ctx, 0)
    ctx.db.dispose()
    env = {**os.environ, "ENLACE_PASSWORD": PASSWORD, "ENLACE_LANG": "en"}
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-m", "tests.safety.harness", "bump", str(encrypted_office.path), user,
                               str(TIMES), str(go)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for user in ("admin", "admin")]  # two windows
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready"
    go.touch()  # both signed in: start together
    outputs = [p.communicate(timeout=120) for p in procs]
    conflicts = 0
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err.lower()
        assert out.startswith(f"done {TIMES}")
        conflicts += int(out.split()[-1])
    assert conflicts > 0  # the writers did collide, and the version check caught every collision
    ctx = encrypted_office.sign_in()
    try:
        info = office.office_info(ctx.db)
        assert info.municipality == str(2 * TIMES)  # every successful save counted once
        assert info.version == start.version + 2 * TIMES
        assert integrity_check(encrypted_office.path, ctx.db.key) == []
    finally:
        ctx.db.dispose()


def test_a_stale_form_is_refused_with_who_changed_it(encrypted_office) -> None:
    first = encrypted_office.sign_in("admin")
    second = workspace.open_signed_in(encrypted_office.path, "admin", PASSWORD)  # a second window
    try:
        read_by_second = office.office_info(second.db)
        _set_counter(first, 7)
        form = office.OfficeForm(code=read_by_second.code, name="Otra", country="CO")
        with pytest.raises(ConflictError, match="changed by admin"):
            office.update_office(second, form, expected_version=read_by_second.version)
        assert office.office_info(first.db).municipality == "7"
    finally:
        first.db.dispose()
        second.db.dispose()


def test_writers_in_threads_wait_for_each_other_instead_of_failing(admin_enc) -> None:
    """Long and short write transactions overlap; BEGIN IMMEDIATE plus busy_timeout serialise them."""
    from desktop.store.models import CatalogItem

    errors: list[BaseException] = []

    def write(tag: str) -> None:
        try:
            for i in range(40):
                with admin_enc.db.transaction() as session:
                    session.add(CatalogItem(catalog="threads", code=f"{tag}-{i}", label_es=tag, label_en=tag,
                                            created_by="admin", updated_by="admin"))
        except BaseException as exc:  # pragma: no cover - the failure is reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(f"t{n}",)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with admin_enc.db.session() as session:
        assert session.query(CatalogItem).filter_by(catalog="threads").count() == 120
