"""The demo borough's staff training records (CONTRACT.md §5 ACC-6)."""

from __future__ import annotations

import datetime as dt

from sgoversight.demo.draws import Choice, chance, stream
from sgoversight.demo.files import Row

_ROLES = {"all_staff": 40, "asc_staff": 30, "practitioner": 22, "operational_manager": 8}
#: CONTRACT.md §5 ACC-6: the training each role requires.
REQUIRED_TRAINING: dict[str, tuple[str, ...]] = {
    "all_staff": ("corporate_mandatory",),
    "asc_staff": ("corporate_mandatory", "asc_awareness"),
    "practitioner": ("corporate_mandatory", "asc_awareness", "asc_enquiry"),
    "operational_manager": ("corporate_mandatory", "asc_awareness", "asc_managers"),
}
_PROMOTION = {
    "all_staff": "asc_staff",
    "asc_staff": "practitioner",
    "practitioner": "operational_manager",
}
_COMPLIANT_SHARE = 0.89
_TRAINING_VALID_DAYS = 730
_ROLE = Choice(_ROLES)


def training_rows(seed: int, as_of: dt.date, staff: int) -> list[Row]:
    """Rule (CONTRACT.md §5 ACC-6): each member of staff has records of the training their role
    requires, renewed about every two years, over the last three years; about 89% are compliant
    at the as-of date (every required type within 730 days). Some were promoted: their older
    records carry the old role, their newest the current one."""
    rng = stream(seed, "training")
    width = max(4, len(str(staff)))
    rows: list[Row] = []
    window_start = as_of - dt.timedelta(days=3 * 365)
    for number in range(1, staff + 1):
        staff_id = f"STF-{number:0{width}d}"
        role = _ROLE.pick(rng)
        compliant = chance(rng, _COMPLIANT_SHARE)
        required = REQUIRED_TRAINING[role]
        lapsed = set() if compliant else {rng.choice(required)}
        previous_role = None
        if role != "all_staff" and chance(rng, 0.1):
            previous_role = next(r for r, nxt in _PROMOTION.items() if nxt == role)
        promoted_on = as_of - dt.timedelta(days=rng.randint(120, 700))
        records: list[tuple[str, dt.date]] = []
        for training_type in required:
            if training_type in lapsed:
                if len(required) > 1 and chance(rng, 0.3):
                    continue  # never completed in the last three years
                last = as_of - dt.timedelta(days=rng.randint(_TRAINING_VALID_DAYS + 5, 1_050))
            else:
                last = as_of - dt.timedelta(days=rng.randint(0, _TRAINING_VALID_DAYS - 10))
            completions = [last]
            earlier = last - dt.timedelta(days=rng.randint(690, 740))
            if earlier >= window_start:
                completions.append(earlier)
            records.extend((training_type, day) for day in completions)
        if not records:
            records.append((required[0], as_of - dt.timedelta(days=rng.randint(760, 1_000))))
        newest = max(day for _, day in records)
        if previous_role is not None and promoted_on >= newest:
            promoted_on = newest  # the newest record is always in the current role
        for training_type, day in sorted(records, key=lambda r: (r[1], r[0])):
            was_previous = (
                previous_role is not None
                and day < promoted_on
                and training_type in REQUIRED_TRAINING[previous_role]
            )
            rows.append(
                {
                    "staff_id": staff_id,
                    "role": previous_role if was_previous else role,
                    "training_type": training_type,
                    "completed_on": day,
                }
            )
    return rows
