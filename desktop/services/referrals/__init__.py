"""Referrals (remisiones): the package's front door.

The modules, by what an office does with a referral:

- ``states``: the state machine of DESIGN.md (states, moves, urgencies);
- ``new_referral``: filling in the form and creating the draft, numbered per office and year;
- ``tracking``: status changes (each one a ReferralEvent), the next follow-up date, the Home screen's due list;
- ``follow_up``: the one rule for the follow-up date a screen proposes;
- ``slips``: the printed slip and its check code, and checking a slip brought back;
- ``queries``: one referral with its history, and the lists of the screens, the CLI and reports;
- ``directory_entry`` and ``service_search``: the directory service a referral goes to, and finding it.

Sending is refused unless the person's consent to share data with that service is active.
"""

from desktop.services.referrals.directory_entry import ServiceInfo, find_services, get_service  # noqa: F401
from desktop.services.referrals.follow_up import suggested_follow_up  # noqa: F401
from desktop.services.referrals.new_referral import ReferralForm, _validate, create_referral  # noqa: F401
from desktop.services.referrals.queries import (  # noqa: F401
    ReferralFilter,
    ReferralInfo,
    count_referrals,
    get_referral,
    iter_referrals,
    referrals_of_person,
    referrals_page,
)
from desktop.services.referrals.slips import (  # noqa: F401
    SlipCheck,
    _slip_secret,
    check_code,
    slip_pdf,
    verify_slip,
    verify_slip_parts,
)
from desktop.services.referrals.states import (  # noqa: F401
    ACTIONS,
    CLOSED_STATUSES,
    OPEN_STATUSES,
    STATUSES,
    TRANSITIONS,
    URGENCIES,
    status_label,
)
from desktop.services.referrals.tracking import URGENCY_RANK, follow_up_due, set_follow_up, transition  # noqa: F401
