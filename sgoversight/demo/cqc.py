"""The demo borough's Care Quality Commission (CQC) ratings history: two published files, an
earlier one and the latest, recorded through sgoversight.intake.cqc as a council's imports would be.

Rules (all invented, a function of the seed and as-of date only):
- Every regulated provider with a rating in the register is rated in the latest file, its
  overall rating the register's; Safe and Well-led share a Requires improvement or Inadequate
  overall rating, the other key questions are Good (an Outstanding service is Outstanding for
  Caring and Well-led too). Its report was published 1 to 42 months before as-of, so some are
  older than the Board's two years.
- About two in three of them were also rated in an earlier file, two to four years before
  their latest report, with the same rating: a first import is compared with the register's
  rating, so an earlier rating other than the register's would read as a change (and a worse
  one raise an alert). Loading the demo raises no CQC quality alert.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Mapping
from typing import Any

from sgoversight.intake.cqc import (
    KEY_QUESTION,
    OVERALL,
    PublishedRating,
    RatingsFile,
    location_key,
)
from sgoversight.vocabulary import CQC_RATING

_SHARED = ("safe", "well_led")


def _ratings(location: str, overall: str, published: dt.date) -> dict[str, PublishedRating]:
    ratings = {}
    for code in KEY_QUESTION.codes:
        rating = "good"
        if code == OVERALL or (
            code in _SHARED and overall in ("requires_improvement", "inadequate")
        ):
            rating = overall
        elif overall == "outstanding" and code in ("caring", "well_led"):
            rating = "outstanding"
        ratings[code] = PublishedRating(
            location_id=location,
            key_question=code,
            rating=rating,
            rating_text=CQC_RATING.label(rating),
            published_on=published,
            report_url=f"https://www.cqc.org.uk/location/{location}",
            inherited=False,
            row=0,
        )
    return ratings


def demo_history(
    providers: Iterable[Mapping[str, Any]], as_of: dt.date, seed: int
) -> list[RatingsFile]:
    """The earlier and the latest ratings file of the demo borough (see the module's rules), from
    provider rows with `cqc_location_id` and `cqc_rating` (the demo's providers file)."""
    rng = random.Random(f"{seed}:cqc")
    earlier = RatingsFile(filename="demo-cqc-ratings-earlier.ods")
    latest = RatingsFile(filename="demo-cqc-ratings-latest.ods")
    for provider in providers:
        location, rating = provider.get("cqc_location_id"), provider.get("cqc_rating")
        if not location or not rating:
            continue
        published = as_of - dt.timedelta(days=rng.randint(30, 42 * 30))
        latest.ratings[location_key(location)] = _ratings(location, rating, published)
        if rng.random() < 2 / 3:
            then = published - dt.timedelta(days=rng.randint(2 * 365, 4 * 365))
            earlier.ratings[location_key(location)] = _ratings(location, rating, then)
    for ratings_file in (earlier, latest):
        ratings_file.rows = len(ratings_file.ratings) * len(KEY_QUESTION.codes)
    return [earlier, latest]
