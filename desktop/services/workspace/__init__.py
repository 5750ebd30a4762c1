"""Opening an office database for a person: the entry the window and the CLI share.

Everything that turns (database location, user, password) into a signed-in :class:`AppContext`
goes through here, so that database encryption (the key is unwrapped with the password) lives
in one place. The modules:

- ``startup``: the default location and what the window prepares before the first screen;
- ``opening``: opening (or creating) a database with a password or the recovery key (:class:`Unlock`);
- ``signing_in``: what the sign-in screen shows, the password check, signing in and out;
- ``new_office``: the first run, a new encrypted database with its office and administrator;
- ``recovery``: the recovery sheet, and the entries to ``encryption`` (recovery, new recovery key,
  encrypting a plain database);
- ``setup``, ``backup``, ``server``, ``server_backup`` and ``live``, imported by name where they are used.

New databases are encrypted (SQLCipher) unless ``encrypt=False``; see :mod:`desktop.store.keys` for
the key file beside the database. What the sign-in screen needs before anyone signs in reads only the
key file of an encrypted database, so these modules import SQLAlchemy (through the store, ``auth`` and
``office``) only inside the functions that open a database: the window's first screen shows without it.
"""

from desktop.services.workspace.new_office import create_office, take_recovery_key  # noqa: F401
from desktop.services.workspace.opening import (  # noqa: F401
    LockedDatabaseError,
    Unlock,
    is_encrypted,
    journal_pending,
    open_store,
    split_role_files,
)
from desktop.services.workspace.recovery import (  # noqa: F401
    encrypt_in_place,
    new_recovery_key,
    recover_access,
    recovery_sheet,
)
from desktop.services.workspace.signing_in import (  # noqa: F401
    begin_sign_in,
    complete_sign_in,
    is_demo,
    moves_files_first,
    needs_setup,
    office_label,
    open_signed_in,
    sign_out,
)
from desktop.services.workspace.startup import default_location, kdf_seconds, prepare_store  # noqa: F401
from desktop.store.files import is_plain_sqlite  # noqa: F401
