"""Async client for the Simkl API and its calendar data files.

One method per endpoint; every request goes through the transport (`transport.py`), which
identifies the application, paces requests to Simkl's limits, maps error statuses to typed
exceptions and retries failed GETs within a bounded time. Writes are never retried: the
caller decides whether repeating a POST is safe.

Answers are read leniently, but an answer of the wrong kind altogether (a string where an
object or a list belongs) is an error, never an empty result: an empty result would replace
data the caller holds.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, Unpack
from urllib.parse import quote

import aiohttp
from mashumaro.exceptions import MissingField

from .account import PinCode, PinExpired, PinResult, UserSettings, UserStats, parse_pin_result
from .calendar import CalendarFile, CalendarNotModified
from .catalog import EpisodeInfo, FileMatch, MediaSummary, SearchResult
from .const import (
    API_URL,
    DATA_URL,
    IMAGE_URL,
    Extended,
    ImageKind,
    ListStatus,
    ScrobbleAction,
)
from .errors import (
    SimklAuthenticationError,
    SimklClientError,
    SimklConnectionError,
    SimklNotFoundError,
)
from .images import build_image_url
from .media import MediaType
from .model import format_datetime, parse_list
from .sync import Activities, AllItems, PlaybackSession, WatchedCheck, WatchedQuery
from .transport import Transport, TransportOptions
from .writes import ScrobbleRequest, ScrobbleResult, SyncRequest, SyncResult

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from datetime import datetime


def _segment(value: str | int) -> str:
    return quote(str(value), safe="")


class SimklClient:
    """Typed access to the Simkl API for one application and (optionally) one user."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        client_id: str,
        *,
        app_name: str,
        app_version: str,
        access_token: str | None = None,
        api_url: str = API_URL,
        data_url: str = DATA_URL,
        image_url: str = IMAGE_URL,
        **options: Unpack[TransportOptions],
    ) -> None:
        """Create a client; the session is borrowed and never closed here.

        `app_name` and `app_version` identify the application to Simkl on every request
        (a short lowercase name such as `plex-scrobbler`, and its version).

        The options (`TransportOptions`), with their defaults: `request_timeout` (20 s),
        `write_timeout` (8 s), `retry_budget` (30 s), `retry_base_delay` (1 s),
        `min_get_interval` (0.1 s), `min_post_interval` (1 s) and `clock` (None).

        Failed GETs (timeouts, lost connections, 5xx, 429) are retried with exponential
        backoff from `retry_base_delay`, or after the `Retry-After` a 429 carries. A retry is
        only made when it can start within `retry_budget` seconds of the first attempt, time
        spent waiting for answers included, so a GET takes at most `retry_budget` plus one
        `request_timeout` (no retries when either setting is 0); `clock` measures that time
        (seconds; the event loop's clock by default). DELETE shares the POST pacing, as Simkl
        only documents limits for reads and writes. Writes time out after `write_timeout`,
        short enough for a write in flight to end within the 10 s Home Assistant waits for an
        unloading entry's tasks.
        """
        self._client_id = client_id
        self._transport = Transport(
            session,
            access_token,
            client_id=client_id,
            app_name=app_name,
            app_version=app_version,
            **options,
        )
        self._api_url = api_url.rstrip("/")
        self._data_url = data_url.rstrip("/")
        self._image_url = image_url.rstrip("/")

    @property
    def access_token(self) -> str | None:
        """The user's token, sent as `Authorization: Bearer` when set."""
        return self._transport.access_token

    @access_token.setter
    def access_token(self, value: str | None) -> None:
        self._transport.access_token = value

    @property
    def client_id(self) -> str:
        """The application's client id."""
        return self._client_id

    def image_url(self, kind: ImageKind, path: str | None, size: str | None = None) -> str | None:
        """Build the URL of an image path returned by the API (see `images`)."""
        return build_image_url(self._image_url, kind, path, size)

    # --- authentication and user ------------------------------------------------------------

    async def request_pin(self) -> PinCode:
        """Start the PIN flow: show `user_code` and `verification_url` to the user."""
        response = await self._transport.request("GET", f"{self._api_url}/oauth/pin")
        pin = _parse(PinCode.from_dict, response.data, "GET /oauth/pin")
        self._transport.pin_codes.add(pin.user_code)
        return pin

    async def poll_pin(self, user_code: str) -> PinResult:
        """Check a PIN code; call it every `PinCode.interval` seconds until not pending."""
        # The code links the account until it is used: it never reaches a log line.
        self._transport.pin_codes.add(user_code)
        try:
            response = await self._transport.request(
                "GET", f"{self._api_url}/oauth/pin/{_segment(user_code)}"
            )
        except SimklNotFoundError:
            # Simkl documents a fresh code for unknown codes; a 404 means the same thing.
            return PinExpired()
        return parse_pin_result(response.data)

    async def get_user_settings(self) -> UserSettings:
        """Fetch the token owner's profile; refetch only when `settings_all` moves."""
        response = await self._transport.request("POST", f"{self._api_url}/users/settings")
        return _parse(UserSettings.from_dict, response.data, "POST /users/settings")

    async def get_user_stats(self, user_id: int) -> UserStats:
        """Fetch watch statistics; Simkl computes them live, so only call on demand."""
        response = await self._transport.request(
            "POST", f"{self._api_url}/users/{_segment(user_id)}/stats"
        )
        return UserStats.from_dict(response.data)

    # --- sync reads -------------------------------------------------------------------------

    async def get_activities(self) -> Activities:
        """Fetch the last-change timestamps that gate every other sync read."""
        response = await self._transport.request("GET", f"{self._api_url}/sync/activities")
        return _parse(Activities.from_dict, response.data, "GET /sync/activities")

    async def get_all_items(
        self,
        media_type: MediaType | None = None,
        status: ListStatus | None = None,
        *,
        date_from: datetime | None = None,
        extended: Extended | None = None,
        episode_watched_at: bool = False,
        next_watch_info: bool = False,
    ) -> AllItems:
        """Fetch library items, optionally of one section and list, changed after `date_from`.

        Without `date_from` this is a full download: Simkl suspends apps that poll it
        without gating on `get_activities()`.
        """
        path = "/sync/all-items"
        if media_type is not None:
            path += f"/{media_type}"
        if status is not None:
            if media_type is None:
                msg = "a status filter needs a media type"
                raise ValueError(msg)
            path += f"/{status}"
        params: dict[str, str] = {}
        if date_from is not None:
            params["date_from"] = format_datetime(date_from)
        if extended is not None:
            params["extended"] = str(extended)
        if episode_watched_at:
            params["episode_watched_at"] = "yes"
        if next_watch_info:
            params["next_watch_info"] = "yes"
        return await self._get_sections(path, media_type, params)

    async def get_playback(
        self,
        kind: Literal["episodes", "movies"] | None = None,
        *,
        date_from: datetime | None = None,
    ) -> list[PlaybackSession]:
        """Fetch paused playbacks, newest first."""
        path = "/sync/playback" + (f"/{kind}" if kind is not None else "")
        params = {"date_from": format_datetime(date_from)} if date_from is not None else None
        response = await self._transport.request("GET", f"{self._api_url}{path}", params=params)
        data = response.data
        if data is None or data == {}:
            return []
        sessions = parse_list(PlaybackSession.from_dict, data)
        if not isinstance(data, list) or len(sessions) != len(data):
            # Replacing the paused sessions with a list missing some would drop those.
            msg = f"Unexpected answer from Simkl (GET {path}): not a list of sessions"
            raise SimklConnectionError(msg)
        return sessions

    async def delete_playback(self, playback_id: int) -> None:
        """Delete a paused playback; raises SimklNotFoundError when it does not exist."""
        await self._transport.request(
            "DELETE",
            f"{self._api_url}/sync/playback/{_segment(playback_id)}",
            expect_json=False,
        )

    async def get_ratings(
        self,
        media_type: MediaType | None = None,
        ratings: Sequence[int] = (),
        *,
        date_from: datetime | None = None,
    ) -> AllItems:
        """Fetch rated items, optionally of one section and only the given ratings."""
        path = "/sync/ratings"
        if media_type is not None:
            path += f"/{media_type}"
        if ratings:
            if media_type is None:
                msg = "a ratings filter needs a media type"
                raise ValueError(msg)
            path += "/" + ",".join(str(rating) for rating in ratings)
        params = {"date_from": format_datetime(date_from)} if date_from is not None else None
        return await self._get_sections(path, media_type, params)

    # --- sync writes (never retried here) -----------------------------------------------------

    async def add_to_history(self, request: SyncRequest) -> SyncResult:
        """Mark movies, shows, seasons or episodes as watched."""
        return await self._sync_write("/sync/history", request)

    async def remove_from_history(self, request: SyncRequest) -> SyncResult:
        """Unmark watched items; a show without seasons leaves the lists altogether."""
        return await self._sync_write("/sync/history/remove", request)

    async def add_ratings(self, request: SyncRequest) -> SyncResult:
        """Rate titles (1-10); unlisted titles get filed in a list by Simkl."""
        return await self._sync_write("/sync/ratings", request)

    async def remove_ratings(self, request: SyncRequest) -> SyncResult:
        """Remove the ratings of titles."""
        return await self._sync_write("/sync/ratings/remove", request)

    async def add_to_list(self, request: SyncRequest) -> SyncResult:
        """Move titles to the list named by each item's `to`."""
        return await self._sync_write("/sync/add-to-list", request)

    async def check_watched(
        self, items: Sequence[WatchedQuery], *, extended: str | None = None
    ) -> list[WatchedCheck]:
        """Ask which items are watched (at most 100 items when `extended` is used)."""
        params = {"extended": extended} if extended is not None else None
        response = await self._transport.request(
            "POST",
            f"{self._api_url}/sync/watched",
            params=params,
            body=[item.to_dict() for item in items],
        )
        return parse_list(WatchedCheck.from_dict, response.data)

    async def scrobble(self, action: ScrobbleAction, request: ScrobbleRequest) -> ScrobbleResult:
        """Report a real player event; raises SimklConflictError when already scrobbled."""
        response = await self._transport.request(
            "POST", f"{self._api_url}/scrobble/{action}", body=request.to_dict(), lenient=True
        )
        return ScrobbleResult.from_dict(response.data)

    # --- search and catalog -----------------------------------------------------------------

    async def search_text(
        self,
        media_type: MediaType,
        query: str,
        *,
        page: int = 1,
        limit: int = 10,
        extended: str | None = None,
    ) -> list[SearchResult]:
        """Search titles by text; `extended="full"` adds status and episode counts."""
        params = {"q": query, "page": str(page), "limit": str(limit)}
        if extended is not None:
            params["extended"] = extended
        response = await self._transport.request(
            "GET", f"{self._api_url}/search/{media_type.search_kind}", params=params
        )
        return parse_list(lambda entry: SearchResult.of_search(entry, media_type), response.data)

    async def search_id(
        self, ids: Mapping[str, str | int], *, media_type: MediaType | None = None
    ) -> list[SearchResult]:
        """Look titles up by external ids; `media_type` disambiguates TMDB ids."""
        params = {key: str(value) for key, value in ids.items()}
        if media_type is not None:
            params["type"] = media_type.id_lookup_kind
        response = await self._transport.request("GET", f"{self._api_url}/search/id", params=params)
        data = response.data
        return parse_list(SearchResult.from_dict, [data] if isinstance(data, dict) else data)

    async def search_file(self, file: str, *, part: int | None = None) -> FileMatch:
        """Recognise a file name; only for the file the user is playing right now."""
        body: dict[str, Any] = {"file": file}
        if part is not None:
            body["part"] = part
        response = await self._transport.request("POST", f"{self._api_url}/search/file", body=body)
        return FileMatch.from_dict(response.data)

    async def get_summary(self, media_type: MediaType, simkl_id: int | str) -> MediaSummary:
        """Fetch the catalog record of a title (Simkl id, or IMDb id for shows)."""
        response = await self._transport.request(
            "GET",
            f"{self._api_url}/{media_type.web_path}/{_segment(simkl_id)}",
            # A no-op on the current API; older deployments return a stub without it.
            params={"extended": "full"},
        )
        return MediaSummary.from_dict(response.data)

    async def get_episodes(self, media_type: MediaType, simkl_id: int) -> list[EpisodeInfo]:
        """Fetch the episode list of a show or anime, with air dates and aired flags."""
        if media_type is MediaType.MOVIES:
            msg = "movies have no episodes"
            raise ValueError(msg)
        response = await self._transport.request(
            "GET", f"{self._api_url}/{media_type.web_path}/episodes/{_segment(simkl_id)}"
        )
        return parse_list(EpisodeInfo.from_dict, response.data)

    async def get_calendar(
        self,
        media_type: MediaType,
        *,
        year: int | None = None,
        month: int | None = None,
        if_modified_since: str | None = None,
    ) -> CalendarFile | CalendarNotModified:
        """Fetch the rolling calendar file, or a monthly archive when `year`/`month` are given.

        Pass the previous `CalendarFile.last_modified` as `if_modified_since` to get
        `CalendarNotModified` instead of an unchanged file.
        """
        if (year is None) != (month is None):
            msg = "year and month must be given together"
            raise ValueError(msg)
        name = media_type.calendar_file
        path = f"/calendar/{name}.json" if year is None else f"/calendar/{year}/{month}/{name}.json"
        try:
            response = await self._transport.request(
                "GET",
                f"{self._data_url}{path}",
                headers={"If-Modified-Since": if_modified_since} if if_modified_since else None,
                # The CDN serves public files; the user's token has no business there.
                send_token=False,
                not_modified_ok=True,
                read=CalendarFile.read,
            )
        except SimklAuthenticationError as err:
            # No token was sent, so a 401 (a misconfigured CDN) says nothing about it.
            raise SimklClientError(str(err), status=err.status, error_id=err.error_id) from None
        except (ValueError, MissingField) as err:
            raise _unexpected(f"GET {path}", err) from err
        if response.status == 304:
            return CalendarNotModified()
        file: CalendarFile = response.data
        return replace(file, last_modified=response.last_modified)

    async def _get_sections(
        self, path: str, media_type: MediaType | None, params: dict[str, str] | None
    ) -> AllItems:
        """Fetch a sections answer (all-items, ratings), read one item at a time."""
        try:
            response = await self._transport.request(
                "GET",
                f"{self._api_url}{path}",
                params=params,
                read=partial(AllItems.read, media_type=media_type),
            )
        except (ValueError, MissingField) as err:
            raise _unexpected(f"GET {path}", err) from err
        items: AllItems = response.data
        return items

    async def _sync_write(self, path: str, request: SyncRequest) -> SyncResult:
        response = await self._transport.request(
            "POST", f"{self._api_url}{path}", body=request.to_dict(), lenient=True
        )
        return SyncResult.from_dict(response.data)


def _parse[T](parser: Callable[[Any], T], data: Any, what: str) -> T:
    """Read an answer the caller cannot do without; an unusable one is a failure."""
    try:
        return parser(data)
    except (ValueError, MissingField) as err:
        raise _unexpected(what, err) from err


def _unexpected(what: str, err: ValueError | MissingField) -> SimklConnectionError:
    return SimklConnectionError(f"Unexpected answer from Simkl ({what}): {err}")
