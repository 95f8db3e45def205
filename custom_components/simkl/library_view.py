"""One account's synced library at one moment, limited to the media types the options select.

The sensors and the up-next to-do list read the same lists (next to watch, paused playback,
last watched) from it, so both show the same titles.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from .api import FANART_MOBILE, POSTER_MEDIUM, ImageKind, MediaType
from .const import NEVER
from .library import Library, LibraryEntry, PlaybackEntry, UpNext

if TYPE_CHECKING:
    from .calendar_join import ImageUrl
    from .joined_file import Slot
    from .upcoming import SimklCalendarCoordinator
    from .watching import UpNextList


@dataclass(frozen=True)
class LibraryView:
    """The synced library at one moment, limited to the media types the options select.

    A sensor builds one for each update; the state and the attributes read the same lists,
    so each is computed once. `up_next` is the entity's own list of titles up next, kept
    up to date from one view to the next.
    """

    library: Library
    media_types: frozenset[MediaType]
    image_url: ImageUrl
    calendar: SimklCalendarCoordinator
    now: datetime
    up_next: UpNextList

    @cached_property
    def upcoming(self) -> list[Slot]:
        """Return the episodes and releases of the upcoming window, soonest first."""
        return [slot for slot in self.calendar.upcoming() if slot.media_type in self.media_types]

    @cached_property
    def next_to_watch(self) -> list[tuple[LibraryEntry, UpNext]]:
        """Return the shows and anime being watched that have an aired, unwatched episode.

        Most recently watched first, as in a "continue watching" row.
        """
        return self.up_next.pairs(self.library, self.calendar, self.now)

    def listed(self, session: PlaybackEntry) -> LibraryEntry | None:
        """Return the library entry of a session's title."""
        return self.library.items.get(session.simkl_id) if session.simkl_id else None

    def media_type_of(self, session: PlaybackEntry) -> MediaType:
        """Return a session's type; the library knows anime that playback files as shows."""
        listed = self.listed(session)
        return listed.media_type if listed is not None else session.media_type

    @cached_property
    def paused(self) -> list[PlaybackEntry]:
        """Return the paused sessions, most recently paused first."""
        sessions = [
            session
            for session in self.library.playback.values()
            if self.media_type_of(session) in self.media_types
        ]
        sessions.sort(key=lambda session: session.paused_at or NEVER, reverse=True)
        return sessions

    @cached_property
    def last_watched(self) -> LibraryEntry | None:
        """Return the most recently watched entry with a known date."""
        return self.library.last_watched(self.media_types)

    def poster(self, path: str | None) -> str | None:
        """Return a poster URL (340 px wide)."""
        return self.image_url(ImageKind.POSTER, path, POSTER_MEDIUM)

    def session_poster(self, session: PlaybackEntry) -> str | None:
        """Return the poster of a session's title, from the library when the session has none."""
        listed = self.listed(session)
        return self.poster(session.poster or (listed.poster if listed else None))

    def fanart(self, path: str | None) -> str | None:
        """Return a fanart URL (960 x 540)."""
        return self.image_url(ImageKind.FANART, path, FANART_MOBILE)
