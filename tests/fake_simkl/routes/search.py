"""Search (text, ids, file names) and the title pages (summary, episodes)."""

import re
from typing import TYPE_CHECKING

from aiohttp import web

from tests.fake_simkl import views
from tests.fake_simkl.base import ANIME, ID_KEYS, MOVIES, TYPE_FILTERS, ServerBase
from tests.fake_simkl.protocol import ApiError
from tests.fake_simkl.search import file_match
from tests.fake_simkl.titles import MEDIA_KINDS, CatalogItem, MediaKind

if TYPE_CHECKING:
    pass


_CONTENT_KINDS: dict[str, tuple[MediaKind, ...]] = {
    "tv": ("tv",),
    "anime": ANIME,
    "movies": MOVIES,
}


class SearchRoutes(ServerBase):
    """`/search/...`, `/tv/{id}`, `/anime/{id}`, `/movies/{id}` and their episodes."""

    async def _search_text(self, request: web.Request) -> web.Response:
        kinds: dict[str, MediaKind] = {"tv": "tv", "anime": "anime", "movie": "movie"}
        search_type = request.match_info["type"]
        if search_type not in kinds:
            raise web.HTTPNotFound
        query = request.query.get("q", "").strip()
        if not query:
            raise ApiError(400, "empty_field", "q is required")
        page = int(request.query["page"]) if request.query.get("page", "").isdigit() else 1
        limit = int(request.query["limit"]) if request.query.get("limit", "").isdigit() else 10
        page, limit = max(page, 1), min(max(limit, 1), 50)
        found = self.catalog.search(query, (kinds[search_type],))
        now = self.now()
        full = request.query.get("extended") == "full"
        shown = found[(page - 1) * limit : page * limit]
        headers = {
            "X-Pagination-Page": str(page),
            "X-Pagination-Limit": str(limit),
            "X-Pagination-Page-Count": str(max(1, -(-len(found) // limit))),
            "X-Pagination-Item-Count": str(len(found)),
        }
        return web.json_response(
            [views.search_result(item, now, full=full) for item in shown], headers=headers
        )

    async def _search_id(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        imdb = re.search(r"tt\d+", query.get("imdb", ""))
        if imdb is not None:
            query["imdb"] = imdb.group(0)
        kinds = TYPE_FILTERS.get(query.get("type", ""), MEDIA_KINDS)
        ids = {key: value for key, value in query.items() if key in ID_KEYS}
        year = int(query["year"]) if query.get("year", "").isdigit() else None
        item = self.catalog.find(ids, kinds=kinds, title=query.get("title"), year=year)
        return web.json_response([views.id_lookup_result(item, self.now())] if item else [])

    async def _search_file(self, request: web.Request) -> web.Response:
        body = self._object_body(request)
        path = body.get("file", body.get("File"))
        if not isinstance(path, str) or not path.strip():
            raise ApiError(400, "empty_field", "file is required")
        part = body.get("part", 1)
        match = file_match(self.catalog, path, part if isinstance(part, int) else 1)
        return web.json_response(match if match is not None else [])

    def _content_item(self, request: web.Request) -> CatalogItem:
        kinds = _CONTENT_KINDS[request.path.split("/")[1]]
        raw_id = request.match_info["id"]
        ids = {"simkl": raw_id} if raw_id.isdigit() else {"imdb": raw_id}
        item = self.catalog.find(ids, kinds=kinds)
        if item is None:
            raise ApiError(404, "id_err", "The item could not be found")
        return item

    async def _summary(self, request: web.Request) -> web.Response:
        return web.json_response(views.summary(self._content_item(request), self.now()))

    async def _episodes(self, request: web.Request) -> web.Response:
        return web.json_response(views.episodes(self._content_item(request), self.now()))
