"""What the demo titles share: the networks' time zones and the season plans around an anchor."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from tests.fake_simkl.titles import WEEK, CatalogItem, MediaKind, SeasonPlan, zone

if TYPE_CHECKING:
    from collections.abc import Iterable

NEW_YORK = "America/New_York"
LOS_ANGELES = "America/Los_Angeles"
LONDON = "Europe/London"
TOKYO = "Asia/Tokyo"


@dataclass(frozen=True, slots=True)
class Airing:
    """The season on air at the anchor: ``aired`` episodes are out and the next one airs
    ``days_ahead`` days after the anchor's local date (or a week later if that time passed)."""

    episode_count: int
    aired: int
    days_ahead: int
    interval: timedelta = WEEK


def season_plans(
    tz: str,
    at: time,
    past: Iterable[tuple[date, int, int]],
    airing: Airing | None,
    anchor: datetime,
) -> tuple[SeasonPlan, ...]:
    """Return season plans: ``past`` holds (first air date, episodes, days between episodes)."""
    local = zone(tz)
    plans = [
        SeasonPlan(
            number, count, datetime.combine(first, at, tzinfo=local), timedelta(days=interval)
        )
        for number, (first, count, interval) in enumerate(past, start=1)
    ]
    if airing is not None:
        anchor_date = anchor.astimezone(local).date()
        upcoming = datetime.combine(anchor_date + timedelta(days=airing.days_ahead), at, local)
        if upcoming <= anchor:
            upcoming += WEEK
        plans.append(
            SeasonPlan(
                len(plans) + 1,
                airing.episode_count,
                upcoming - airing.aired * airing.interval,
                airing.interval,
            )
        )
    return tuple(plans)


def aired_item(
    anchor: datetime,
    simkl_id: int,
    title: str,
    year: int,
    ids: dict[str, str | int],
    *,
    kind: MediaKind,
    tz: str,
    at: time,
    past: Iterable[tuple[date, int, int]] = (),
    airing: Airing | None = None,
    **extra: Any,
) -> CatalogItem:
    """A show or anime whose episodes air in ``tz`` at ``at`` (see `season_plans`)."""
    return CatalogItem(
        simkl_id=simkl_id,
        kind=kind,
        title=title,
        year=year,
        ids=ids,
        timezone=tz,
        seasons=season_plans(tz, at, past, airing, anchor),
        **extra,
    )
