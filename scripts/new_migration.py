"""Developer tool: autogenerate a migration against a scratch database at the current head.

    python scripts/new_migration.py 0009 "add referral outcome"

The history is one line: the new revision builds on the current head (``--down`` is kept for
the record but a branch fails tests/foundation/test_migrations.py).

Review the generated file: autogenerate misses renames and server defaults.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from desktop.store.database import Database, sqlite_url


def main() -> int:
    rev_id, message = sys.argv[1], sys.argv[2]
    down = sys.argv[sys.argv.index("--down") + 1] if "--down" in sys.argv else "head"
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(sqlite_url(Path(tmp) / "scratch.db"))
        db.upgrade()
        with db.engine.begin() as conn:
            cfg = db._alembic_config(conn)
            command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id, head=down,
                             splice=down != "head")
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
