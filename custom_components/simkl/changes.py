"""What changed in an account's lists, published once per change.

A sync names the entries its merges touched (`Library.changed`), and only those are compared
with the library as it was, so the cost follows the change rather than the library's size.
A write made from Home Assistant publishes its change as soon as Simkl accepts it; the sync
that follows sees the same change, and the feed drops that second sighting.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import CALLBACK_TYPE, callback

from .api import POSTER_MEDIUM, ImageKind, ListStatus
from .const import NEVER
from .library import Episode, Library, LibraryEntry, parse_episode_code

if TYPE_CHECKING:
    from .calendar_join import ImageUrl

# How many changes published by writes are remembered until their sync confirms them; a
# change Simkl reports differently is never confirmed, and the oldest are forgotten first.
MAX_AWAITED: Final = 256

# How many changes are held while nothing listens (the activity event is disabled).
MAX_HELD: Final = 256


class ActivityType(StrEnum):
    """The kinds of change the activity event reports."""

    WATCHED = "watched"
    ADDED = "added"
    RATED = "rated"
    STATUS_CHANGED = "status_changed"
    REMOVED = "removed"
    NEW_EPISODE = "new_episode"


type ActivityKey = tuple[ActivityType, int, str | None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Activity:
    """One change of a title: `entry` as it is after the change (before it, when removed)."""

    type: ActivityType
    entry: LibraryEntry
    episode: Episode | None = None
    previous_list: ListStatus | None = None

    @property
    def key(self) -> ActivityKey:
        """Identify the change, whichever path (a write or a sync) reports it."""
        detail: str | None = None
        match self.type:
            case ActivityType.WATCHED | ActivityType.NEW_EPISODE:
                detail = self.episode.code if self.episode is not None else None
            case ActivityType.ADDED | ActivityType.STATUS_CHANGED:
                detail = self.entry.status.value if self.entry.status else None
            case ActivityType.RATED:
                detail = str(self.entry.user_rating)
        return (self.type, self.entry.simkl_id, detail)

    def event_attributes(self, image_url: ImageUrl) -> dict[str, Any]:
        """Return the attributes the activity event carries."""
        entry, episode = self.entry, self.episode
        return {
            "title": entry.title,
            "media_type": entry.media_type.value,
            "year": entry.year,
            "simkl_id": entry.simkl_id,
            "list": entry.status.value if entry.status else None,
            "previous_list": self.previous_list.value if self.previous_list else None,
            "episode": episode.code if episode is not None else None,
            "episode_title": episode.title if episode is not None else None,
            "rating": entry.user_rating,
            "url": entry.url,
            "poster": image_url(ImageKind.POSTER, entry.poster, POSTER_MEDIUM),
        }


def _last_episode(entry: LibraryEntry) -> Episode | None:
    if (parsed := parse_episode_code(entry.last_watched)) is None:
        return None
    return Episode(season=parsed[0], number=parsed[1])


def _watched(old: LibraryEntry, new: LibraryEntry) -> bool:
    if new.is_movie:
        if new.status is not ListStatus.COMPLETED:
            return False
        later = (new.last_watched_at or NEVER) > (old.last_watched_at or NEVER)
        return old.status is not ListStatus.COMPLETED or later
    return new.watched_episodes > old.watched_episodes


def entry_changes(old: LibraryEntry | None, new: LibraryEntry | None) -> list[Activity]:
    """Return the changes between two versions of a title (None: not in the lists)."""
    if new is None:
        return [Activity(type=ActivityType.REMOVED, entry=old)] if old is not None else []
    found: list[Activity] = []
    if old is None:
        found.append(Activity(type=ActivityType.ADDED, entry=new))
        old_rating = None
    else:
        old_rating = old.user_rating
        watched = _watched(old, new)
        if watched:
            episode = None if new.is_movie else _last_episode(new)
            found.append(Activity(type=ActivityType.WATCHED, entry=new, episode=episode))
        # A movie marked watched moves to completed: one change, reported as watched.
        if new.status is not old.status and not (new.is_movie and watched):
            found.append(
                Activity(type=ActivityType.STATUS_CHANGED, entry=new, previous_list=old.status)
            )
    if new.user_rating is not None and new.user_rating != old_rating:
        found.append(Activity(type=ActivityType.RATED, entry=new))
    return found


def episodes_aired_between(
    entries: Iterable[LibraryEntry],
    aired: Mapping[int, Iterable[Episode]],
    start: datetime,
    end: datetime,
) -> Iterator[Activity]:
    """Yield the unwatched episodes of `entries` that aired after `start`, up to `end`.

    `aired` holds the calendar's episodes by Simkl id; the next episode Simkl reported for a
    title counts too. Consecutive windows report each episode once.
    """
    for entry in entries:
        candidates = {
            (episode.season, episode.number): episode for episode in aired.get(entry.simkl_id, ())
        }
        if (following := entry.next_episode) is not None:
            candidates.setdefault((following.season, following.number), following)
        for episode in sorted(candidates.values(), key=lambda found: found.aired_at or NEVER):
            if (
                episode.aired_at is not None
                and start < episode.aired_at <= end
                and not entry.has_watched(episode.season, episode.number)
            ):
                yield Activity(type=ActivityType.NEW_EPISODE, entry=entry, episode=episode)


type ActivityListener = Callable[[list[Activity]], None]


class ChangeFeed:
    """Hands each change of one account's lists to its listeners once."""

    def __init__(self) -> None:
        """Start with no listeners and no change awaiting its sync."""
        self._listeners: list[ActivityListener] = []
        # Changes published by writes, until the sync that follows reports them too.
        self._awaited: dict[ActivityKey, None] = {}
        # Changes the first sync after a restart found before the entities were added.
        self._held: list[Activity] = []

    @property
    def awaiting_sync(self) -> int:
        """Return how many changes of writes wait for a sync to confirm them."""
        return len(self._awaited)

    @property
    def held(self) -> int:
        """Return how many changes wait for a listener."""
        return len(self._held)

    @callback
    def async_add_listener(self, listener: ActivityListener) -> CALLBACK_TYPE:
        """Call `listener` with each batch of changes; returns the function that stops it.

        The first listener also gets the changes published before it came.
        """
        self._listeners.append(listener)
        held, self._held = self._held, []
        self.publish(held)

        @callback
        def remove() -> None:
            self._listeners.remove(listener)

        return remove

    @callback
    def publish_sync(self, before: Library, after: Library) -> None:
        """Publish what a sync changed; the first sync only fills the library."""
        if before.activities is None:
            return
        found = [
            activity
            for simkl_id in sorted(after.changed)
            for activity in entry_changes(before.items.get(simkl_id), after.items.get(simkl_id))
        ]
        fresh = []
        for activity in found:
            if activity.key in self._awaited:
                del self._awaited[activity.key]
            else:
                fresh.append(activity)
        self.publish(fresh)

    @callback
    def publish_write(self, activities: list[Activity]) -> None:
        """Publish the changes of a write Simkl accepted, and expect its sync to repeat them."""
        for activity in activities:
            self._awaited[activity.key] = None
        for stale in list(self._awaited)[: max(0, len(self._awaited) - MAX_AWAITED)]:
            del self._awaited[stale]
        self.publish(activities)

    @callback
    def publish(self, activities: list[Activity]) -> None:
        """Hand changes to the listeners, or hold them until the first one comes."""
        if not activities:
            return
        if not self._listeners:
            self._held = [*self._held, *activities][-MAX_HELD:]
            return
        for listener in list(self._listeners):
            listener(activities)
