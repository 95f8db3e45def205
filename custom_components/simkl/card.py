"""The sensors' items in upcoming-media-card's format (the `data` attribute).

upcoming-media-card, the dashboard card most users list media with, reads a sensor's `data`
attribute: its first entry sets the card's line layout and icon, each further entry is an
item, with empty strings for unknown values. The upcoming and the next-to-watch sensors
fill it.
"""

from typing import TYPE_CHECKING, Any, Final

from .api import format_datetime
from .const import NO_POSTER_PATH

if TYPE_CHECKING:
    from .calendar_join import UpcomingItem
    from .library import Episode, LibraryEntry

UPCOMING_CARD_DEFAULTS: Final = {
    "title_default": "$title",
    "line1_default": "$episode",
    "line2_default": "$release",
    "line3_default": "$number",
    "line4_default": "$runtime",
    "icon": "mdi:calendar-star",
}
NEXT_TO_WATCH_CARD_DEFAULTS: Final = {
    "title_default": "$title",
    "line1_default": "$number",
    "line2_default": "$episode",
    "line3_default": "$release",
    "line4_default": "$runtime",
    "icon": "mdi:play-box-multiple-outline",
}


def upcoming_card_item(item: UpcomingItem) -> dict[str, Any]:
    """Return an upcoming episode or release.

    `airdate` is UTC; a date-only release uses local midnight so the card shows its own day.
    """
    return {
        "airdate": format_datetime(item.start),
        "title": item.title,
        "episode": item.episode_title or "",
        "number": item.number or "",
        "season_num": item.season if item.season is not None else "",
        "episode_num": item.episode if item.episode is not None else "",
        "release": "$day, $date" if item.all_day else "$day, $date $time",
        "runtime": item.runtime or "",
        "rating": f"\N{BLACK STAR} {item.rating:.1f}" if item.rating else "",
        "poster": item.poster or NO_POSTER_PATH,
        "fanart": item.fanart or "",
        # The corner flag marks what is already watched; `hide_flagged` hides it.
        "flag": item.watched,
        "deep_link": item.url,
    }


def next_to_watch_card_item(
    entry: LibraryEntry,
    episode: Episode,
    *,
    poster: str | None,
    fanart: str | None,
    resumable: bool,
) -> dict[str, Any]:
    """Return the next episode to watch of a title; `resumable` when a session is paused."""
    aired_at = episode.aired_at
    # The card drops items without a date: fall back to the last activity.
    card_date = aired_at or entry.watched_at or entry.added_at
    return {
        "airdate": format_datetime(card_date) if card_date else "",
        "title": entry.title,
        "episode": episode.title or "",
        "number": episode.code,
        "season_num": "" if episode.season is None else episode.season,
        "episode_num": episode.number,
        "release": "$day, $date" if aired_at else "",
        "runtime": entry.runtime or "",
        "poster": poster or NO_POSTER_PATH,
        "fanart": fanart or "",
        # The corner flag marks titles with a paused session to resume.
        "flag": resumable,
        "deep_link": entry.url,
    }
