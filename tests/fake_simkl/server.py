"""HTTP layer of the fake Simkl API: a real aiohttp server on a local socket.

Every request is logged first (``fake.requests``), then injected faults apply, then the
checks Simkl makes: a known client id (412), a valid token on user endpoints (401) and the
per-second request caps (429). Calendar files, images and the PIN approval page stand for
the CDN and simkl.com, which do not ask for a client id and are not rate limited.
"""

import asyncio
from typing import Self

from aiohttp import web

from .admin import AdminControls
from .base import DEFAULT_CLIENT_ID, Handler, ServerBase
from .protocol import FaultKind, LoggedRequest, Route
from .routes.auth import AuthRoutes
from .routes.calendar import CalendarRoutes
from .routes.scrobble import ScrobbleRoutes
from .routes.search import SearchRoutes
from .routes.sync import SyncRoutes

__all__ = ["DEFAULT_CLIENT_ID", "FakeSimkl", "FaultKind", "LoggedRequest", "ServerBase"]


class FakeSimkl(
    AdminControls, AuthRoutes, SyncRoutes, ScrobbleRoutes, SearchRoutes, CalendarRoutes
):
    """A stateful fake of the Simkl API (and its calendar CDN) for tests and demos."""

    # --- Lifecycle ---------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (port 0 picks a free one; see `url`)."""
        if self._runner is not None:
            msg = "the fake Simkl server is already running"
            raise RuntimeError(msg)
        # New events each time: an event binds to the loop that first waits on it.
        self._stopping = asyncio.Event()
        self._release = asyncio.Event()
        runner = web.AppRunner(self._make_app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        bound_port = runner.addresses[0][1]
        self._url = f"http://{f'[{host}]' if ':' in host else host}:{bound_port}"

    async def stop(self) -> None:
        """Stop listening; requests still waiting on a DELAY fault are answered first."""
        self._stopping.set()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        """Start on a free local port."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop."""
        await self.stop()

    @property
    def url(self) -> str:
        """Return the API's base URL, e.g. ``http://127.0.0.1:41234``.

        It stays set after `stop`, naming a closed port: a way to test an unreachable server.
        """
        if self._url is None:
            msg = "the fake Simkl server is not running"
            raise RuntimeError(msg)
        return self._url

    @property
    def data_url(self) -> str:
        """Return the base URL of the calendar files (the same server)."""
        return self.url

    # --- Application -------------------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        self._routes.clear()
        user = Route(auth="required")
        public = Route()
        cdn = Route(client_id=False)
        table: list[tuple[str, str, Handler, Route]] = [
            ("GET", "/oauth/pin", self._pin_request, public),
            ("GET", "/oauth/pin/{code}", self._pin_poll, public),
            ("GET", "/pin", self._pin_page, cdn),
            ("GET", "/pin/{code}", self._pin_page, cdn),
            ("POST", "/pin", self._pin_approve, cdn),
            ("GET", "/sync/activities", self._activities, user),
            ("POST", "/sync/activities", self._activities, user),
            ("GET", "/sync/all-items", self._all_items, user),
            ("GET", "/sync/all-items/{type}", self._all_items, user),
            ("GET", "/sync/all-items/{type}/{status}", self._all_items, user),
            ("GET", "/sync/playback", self._playback_list, user),
            ("GET", "/sync/playback/{type}", self._playback_list, user),
            ("DELETE", "/sync/playback/{id}", self._playback_delete, user),
            ("POST", "/sync/ratings/remove", self._ratings_remove, user),
            ("GET", "/sync/ratings", self._ratings_list, user),
            ("POST", "/sync/ratings", self._ratings_post, user),
            ("GET", "/sync/ratings/{type}", self._ratings_list, user),
            ("POST", "/sync/ratings/{type}", self._ratings_list, user),
            ("GET", "/sync/ratings/{type}/{rating}", self._ratings_list, user),
            ("POST", "/sync/ratings/{type}/{rating}", self._ratings_list, user),
            ("POST", "/sync/history", self._history_add, user),
            ("POST", "/sync/history/remove", self._history_remove, user),
            ("POST", "/sync/add-to-list", self._add_to_list, user),
            ("POST", "/sync/watched", self._watched, user),
            ("POST", "/scrobble/{action}", self._scrobble, user),
            ("GET", "/users/settings", self._settings, user),
            ("POST", "/users/settings", self._settings, user),
            ("GET", "/users/{id}/stats", self._stats, Route(auth="optional")),
            ("POST", "/users/{id}/stats", self._stats, Route(auth="optional")),
            ("GET", "/search/id", self._search_id, public),
            ("POST", "/search/file", self._search_file, public),
            ("GET", "/search/{type}", self._search_text, public),
            ("GET", "/tv/episodes/{id}", self._episodes, public),
            ("GET", "/anime/episodes/{id}", self._episodes, public),
            ("GET", "/tv/{id}", self._summary, public),
            ("GET", "/anime/{id}", self._summary, public),
            ("GET", "/movies/{id}", self._summary, public),
            ("GET", "/calendar/{file}.json", self._calendar, cdn),
            (
                "GET",
                r"/calendar/{year:\d{4}}/{month:[1-9]|1[0-2]}/{file}.json",
                self._calendar,
                cdn,
            ),
            ("GET", "/{kind:posters|fanart|episodes|avatars}/{path:.+}", self._image, cdn),
        ]
        for method, path, handler, spec in table:
            self._routes[app.router.add_route(method, path, handler)] = spec
        return app
