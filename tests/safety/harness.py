"""Child processes for the crash and two-writer tests (run as ``python -m tests.safety.harness MODE …``).

Modes:
  pause FUNC WRITES MARKER -- CLI ARGS…   run the CLI; once FUNC has issued WRITES write statements,
                                          create MARKER and sleep (the parent then kills -9 this process)
  marked FUNC MARKER -- CLI ARGS…         run the CLI; create MARKER when FUNC is called (the parent kills
                                          this process at a moment of its choosing)
  save-loop DB USER                       commit one catalog row at a time, printing each committed code
  bump DB USER N GO                       add 1 to a shared counter N times with the optimistic version check,
                                          starting when the file GO exists (so both writers overlap)
Passwords come from ENLACE_PASSWORD.
"""

from __future__ import annotations

import importlib
import os
import sys
import time


def _pause(func: str, writes: int, marker: str, argv: list[str]) -> int:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    module_name, name = func.split(":")
    module = importlib.import_module(module_name)
    original = getattr(module, name)
    state = {"armed": False, "writes": 0}

    @event.listens_for(Engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):
        if state["armed"] and statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            state["writes"] += 1
            if state["writes"] == writes:
                with open(marker, "w") as fh:
                    fh.write("in the middle\n")
                time.sleep(120)

    def wrapper(*args, **kwargs):
        state["armed"] = True
        return original(*args, **kwargs)

    setattr(module, name, wrapper)
    from desktop.cli import main

    return main(argv)


def _marked(func: str, marker: str, argv: list[str]) -> int:
    module_name, name = func.split(":")
    module = importlib.import_module(module_name)
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        with open(marker, "w") as fh:
            fh.write("started\n")
        return original(*args, **kwargs)

    setattr(module, name, wrapper)
    from desktop.cli import main

    return main(argv)


def _sign_in(db: str, user: str):
    from desktop.services import workspace

    return workspace.open_signed_in(db, user, os.environ["ENLACE_PASSWORD"])


def _save_loop(db: str, user: str) -> int:
    from desktop.store.models import CatalogItem

    ctx = _sign_in(db, user)
    for i in range(100_000):
        code = f"{os.getpid()}-{i}"
        with ctx.db.transaction() as session:
            session.add(CatalogItem(catalog="crash", code=code, label_es=f"Registro {i}", label_en=f"Record {i}",
                                    created_by=user, updated_by=user))
        print(code, flush=True)  # only after the commit returned
    return 0


def _bump(db: str, user: str, times: int, go: str) -> int:
    """Increase the office's counter (kept in ``municipality``) with the optimistic check forms use."""
    from desktop.services import office
    from desktop.services.core.errors import ConflictError

    ctx = _sign_in(db, user)
    print("ready", flush=True)
    while not os.path.exists(go):
        time.sleep(0.005)
    conflicts = 0
    done = 0
    while done < times:
        info = office.office_info(ctx.db)
        time.sleep(0.01)  # the form is open for a moment, as when a person edits it
        form = office.OfficeForm(code=info.code, name=info.name, country=info.country,
                                 municipality=str(int(info.municipality) + 1), region=info.region,
                                 locale=info.locale, timezone=info.timezone)
        try:
            office.update_office(ctx, form, expected_version=info.version)
        except ConflictError:
            conflicts += 1  # "changed by X at Y": reload and apply again, as a person would
            continue
        done += 1
    print(f"done {done} conflicts {conflicts}", flush=True)
    ctx.db.dispose()
    return 0


def run(argv: list[str]) -> int:
    from desktop.i18n import set_language
    from desktop.services.security import auth
    from desktop.store import keys

    auth.use_fast_hashing_for_tests()
    keys.use_fast_kdf_for_tests()
    set_language(os.environ.get("ENLACE_LANG", "en"))
    mode, *rest = argv
    if mode == "pause":
        func, writes, marker, sep, *cli = rest
        assert sep == "--"
        return _pause(func, int(writes), marker, cli)
    if mode == "marked":
        func, marker, sep, *cli = rest
        assert sep == "--"
        return _marked(func, marker, cli)
    if mode == "save-loop":
        return _save_loop(rest[0], rest[1])
    if mode == "bump":
        return _bump(rest[0], rest[1], int(rest[2]), rest[3])
    raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
