"""A seat creating cases and referrals as fast as it can (run as a separate process by the tests).

    python -m tests.server._creator URL USERNAME PASSWORD COUNT PERSON_ID SERVICE_ID
"""

from __future__ import annotations

import sys
import uuid

from desktop.services import referrals
from desktop.services.core.context import AppContext
from desktop.services.people import cases
from desktop.services.security import auth
from desktop.store import keys
from desktop.store.database import Database


def main(url: str, username: str, password: str, count: int, person_id: str, service_id: str) -> None:
    auth.use_fast_hashing_for_tests()
    keys.use_fast_kdf_for_tests()
    db = Database(url)
    ctx = AppContext(db, auth.sign_in(db, username, password))
    person, service = uuid.UUID(person_id), uuid.UUID(service_id)
    for _i in range(count):
        case = cases.open_case(ctx, person)
        referrals.create_referral(ctx, referrals.ReferralForm(person, service, "health", case_id=case.id))
    db.dispose()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6])
