"""Scrobbles: start, pause and stop, the check-in they make and the watch they record."""

from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from tests.fake_simkl.base import Json, ServerBase
from tests.fake_simkl.library import Checkin, Library, iso
from tests.fake_simkl.protocol import ApiError
from tests.fake_simkl.titles import CatalogItem

if TYPE_CHECKING:
    from tests.fake_simkl.library import Change


SCROBBLE_THRESHOLD = 80.0
SCROBBLE_CONFLICT_WINDOW = timedelta(hours=1)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class ScrobbleRoutes(ServerBase):
    """`/scrobble/{action}`."""

    def _scrobble_target(self, body: Json) -> tuple[CatalogItem, tuple[int, int] | None]:
        """Return the item a scrobble body names and its episode (None for movies)."""
        key = next((key for key in ("movie", "show", "anime") if key in body), None)
        if key is None or not isinstance(body[key], dict):
            raise ApiError(400, "empty_field", "The body needs a movie, show or anime")
        item = self._resolve(body[key], key)
        if item is None:
            raise ApiError(404, "id_err", "The item could not be found")
        if item.is_movie:
            return item, None
        episode = body.get("episode")
        if not isinstance(episode, dict):
            if item.total_episodes == 1:
                return item, (1, 1)
            raise ApiError(400, "empty_field", "Shows need an episode")
        number = episode.get("number", episode.get("episode"))
        season = episode.get("season", 1)
        if item.kind == "anime" and len(item.seasons) == 1:
            season = 1
        if not isinstance(number, int) or not isinstance(season, int):
            raise ApiError(400, "wrong_parameter", "Episode season and number are numbers")
        if item.episode(season, number) is None:
            raise ApiError(404, "id_err", "The episode could not be found")
        return item, (season, number)

    def _scrobble_answer(
        self,
        item: CatalogItem,
        target: tuple[int, int] | None,
        *,
        session_id: int,
        action: str,
        progress: float,
    ) -> Json:
        body: Json = {"id": session_id, "action": action, "progress": progress}
        block: Json = {"title": item.title, "year": item.year}
        if item.kind == "anime":
            block["anime_type"] = item.anime_type
        block["ids"] = item.external_ids()
        body["movie" if item.is_movie else "anime" if item.kind == "anime" else "show"] = block
        episode = item.episode(*target) if target is not None else None
        if episode is not None and item.total_episodes > 1:
            body["episode"] = {
                "season": episode.season,
                "number": episode.number,
                "title": episode.title,
                "tvdb_season": episode.season,
                "tvdb_number": episode.number,
            }
        return body

    async def _scrobble(self, request: web.Request) -> web.Response:
        action = request.match_info["action"]
        if action not in {"start", "pause", "stop", "checkin"}:
            raise web.HTTPNotFound
        body = self._object_body(request)
        raw_progress = body.get("progress", 0)
        if not _is_number(raw_progress) or not 0 <= raw_progress <= 100:
            raise ApiError(400, "wrong_parameter", "progress is a number from 0 to 100")
        progress = round(float(raw_progress), 2)
        shown: float = int(progress) if progress.is_integer() else progress
        user = self._user(request)
        library = user.library
        with self._write(user) as change:
            item, target = self._scrobble_target(body)
            season, number = target if target is not None else (None, None)
            if action == "checkin":
                answer_id = self._checkin(library, item, season, number)
                answer = "checkin"
            elif action == "start":
                library.drop_playback(change, item)
                answer_id, answer = 0, "start"
            elif action == "stop" and progress >= SCROBBLE_THRESHOLD:
                self._mark_scrobbled(change, library, item, season, number)
                answer_id, answer = self.state.next_id(), "scrobble"
            else:
                session = library.save_playback(
                    change, item, self.state.next_id(), progress, season=season, number=number
                )
                answer_id, answer = session.id, "pause"
        return web.json_response(
            self._scrobble_answer(
                item, target, session_id=answer_id, action=answer, progress=shown
            ),
            status=201,
        )

    def _checkin(
        self, library: Library, item: CatalogItem, season: int | None, number: int | None
    ) -> int:
        now = self.now()
        current = library.checkins.get(item.simkl_id)
        if current is not None:
            raise ApiError(409, "conflict", body={"expires_at": iso(current.ends_at)})
        checkin = Checkin(
            self.state.next_id(),
            item,
            season,
            number,
            now,
            now + timedelta(minutes=item.runtime),
        )
        library.checkins[item.simkl_id] = checkin
        return checkin.id

    def _mark_scrobbled(
        self,
        change: Change,
        library: Library,
        item: CatalogItem,
        season: int | None,
        number: int | None,
    ) -> None:
        now = self.now()
        key = (item.simkl_id, season, number)
        previous = library.scrobbled.get(key)
        if previous is not None and now - previous < SCROBBLE_CONFLICT_WINDOW:
            raise ApiError(
                409,
                "conflict",
                body={
                    "watched_at": iso(previous),
                    "expires_at": iso(previous + SCROBBLE_CONFLICT_WINDOW),
                },
            )
        if season is None or number is None:
            library.watch_movie(change, item, change.stamp)
        else:
            library.watch_episodes(change, item, [(season, number, change.stamp)])
        library.drop_playback(change, item)
        library.scrobbled[key] = now
