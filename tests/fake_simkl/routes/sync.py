"""The library: activities, all items, playback, ratings, history, lists and watched checks."""

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from aiohttp import web

from tests.fake_simkl import views
from tests.fake_simkl.base import ID_KEYS, TYPE_FILTERS, Json, ServerBase, as_list
from tests.fake_simkl.library import MOVIE_STATUSES, STATUSES, Library, LibraryEntry, Status, iso
from tests.fake_simkl.protocol import ApiError
from tests.fake_simkl.titles import MEDIA_KINDS, CatalogItem, MediaKind

if TYPE_CHECKING:
    from tests.fake_simkl.library import Change


# Path type -> catalogue kinds, for /sync/all-items/{type} and /sync/ratings/{type}.
_LIST_TYPES: dict[str, tuple[MediaKind, ...]] = {
    "shows": ("tv",),
    "anime": ("anime",),
    "movies": ("movie",),
}


class SyncRoutes(ServerBase):
    """`/sync/...`."""

    async def _activities(self, request: web.Request) -> web.Response:
        return web.json_response(self._user(request).library.activities.as_json())

    def _list_kinds(self, request: web.Request) -> tuple[MediaKind, ...]:
        path_type = request.match_info.get("type")
        if path_type is None:
            return MEDIA_KINDS
        if path_type not in _LIST_TYPES:
            raise ApiError(400, "wrong_parameter", f"Unknown type {path_type!r}")
        return _LIST_TYPES[path_type]

    async def _all_items(self, request: web.Request) -> web.Response:
        kinds = self._list_kinds(request)
        status = request.match_info.get("status")
        if status is not None and status not in STATUSES:
            raise ApiError(400, "wrong_parameter", f"Unknown status {status!r}")
        date_from = self._date_query(request, "date_from")
        now = self.now()
        buckets: dict[str, list[Json]] = {}
        for entry in self._user(request).library.entries.values():
            kind = entry.item.kind
            if kind not in kinds or (status is not None and entry.status != status):
                continue
            if date_from is not None and entry.updated_at <= date_from:
                continue
            buckets.setdefault(views.BUCKETS[kind], []).append(
                views.library_item(
                    entry,
                    now,
                    extended=request.query.get("extended"),
                    episode_watched_at=request.query.get("episode_watched_at") == "yes",
                    next_watch_info=request.query.get("next_watch_info") == "yes",
                )
            )
        return web.json_response(buckets or None)

    async def _playback_list(self, request: web.Request) -> web.Response:
        path_type = request.match_info.get("type")
        if path_type not in {None, "episodes", "movies"} and not str(path_type).isdigit():
            raise ApiError(400, "wrong_parameter", f"Unknown type {path_type!r}")
        date_from = self._date_query(request, "date_from")
        date_to = self._date_query(request, "date_to")
        sessions = sorted(
            self._user(request).library.playbacks.values(),
            key=lambda session: (session.paused_at, session.id),
            reverse=True,
        )
        selected = [
            session
            for session in sessions
            if (path_type != "episodes" or session.season is not None)
            and (path_type != "movies" or session.season is None)
            and (date_from is None or session.paused_at > date_from)
            and (date_to is None or session.paused_at <= date_to)
        ]
        limit = request.query.get("limit", "")
        if limit.isdigit():
            selected = selected[: int(limit)]
        return web.json_response([views.playback(session) for session in selected])

    async def _playback_delete(self, request: web.Request) -> web.Response:
        raw_id = request.match_info["id"]
        if not raw_id.isdigit() or int(raw_id) == 0:
            raise ApiError(404, "url_failed", "The playback id is missing or not a number")
        user = self._user(request)
        with self._write(user) as change:
            session = user.library.playback_by_id(int(raw_id))
            if session is None:
                raise ApiError(404, "empty", "No playback session with this id")
            user.library.drop_playback(change, session.item)
        return web.Response(status=204)

    async def _ratings_post(self, request: web.Request) -> web.Response:
        body = self._object_body(request)
        if any(key in body for key in ("movies", "shows", "anime")):
            return await self._ratings_add(request, body)
        return await self._ratings_list(request)

    async def _ratings_list(self, request: web.Request) -> web.Response:
        kinds = self._list_kinds(request)
        wanted: set[int] | None = None
        if "rating" in request.match_info:
            try:
                wanted = {int(part) for part in request.match_info["rating"].split(",")}
            except ValueError:
                raise ApiError(400, "wrong_parameter", "Ratings are numbers 1-10") from None
        date_from = self._date_query(request, "date_from")
        now = self.now()
        buckets: dict[str, list[Json]] = {}
        for entry in self._user(request).library.entries.values():
            if entry.rating is None or entry.item.kind not in kinds:
                continue
            if wanted is not None and entry.rating not in wanted:
                continue
            changed = entry.rating_changed_at
            if date_from is not None and (changed is None or changed <= date_from):
                continue
            bucket = buckets.setdefault(views.BUCKETS[entry.item.kind], [])
            bucket.append(views.library_item(entry, now))
        return web.json_response(buckets or None)

    async def _ratings_add(self, request: web.Request, body: Json) -> web.Response:
        user = self._user(request)
        added: Json = {"movies": 0, "shows": 0, "statuses": []}
        not_found: Json = {"movies": [], "shows": []}
        with self._write(user) as change:
            for bucket, payload, item in self._requested_items(body):
                rating = self._rating(payload.get("rating")) if item else None
                if item is None or rating is None:
                    not_found[bucket].append(payload)
                    continue
                rated_at = self._time_field(payload.get("rated_at"), change.stamp)
                entry = user.library.rate(change, item, rating, rated_at)
                added[bucket] += 1
                added["statuses"].append({"request": payload, "response": {"status": entry.status}})
        return web.json_response({"added": added, "not_found": not_found}, status=201)

    async def _ratings_remove(self, request: web.Request) -> web.Response:
        body = self._object_body(request)
        user = self._user(request)
        deleted = {"movies": 0, "shows": 0}
        not_found: Json = {"movies": [], "shows": []}
        with self._write(user) as change:
            for bucket, payload, item in self._requested_items(body):
                entry = user.library.entries.get(item.simkl_id) if item else None
                if entry is None:
                    not_found[bucket].append(payload)
                elif user.library.unrate(change, entry):
                    deleted[bucket] += 1
        return web.json_response({"deleted": deleted, "not_found": not_found}, status=201)

    def _requested_episodes(
        self, item: CatalogItem, payload: Json, default: datetime, not_found: list[Any]
    ) -> list[tuple[int, int, datetime]] | None:
        """Return the episodes a history item lists, or None when it lists none."""
        seasons = as_list(payload.get("seasons"))
        flat = as_list(payload.get("episodes"))
        if not seasons and not flat:
            return None
        item_time = self._time_field(payload.get("watched_at"), default)
        if flat:
            seasons = [*seasons, {"number": 1, "episodes": flat}]
        found = []
        for season in seasons:
            if not isinstance(season, dict):
                continue
            # Anime (AniDB numbering) has no seasons: its episodes are all in season 1.
            number = season.get("number", 1)
            season_time = self._time_field(season.get("watched_at"), item_time)
            episodes = as_list(season.get("episodes"))
            plan = item.season_plan(number) if isinstance(number, int) else None
            if plan is None:
                not_found.append({"ids": item.external_ids(), "season": number})
                continue
            if not episodes:
                aired = plan.aired_count(self.now())
                found += [(plan.number, episode, season_time) for episode in range(1, aired + 1)]
            for episode in episodes:
                episode_number = episode.get("number") if isinstance(episode, dict) else None
                if (
                    not isinstance(episode_number, int)
                    or item.episode(plan.number, episode_number) is None
                ):
                    not_found.append(
                        {"ids": item.external_ids(), "season": number, "episode": episode}
                    )
                    continue
                at = self._time_field(episode.get("watched_at"), season_time)
                found.append((plan.number, episode_number, at))
        return found

    def _add_show_history(
        self, change: Change, library: Library, item: CatalogItem, payload: Json, not_found: Json
    ) -> tuple[LibraryEntry | None, int]:
        """File a show from ``/sync/history``; return its entry and the episodes marked."""
        episodes = self._requested_episodes(item, payload, change.stamp, not_found["episodes"])
        if episodes is not None:
            if not episodes:
                return library.entries.get(item.simkl_id), 0
            return library.watch_episodes(change, item, episodes), len(episodes)
        moment = self._time_field(payload.get("watched_at"), change.stamp)
        status = payload.get("status")
        if status is not None and status not in STATUSES:
            raise ApiError(400, "wrong_parameter", f"Unknown status {status!r}")
        aired = [(season, number, moment) for season, number in item.aired_keys(self.now())]
        if status not in {None, "completed"}:
            return library.file(change, item, status), 0
        if not aired:
            return library.file(change, item, "watching"), 0
        # An ended show becomes completed; a show still airing stays in watching.
        return library.watch_episodes(change, item, aired), len(aired)

    async def _history_add(self, request: web.Request) -> web.Response:
        body = self._object_body(request)
        user = self._user(request)
        library = user.library
        added: Json = {"movies": 0, "shows": 0, "episodes": 0, "statuses": []}
        not_found: Json = {"movies": [], "shows": [], "episodes": []}
        with self._write(user) as change:
            for bucket, payload, item in self._requested_items(body):
                if item is None:
                    not_found[bucket].append(payload)
                    continue
                entry: LibraryEntry | None
                if item.is_movie or bucket == "movies":
                    moment = self._time_field(payload.get("watched_at"), change.stamp)
                    if item.is_movie:
                        entry = library.watch_movie(change, item, moment)
                    else:
                        entry = library.watch_episodes(change, item, [(1, 1, moment)])
                    added["movies"] += 1
                else:
                    entry, marked = self._add_show_history(
                        change, library, item, payload, not_found
                    )
                    if entry is None:
                        continue
                    added["episodes"] += marked
                    added["shows"] += 1
                rating = self._rating(payload.get("rating"))
                if rating is not None:
                    library.rate(change, item, rating)
                added["statuses"].append(
                    {
                        "request": payload,
                        "response": {
                            "status": entry.status,
                            "simkl_type": views.SIMKL_TYPES[item.kind],
                            "anime_type": item.anime_type,
                        },
                    }
                )
            for payload in as_list(body.get("episodes")):
                found = self._episode_by_ids(payload)
                if found is None:
                    not_found["episodes"].append(payload)
                    continue
                item, season, number = found
                moment = self._time_field(payload.get("watched_at"), change.stamp)
                library.watch_episodes(change, item, [(season, number, moment)])
                added["episodes"] += 1
        return web.json_response({"added": added, "not_found": not_found}, status=201)

    def _episode_by_ids(self, payload: object) -> tuple[CatalogItem, int, int] | None:
        ids = payload.get("ids") if isinstance(payload, dict) else None
        simkl_id = ids.get("simkl") if isinstance(ids, dict) else None
        if not isinstance(simkl_id, int):
            return None
        found = self.catalog.episode_by_id(simkl_id)
        if found is None:
            return None
        item, episode = found
        return item, episode.season, episode.number

    async def _history_remove(self, request: web.Request) -> web.Response:
        body = self._object_body(request)
        user = self._user(request)
        library = user.library
        deleted = {"movies": 0, "shows": 0, "episodes": 0}
        not_found: Json = {"movies": [], "shows": [], "episodes": []}
        with self._write(user) as change:
            for bucket, payload, item in self._requested_items(body):
                entry = library.entries.get(item.simkl_id) if item else None
                if item is None or entry is None:
                    not_found[bucket].append(payload)
                    continue
                episodes = None
                if not item.is_movie:
                    episodes = self._requested_episodes(
                        item, payload, change.stamp, not_found["episodes"]
                    )
                if episodes is None:
                    library.remove(change, item)
                    deleted[bucket] += 1
                else:
                    keys = [(season, number) for season, number, _ in episodes]
                    deleted["episodes"] += library.unwatch_episodes(change, entry, keys)
            for payload in as_list(body.get("episodes")):
                found = self._episode_by_ids(payload)
                entry = library.entries.get(found[0].simkl_id) if found else None
                if found is None or entry is None:
                    not_found["episodes"].append(payload)
                    continue
                deleted["episodes"] += library.unwatch_episodes(change, entry, [found[1:]])
        return web.json_response({"deleted": deleted, "not_found": not_found}, status=201)

    async def _add_to_list(self, request: web.Request) -> web.Response:
        body = self._object_body(request)
        user = self._user(request)
        sections = [s for s in ("movies", "shows", "anime") if isinstance(body.get(s), list)]
        for section in sections:
            for payload in body[section]:
                target = payload.get("to") if isinstance(payload, dict) else None
                if not target:
                    raise ApiError(400, "empty_field", "Every item needs a `to` list")
                if target not in STATUSES:
                    raise ApiError(400, "wrong_parameter", f"Unknown list {target!r}")
        added: Json = {"movies": [], "shows": []}
        not_found: Json = {"movies": [], "shows": []}
        with self._write(user) as change:
            for section in sections:
                for payload in body[section]:
                    item = self._resolve(payload, section)
                    target = cast("Status", payload["to"])
                    if item is None or (
                        item.is_movie and target not in {*MOVIE_STATUSES, "watching"}
                    ):
                        not_found.setdefault(section, []).append({"ids": payload.get("ids")})
                        continue
                    user.library.file(
                        change,
                        item,
                        target,
                        watched_at=self._optional_time(payload.get("watched_at")),
                        added_at=self._optional_time(payload.get("added_at")),
                    )
                    added.setdefault(section, []).append(payload)
        return web.json_response({"added": added, "not_found": not_found}, status=201)

    async def _watched(self, request: web.Request) -> web.Response:
        body = self._body(request)
        if not isinstance(body, list):
            raise ApiError(400, "wrong_parameter", "The body must be a JSON array")
        extended = {part for part in request.query.get("extended", "").split(",") if part}
        if extended and len(body) > 100:
            raise ApiError(400, "wrong_parameter", "At most 100 items with extended")
        library = self._user(request).library
        now = self.now()
        return web.json_response(
            [self._watched_item(library, payload, extended, now) for payload in body]
        )

    def _watched_item(
        self, library: Library, payload: object, extended: set[str], now: datetime
    ) -> Json:
        if not isinstance(payload, dict):
            return {"result": "not_found"}
        ids = payload.get("ids") if isinstance(payload.get("ids"), dict) else None
        ids = ids or {key: payload[key] for key in ID_KEYS if key in payload}
        kinds = TYPE_FILTERS.get(str(payload.get("type")), MEDIA_KINDS)
        title = payload.get("title") if isinstance(payload.get("title"), str) else None
        year = payload.get("year") if isinstance(payload.get("year"), int) else None
        item = self.catalog.find(ids, kinds=kinds, title=title, year=year)
        if item is None:
            return payload | {"result": "not_found"}
        entry = library.entries.get(item.simkl_id)
        season, episode = payload.get("season"), payload.get("episode")
        result: Json = dict(payload)
        if item.is_movie:
            watched = entry is not None and entry.movie_watched_at is not None
            last = entry.movie_watched_at if entry else None
        elif isinstance(episode, int):
            key = (season if isinstance(season, int) and item.kind == "tv" else 1, episode)
            last = entry.watched.get(key) if entry else None
            watched = last is not None
        else:
            watched = entry is not None and entry.all_aired_watched(now)
            last = entry.last_watched_at if entry else None
        result |= {
            "result": watched,
            "list": entry.status if entry else None,
            "last_watched_at": iso(last),
        }
        if not item.is_movie and "counters" in extended:
            aired = item.aired_count(now)
            result |= {
                "episodes_total": item.total_episodes,
                "episodes_aired": aired,
                "episodes_to_be_aired": item.total_episodes - aired,
                "episodes_watched": len(entry.watched) if entry else 0,
            }
        if not item.is_movie and "episodes" in extended:
            watched_keys = entry.watched if entry else {}
            result["seasons"] = [
                {
                    "number": plan.number,
                    "episodes": [
                        {
                            "number": number,
                            "watched": (plan.number, number) in watched_keys,
                            "aired": plan.air_time(number) <= now,
                            "last_watched_at": iso(watched_keys.get((plan.number, number))),
                        }
                        for number in range(1, plan.episode_count + 1)
                    ],
                }
                for plan in item.seasons
            ]
        return result
