"""The Users page's list of accounts: one row per account, in the words the page shows.

Rule: an account's provider reads as its name and id ("not in the register" when the id is not
in it); "Locked until" is given only while the lock lasts, in UK time; nothing about a password
is listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd

from sgoversight import uktime, users
from sgoversight.auth import ROLE_LABELS
from ui import format as fmt

#: The list's columns the search box reads.
SEARCHED = ["Username", "Name", "Roles", "Provider", "Status", "E-mail"]


def accounts_frame(
    accounts: Sequence[users.Account],
    provider_names: Mapping[str, str],
    now: dt.datetime,
    today: dt.date,
) -> pd.DataFrame:
    """The accounts as the page lists them, at `now` (naive UTC) and `today`."""
    return pd.DataFrame(
        {
            "Username": [a.username for a in accounts],
            "Name": [a.name for a in accounts],
            "Roles": [", ".join(ROLE_LABELS[r] for r in a.roles) for a in accounts],
            "Provider": [
                f"{provider_names.get(a.provider_id, 'not in the register')} ({a.provider_id})"
                if a.provider_id
                else ""
                for a in accounts
            ],
            "Status": [a.status(now) for a in accounts],
            "Locked until": [
                uktime.clock(a.locked_until) if a.locked_until is not None and a.locked(now) else ""
                for a in accounts
            ],
            "Last seen": [fmt.when(a.last_seen_at, today) for a in accounts],
            "Wrong passwords in a row": [a.failed_logins for a in accounts],
            "E-mail": [a.email for a in accounts],
            "Demo login": [a.demo for a in accounts],
        }
    )
