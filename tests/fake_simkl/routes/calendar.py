"""The calendar files and images, standing for Simkl's CDN."""

from contextlib import suppress
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
import re
from typing import TYPE_CHECKING

from aiohttp import web

from tests.fake_simkl import artwork, views
from tests.fake_simkl.base import Json, ServerBase
from tests.fake_simkl.library import as_utc
from tests.fake_simkl.titles import MediaKind

if TYPE_CHECKING:
    pass


_CALENDAR_KINDS: dict[str, MediaKind] = {"tv": "tv", "anime": "anime", "movie_release": "movie"}
_IMAGE_PATH = re.compile(r"(?P<path>[0-9a-f]{2}/[0-9a-f]{16})(_\w+)?\.(webp|jpg|png)")


class CalendarRoutes(ServerBase):
    """`/calendar/...json` and the image paths."""

    def _calendar_entries(self, kind: MediaKind, first: date, last: date) -> list[Json]:
        """Return calendar entries whose local release date is within ``[first, last]``."""
        # Local dates differ from UTC dates by less than a day either side.
        start = datetime.combine(first - timedelta(days=1), datetime.min.time(), UTC)
        end = datetime.combine(last + timedelta(days=2), datetime.min.time(), UTC)
        found: list[tuple[datetime, Json]] = []
        for item in self.catalog:
            if item.kind != kind:
                continue
            if item.is_movie:
                release = item.release_at
                if item.released is not None and release and first <= item.released <= last:
                    found.append((release, views.calendar_entry(item, None)))
                continue
            for plan in item.seasons:
                for number in range(plan.aired_count(start) + 1, plan.aired_count(end) + 1):
                    episode = item.episode(plan.number, number)
                    if episode is None:
                        continue
                    local_day = episode.aired_at.astimezone(item.zone).date()
                    if first <= local_day <= last:
                        found.append((episode.aired_at, views.calendar_entry(item, episode)))
        found.sort(key=lambda pair: pair[0])
        return [entry for _, entry in found]

    async def _calendar(self, request: web.Request) -> web.StreamResponse:
        kind = _CALENDAR_KINDS.get(request.match_info["file"])
        if kind is None:
            raise web.HTTPNotFound
        now = self.now()
        modified = self._calendar_changed
        if "year" in request.match_info:
            year, month = int(request.match_info["year"]), int(request.match_info["month"])
            first = date(year, month, 1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        else:
            first = now.date() - timedelta(days=1)
            last = now.date() + timedelta(days=33)
            # The rolling window moves at midnight, which changes the file.
            modified = max(modified, datetime.combine(now.date(), datetime.min.time(), UTC))
        headers = {
            "Last-Modified": format_datetime(modified, usegmt=True),
            "Cache-Control": "public, max-age=18000",
        }
        since = request.headers.get("If-Modified-Since")
        if since:
            with suppress(TypeError, ValueError, IndexError):
                if as_utc(parsedate_to_datetime(since)) >= modified:
                    return web.Response(status=304, headers=headers)
        return web.json_response(self._calendar_entries(kind, first, last), headers=headers)

    async def _image(self, request: web.Request) -> web.Response:
        """Serve a drawn picture, titled for catalogue posters and fanart, so demos show them."""
        match = _IMAGE_PATH.fullmatch(request.match_info["path"])
        if match is None:
            raise web.HTTPNotFound
        path = match["path"]
        title = next(
            (item.title for item in self.catalog if path in (item.poster, item.fanart)), None
        )
        body = artwork.draw(request.match_info["kind"], path, title)
        return web.Response(body=body, content_type="image/svg+xml")
