"""Tests of the fake Simkl API, driven over real HTTP."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
import json
from pathlib import Path
import sys
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from tests.fake_simkl import DEFAULT_CLIENT_ID, Catalog, FakeSimkl, FakeUser, FaultKind

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory

START = datetime(2026, 5, 13, 16, 8, 0, tzinfo=UTC)
SEVERANCE = 1186633
LAST_OF_US = 1447581
BREAKING_BAD = 11121
FRIEREN = 2133914
ONE_PIECE = 38636
INCEPTION = 475479
INTERSTELLAR = 465519
PROJECT_HAIL_MARY = 2134550

type StartFake = Callable[..., Awaitable[FakeSimkl]]


@dataclass
class Reply:
    """A response, read completely."""

    status: int
    body: Any
    headers: Any
    raw: bytes


@dataclass
class Api:
    """A minimal Simkl client: client id and app identification on every call."""

    session: aiohttp.ClientSession
    base: str
    token: str | None = None
    client_id: str | None = DEFAULT_CLIENT_ID

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        query = {"app-name": "simkl-tests", "app-version": "1.0"}
        if self.client_id is not None:
            query["client_id"] = self.client_id
        sent_headers = {"User-Agent": "simkl-tests/1.0"} | (headers or {})
        if self.token is not None:
            sent_headers["Authorization"] = f"Bearer {self.token}"
        async with self.session.request(
            method, self.base + path, params=query | (params or {}), json=body, headers=sent_headers
        ) as response:
            raw = await response.read()
            body = json.loads(raw) if raw and response.content_type == "application/json" else None
            return Reply(response.status, body, response.headers, raw)

    async def get(self, path: str, **params: str) -> Reply:
        return await self.call("GET", path, params=params)

    async def post(self, path: str, body: Any = None, **params: str) -> Reply:
        return await self.call("POST", path, body, params=params)


@pytest.fixture
async def start_fake(socket_enabled: None) -> AsyncIterator[StartFake]:
    """Start fakes (no write lock, no GET cap unless asked) and stop them after the test."""
    started: list[FakeSimkl] = []

    async def start(**options: Any) -> FakeSimkl:
        options.setdefault("write_lock_seconds", 0)
        options.setdefault("max_gets_per_second", None)
        fake = FakeSimkl(**options)
        await fake.start()
        started.append(fake)
        return fake

    yield start
    for fake in started:
        await fake.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Return an HTTP client session."""
    async with aiohttp.ClientSession() as client:
        yield client


async def user_api(
    fake: FakeSimkl, session: aiohttp.ClientSession, name: str = "alice"
) -> tuple[FakeUser, Api]:
    user = fake.add_user(name)
    return user, Api(session, fake.url, fake.issue_token(user))


def flatten(activities: dict[str, Any]) -> dict[str, Any]:
    """Return activities as ``{"all": ..., "tv_shows.watching": ...}``."""
    flat = {"all": activities["all"]}
    for section, keys in activities.items():
        if isinstance(keys, dict):
            flat |= {f"{section}.{key}": value for key, value in keys.items()}
    return flat


def moved(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    """Return the activity keys that changed."""
    old, new = flatten(before), flatten(after)
    return {key for key in new if new[key] != old[key]}


# --- Enforcement -----------------------------------------------------------------------------


async def test_client_id_and_token_are_enforced(
    start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake()
    user, api = await user_api(fake, session)

    missing = await Api(session, fake.url, api.token, client_id=None).get("/sync/activities")
    assert missing.status == 412
    assert missing.body["error"] == "client_id_failed"
    assert missing.body["code"] == 412
    unknown = await Api(session, fake.url, api.token, client_id="nope").get("/search/tv", q="x")
    assert unknown.status == 412

    header_only = Api(session, fake.url, api.token, client_id=None)
    reply = await header_only.call(
        "GET", "/sync/activities", headers={"simkl-api-key": DEFAULT_CLIENT_ID}
    )
    assert reply.status == 200

    anonymous = Api(session, fake.url)
    for path in ("/sync/activities", "/sync/all-items", "/users/settings"):
        reply = await anonymous.get(path)
        assert reply.status == 401
        assert reply.body["error"] == "user_token_failed"
    assert (await anonymous.post("/scrobble/start", {"movie": {"ids": {"simkl": 1}}})).status == 401
    assert (await anonymous.get("/search/movie", q="inception")).status == 200
    assert (await Api(session, fake.url, client_id=None).get("/calendar/tv.json")).status == 200

    fake.revoke_token(api.token or "")
    assert (await api.get("/sync/activities")).status == 401
    api.token = fake.issue_token(user)
    assert (await api.get("/sync/activities")).status == 200

    assert fake.request_paths()[:3] == [
        "GET /sync/activities",
        "GET /search/tv",
        "GET /sync/activities",
    ]
    assert fake.requests[0].query["app-name"] == "simkl-tests"
    assert fake.requests[0].headers["user-agent"] == "simkl-tests/1.0"
    assert fake.requests[0].headers["User-Agent"] == "simkl-tests/1.0"
    fake.clear_requests()
    assert fake.requests == []


async def test_gets_over_the_cap_answer_429_per_token(
    freezer: FrozenDateTimeFactory, start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake(max_gets_per_second=3)
    _, api = await user_api(fake, session)
    _, other = await user_api(fake, session, "bob")

    statuses = [(await api.get("/sync/activities")).status for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert (await api.get("/sync/activities")).body["error"] == "too_many_requests"
    assert (await other.get("/sync/activities")).status == 200
    anonymous = Api(session, fake.url)
    assert [(await anonymous.get("/search/tv", q="a")).status for _ in range(4)][-1] == 429

    freezer.tick(timedelta(seconds=1))
    assert (await api.get("/sync/activities")).status == 200
    assert (await api.post("/sync/activities")).status == 200


async def test_posts_over_the_cap_answer_429_when_capped(
    freezer: FrozenDateTimeFactory, start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake(max_posts_per_second=1)
    _, api = await user_api(fake, session)
    assert (await api.post("/users/settings")).status == 200
    assert (await api.post("/users/settings")).status == 429
    assert (await api.get("/sync/activities")).status == 200
    freezer.tick(timedelta(milliseconds=1001))
    assert (await api.post("/users/settings")).status == 200


async def test_context_manager_starts_and_stops(socket_enabled: None) -> None:
    fake = FakeSimkl()
    with pytest.raises(RuntimeError, match="not running"):
        _ = fake.url
    async with fake, aiohttp.ClientSession() as session:
        assert fake.data_url == fake.url
        reply = await Api(session, fake.url).get("/search/movie", q="matrix")
        assert reply.body[0]["title"] == "The Matrix"
        logged = fake.requests[0].headers
        assert "USER-AGENT" in logged
        assert logged.get("Content-Type") is None
        assert logged.get("User-Agent") == "simkl-tests/1.0"
        with pytest.raises(RuntimeError, match="already running"):
            await fake.start()
        url = fake.url
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await Api(session, url).get("/search/movie", q="matrix")


def test_library_controls_validate_their_input() -> None:
    fake = FakeSimkl(now=lambda: START)
    user = fake.add_user()
    with pytest.raises(ValueError, match="no episodes"):
        fake.watch_episodes(user, SEVERANCE, 1, [10])
    with pytest.raises(ValueError, match="1 to 10"):
        fake.rate(user, INCEPTION, 0)
    with pytest.raises(ValueError, match="cannot be in 'hold'"):
        fake.set_status(user, INCEPTION, "hold")
    with pytest.raises(KeyError):
        fake.set_status(user, 1, "watching")
    with pytest.raises(ValueError, match="taken"):
        fake.add_user("again", account_id=user.account_id)
    assert fake.set_status(user, INCEPTION, "watching").status == "completed"
    assert fake.library(user).activities.as_json()["all"] == "2026-05-13T16:08:00Z"


# --- Faults ----------------------------------------------------------------------------------


async def test_status_fault_answers_the_error_body(
    start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake()
    _, api = await user_api(fake, session)
    fake.inject_fault("/sync/activities", FaultKind.STATUS, status=503)
    fake.inject_fault("/sync/all-items", FaultKind.STATUS, status=400, error="wrong_parameter")
    fake.inject_fault("/sync", FaultKind.STATUS, status=500, body={"oops": True}, method="post")

    reply = await api.get("/sync/activities")
    assert (reply.status, reply.body) == (503, {"error": "service_unavailable", "code": 503})
    assert (await api.get("/sync/activities")).status == 200
    reply = await api.get("/sync/all-items/shows")
    assert (reply.status, reply.body) == (400, {"error": "wrong_parameter", "code": 400})
    assert (await api.get("/sync/playback")).status == 200
    reply = await api.post("/sync/activities")
    assert (reply.status, reply.body) == (500, {"oops": True})


async def test_fault_count_and_clearing(
    start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake()
    _, api = await user_api(fake, session)
    fake.inject_fault("/sync/activities", FaultKind.STATUS, count=2, status=502)
    statuses = [(await api.get("/sync/activities")).status for _ in range(3)]
    assert statuses == [502, 502, 200]
    fake.inject_fault("/sync/activities", FaultKind.STATUS, count=None, status=500)
    assert [(await api.get("/sync/activities")).status for _ in range(3)] == [500] * 3
    fake.clear_faults()
    assert (await api.get("/sync/activities")).status == 200


async def test_malformed_and_empty_faults(
    start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake()
    _, api = await user_api(fake, session)
    fake.inject_fault("/sync/activities", FaultKind.MALFORMED)
    fake.inject_fault("/sync/activities", FaultKind.EMPTY)
    url = f"{fake.url}/sync/activities?client_id={DEFAULT_CLIENT_ID}"
    headers = {"Authorization": f"Bearer {api.token}"}

    async with session.get(url, headers=headers) as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        with pytest.raises(ValueError, match="Expecting value"):
            json.loads(await response.read())
    async with session.get(url, headers=headers) as response:
        assert response.status == 200
        assert await response.read() == b""
    assert (await api.get("/sync/activities")).body["all"] is None


async def test_reset_fault_drops_the_connection(
    start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake()
    api = Api(session, fake.url)
    # aiohttp sends an idempotent request again, once, when the connection drops.
    fake.inject_fault("/search", FaultKind.RESET, count=2)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.get("/search/tv", q="office")
    assert (await api.get("/search/tv", q="office")).status == 200
    fake.inject_fault("/search/file", FaultKind.RESET, method="POST")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.post("/search/file", {"file": "Inception (2010).mkv"})
    assert fake.request_paths() == ["GET /search/tv"] * 3 + ["POST /search/file"]


async def test_delay_fault_waits_then_answers(
    start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake()
    api = Api(session, fake.url)
    fake.inject_fault("/search/tv", FaultKind.DELAY, delay=0.2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    reply = await api.get("/search/tv", q="office")
    assert loop.time() - started >= 0.2
    assert reply.status == 200
    assert reply.body[0]["title"] == "The Office"


async def test_stop_ends_a_pending_delay(
    start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake()
    api = Api(session, fake.url)
    fake.inject_fault("/search/tv", FaultKind.DELAY, delay=3600)
    pending = asyncio.create_task(api.get("/search/tv", q="office"))
    done, _ = await asyncio.wait({pending}, timeout=0.3)
    assert not done
    assert fake.request_paths() == ["GET /search/tv"]
    await asyncio.wait_for(fake.stop(), 10)
    reply = await asyncio.wait_for(pending, 10)
    assert reply.status == 200


async def test_a_slow_answer_comes_after_the_write_was_handled(
    start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    """SLOW_ANSWER handles the write at once and holds its answer until released."""
    fake = await start_fake()
    user, api = await user_api(fake, session)
    fake.inject_fault("/sync/history", FaultKind.SLOW_ANSWER, delay=3600)
    answer = asyncio.create_task(
        api.post("/sync/history", {"movies": [{"ids": {"simkl": INCEPTION}}]})
    )
    done, _ = await asyncio.wait({answer}, timeout=0.2)

    assert not done
    assert fake.library(user).entries[INCEPTION].movie_watched_at is not None
    fake.release_delayed()
    assert (await asyncio.wait_for(answer, 10)).status == 201
    assert [request.path for request in fake.applied] == ["/sync/history"]


@pytest.mark.parametrize("status", [200, 403, 503])
async def test_html_fault_answers_a_proxy_page(
    start_fake: StartFake, session: aiohttp.ClientSession, status: int
) -> None:
    fake = await start_fake()
    _, api = await user_api(fake, session)
    fake.inject_fault("/sync/history", FaultKind.HTML, status=status, headers={"Retry-After": "7"})
    reply = await api.post("/sync/history", {})
    assert reply.status == status
    assert reply.headers["Retry-After"] == "7"
    assert reply.raw.startswith(b"<html>")


async def test_status_fault_sends_its_headers(
    start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake()
    _, api = await user_api(fake, session)
    fake.inject_fault("/sync/history", FaultKind.STATUS, status=429, headers={"Retry-After": "3"})
    reply = await api.post("/sync/history", {})
    assert (reply.status, reply.headers["Retry-After"]) == (429, "3")


# --- PIN flow --------------------------------------------------------------------------------


async def test_pin_lifecycle(
    freezer: FrozenDateTimeFactory, start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake(pin_interval=3, pin_expires_in=600)
    api = Api(session, fake.url)
    step1 = (await api.get("/oauth/pin")).body
    code = step1["user_code"]
    assert step1 == {
        "result": "OK",
        "device_code": "DEVICE_CODE",
        "user_code": code,
        "verification_uri": "https://simkl.com/pin",
        "verification_url": "https://simkl.com/pin",
        "expires_in": 600,
        "interval": 3,
    }
    assert fake.pending_pins == [code]
    pending = (await api.get(f"/oauth/pin/{code}")).body
    assert pending == {"result": "KO", "message": "Authorization pending"}

    user = fake.add_user("carol")
    fake.approve_pin(code, user)
    assert fake.pending_pins == []
    approved = (await api.get(f"/oauth/pin/{code}")).body
    assert approved["result"] == "OK"
    assert set(approved) == {"result", "access_token"}
    settings = await Api(session, fake.url, approved["access_token"]).post("/users/settings")
    assert settings.body["user"]["name"] == "carol"

    consumed = (await api.get(f"/oauth/pin/{code}")).body
    assert consumed["device_code"] == "DEVICE_CODE"
    assert consumed["user_code"] != code

    expiring = consumed["user_code"]
    freezer.tick(timedelta(seconds=599))
    assert (await api.get(f"/oauth/pin/{expiring}")).body["result"] == "KO"
    freezer.tick(timedelta(seconds=1))
    expired = (await api.get(f"/oauth/pin/{expiring}")).body
    assert "device_code" in expired
    assert expired["user_code"] not in {expiring, code}
    with pytest.raises(KeyError):
        fake.approve_pin(expiring, user)
    assert "device_code" in (await api.get("/oauth/pin/UNKNOWN")).body


async def test_pin_approves_itself_in_demo_mode(
    freezer: FrozenDateTimeFactory, start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake(auto_approve_after=5)
    demo = fake.add_user("demo")
    fake.seed_demo_library(demo)
    api = Api(session, fake.url)
    code = (await api.get("/oauth/pin")).body["user_code"]
    freezer.tick(timedelta(seconds=4))
    assert (await api.get(f"/oauth/pin/{code}")).body["result"] == "KO"
    freezer.tick(timedelta(seconds=1))
    token = (await api.get(f"/oauth/pin/{code}")).body["access_token"]
    items = (await Api(session, fake.url, token).get("/sync/all-items")).body
    assert {"shows", "anime", "movies"} <= set(items)


async def test_pin_page_approves_for_the_demo_user(
    start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake(verification_uri="http://fake/pin")
    api = Api(session, fake.url)
    step1 = (await api.get("/oauth/pin")).body
    assert step1["verification_uri"] == "http://fake/pin"
    code = step1["user_code"]
    async with session.get(f"{fake.url}/pin/{code}") as page:
        assert page.status == 200
        assert f'value="{code}"' in await page.text()
    async with session.post(f"{fake.url}/pin", data={"code": "NOPE0"}) as rejected:
        assert rejected.status == 404
    async with session.post(f"{fake.url}/pin", data={"code": code.lower()}) as approved:
        assert approved.status == 200
    token = (await api.get(f"/oauth/pin/{code}")).body["access_token"]
    settings = (await Api(session, fake.url, token).post("/users/settings")).body
    assert settings["user"]["name"] == "demo"


# --- Activities and incremental sync ---------------------------------------------------------


async def test_activities_start_null_with_the_documented_shape(
    start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake()
    _, api = await user_api(fake, session)
    body = (await api.get("/sync/activities")).body
    show_keys = {
        "all", "rated_at", "playback", "plantowatch", "watching", "completed", "hold",
        "dropped", "removed_from_list",
    }  # fmt: skip
    assert body["all"] is None
    assert body["settings"] == {"all": None}
    assert set(body["tv_shows"]) == show_keys
    assert set(body["anime"]) == show_keys
    assert set(body["movies"]) == show_keys - {"watching", "hold"}
    assert all(value is None for section in ("tv_shows", "anime", "movies")
               for value in body[section].values())  # fmt: skip
    assert (await api.get("/sync/all-items")).body is None
    assert (await api.get("/sync/playback")).body == []


async def test_activities_move_per_change_kind(
    freezer: FrozenDateTimeFactory, start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    freezer.move_to(START)
    fake = await start_fake()
    user, api = await user_api(fake, session)
    inception = {"ids": {"imdb": "tt1375666"}}
    severance = {"ids": {"simkl": SEVERANCE}}
    frieren = {"ids": {"mal": 52991}}

    async def change(action: Callable[[], Awaitable[Any]], expected: set[str]) -> str:
        before = (await api.get("/sync/activities")).body
        await action()
        after = (await api.get("/sync/activities")).body
        assert moved(before, after) == expected
        assert {flatten(after)[key] for key in expected} == {after["all"]}
        return str(after["all"])

    async def post(path: str, body: Any) -> None:
        reply = await api.post(path, body)
        assert reply.status in {201, 204}, reply.body

    async def delete_playback() -> None:
        playback_id = (await api.get("/sync/playback")).body[0]["id"]
        assert (await api.call("DELETE", f"/sync/playback/{playback_id}")).status == 204

    async def settings() -> None:
        fake.set_settings(user, timezone="Europe/Lisbon")

    steps: list[tuple[Callable[[], Awaitable[Any]], set[str]]] = [
        (
            lambda: post("/sync/add-to-list", {"movies": [inception | {"to": "plantowatch"}]}),
            {"all", "movies.all", "movies.plantowatch"},
        ),
        (
            lambda: post("/sync/add-to-list", {"movies": [inception | {"to": "watching"}]}),
            {"all", "movies.all", "movies.completed"},
        ),
        (
            lambda: post(
                "/sync/history",
                {"shows": [severance | {"seasons": [{"number": 1, "episodes": [{"number": 1}]}]}]},
            ),
            {"all", "tv_shows.all", "tv_shows.watching"},
        ),
        (
            lambda: post("/sync/ratings", {"shows": [severance | {"rating": 8}]}),
            {"all", "tv_shows.all", "tv_shows.rated_at"},
        ),
        (
            lambda: post("/sync/ratings", {"anime": [frieren | {"rating": 10}]}),
            {"all", "anime.all", "anime.rated_at", "anime.watching"},
        ),
        (
            lambda: post("/scrobble/pause", {"progress": 30, "movie": {"ids": {"tmdb": 157336}}}),
            {"all", "movies.all", "movies.playback"},
        ),
        (delete_playback, {"all", "movies.all", "movies.playback"}),
        (
            lambda: post("/sync/history/remove", {"shows": [severance]}),
            {"all", "tv_shows.all", "tv_shows.removed_from_list", "tv_shows.rated_at"},
        ),
        (settings, {"all", "settings.all"}),
        (
            lambda: post("/sync/ratings/remove", {"anime": [frieren]}),
            {"all", "anime.all", "anime.rated_at"},
        ),
        (
            lambda: post(
                "/scrobble/stop",
                {
                    "progress": 95,
                    "show": {"ids": {"simkl": LAST_OF_US}},
                    "episode": {"season": 1, "number": 1},
                },
            ),
            {"all", "tv_shows.all", "tv_shows.watching"},
        ),
    ]
    stamps = [await change(action, expected) for action, expected in steps]
    # The clock never moved: each change is stamped one second after the previous one.
    assert stamps == [
        (START + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ") for n in range(len(steps))
    ]

    before = (await api.get("/sync/activities")).body
    await api.get("/sync/all-items", extended="full")
    await api.post("/sync/watched", [{"simkl": LAST_OF_US}])
    await api.post("/sync/ratings/shows")
    assert (await api.get("/sync/activities")).body == before


async def test_date_from_returns_exactly_the_changed_items(
    freezer: FrozenDateTimeFactory, start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    freezer.move_to(START)
    fake = await start_fake()
    user, api = await user_api(fake, session)
    fake.seed_demo_library(user)
    saved = (await api.get("/sync/activities")).body
    full = (await api.get("/sync/all-items")).body
    assert len(full["shows"]) == 9
    assert len(full["anime"]) == 8
    assert len(full["movies"]) == 4

    fake.watch_episodes(user, SEVERANCE, 3, [3])
    fake.set_status(user, INCEPTION, "dropped")
    fake.watch_movie(user, PROJECT_HAIL_MARY)
    fake.rate(user, ONE_PIECE, 7)
    current = (await api.get("/sync/activities")).body
    assert current["tv_shows"]["watching"] > saved["tv_shows"]["watching"]
    assert current["movies"]["dropped"] > saved["movies"]["all"]
    assert current["anime"]["watching"] == saved["anime"]["watching"]

    delta = (await api.get("/sync/all-items", date_from=saved["all"])).body
    assert set(delta) == {"shows", "movies"}
    assert [item["show"]["ids"]["simkl"] for item in delta["shows"]] == [SEVERANCE]
    assert delta["shows"][0]["last_watched"] == "S03E03"
    assert delta["shows"][0]["next_to_watch"] == "S03E04"
    assert {item["movie"]["ids"]["simkl"]: item["status"] for item in delta["movies"]} == {
        INCEPTION: "dropped",
        PROJECT_HAIL_MARY: "completed",
    }
    by_status = await api.get("/sync/all-items/movies/dropped", date_from=saved["all"])
    assert [item["movie"]["title"] for item in by_status.body["movies"]] == ["Inception"]
    assert (await api.get("/sync/all-items/anime", date_from=saved["all"])).body is None
    latest = (await api.get("/sync/all-items", date_from=current["all"])).body
    assert latest is None

    ratings = (await api.get("/sync/ratings", date_from=saved["all"])).body
    assert [(item["show"]["title"], item["user_rating"]) for item in ratings["anime"]] == [
        ("One Piece", 7)
    ]
    assert (await api.post("/sync/ratings/anime/7")).body["anime"][0]["user_rating"] == 7
    assert (await api.get("/sync/ratings/anime/3,4")).body is None


async def test_removals_only_show_in_full_and_id_lists(
    freezer: FrozenDateTimeFactory, start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    freezer.move_to(START)
    fake = await start_fake()
    user, api = await user_api(fake, session)
    fake.seed_demo_library(user)
    saved = (await api.get("/sync/activities")).body
    fake.remove_item(user, BREAKING_BAD)
    fake.remove_item(user, INCEPTION)
    current = (await api.get("/sync/activities")).body
    assert current["tv_shows"]["removed_from_list"] > saved["all"]
    assert current["movies"]["removed_from_list"] > saved["all"]
    assert saved["tv_shows"]["removed_from_list"] is None

    assert (await api.get("/sync/all-items", date_from=saved["all"])).body is None
    ids = (await api.get("/sync/all-items/shows", extended="simkl_ids_only")).body
    assert ids["shows"][0] == {"show": {"ids": {"simkl": ids["shows"][0]["show"]["ids"]["simkl"]}}}
    remaining = {item["show"]["ids"]["simkl"] for item in ids["shows"]}
    assert BREAKING_BAD not in remaining
    assert SEVERANCE in remaining
    movies = (await api.get("/sync/all-items/movies", extended="simkl_ids_only")).body
    assert INCEPTION not in {item["movie"]["ids"]["simkl"] for item in movies["movies"]}
    with pytest.raises(KeyError):
        fake.remove_item(user, INCEPTION)


async def test_all_items_fields_and_extended_full(
    freezer: FrozenDateTimeFactory, start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    freezer.move_to(START)
    fake = await start_fake()
    user, api = await user_api(fake, session)
    fake.seed_demo_library(user)
    shows = (
        await api.get(
            "/sync/all-items/shows/watching",
            extended="full",
            episode_watched_at="yes",
            next_watch_info="yes",
        )
    ).body["shows"]
    severance = next(item for item in shows if item["show"]["ids"]["simkl"] == SEVERANCE)
    assert severance["status"] == "watching"
    assert severance["last_watched"] == "S03E02"
    assert severance["next_to_watch"] == "S03E03"
    assert severance["watched_episodes_count"] == 9 + 10 + 2
    assert severance["total_episodes_count"] == 29
    assert severance["not_aired_episodes_count"] == 6
    assert severance["next_to_watch_info"]["episode"] == 3
    assert severance["show"]["ids"]["imdb"] == "tt11280740"
    assert [season["number"] for season in severance["seasons"]] == [1, 2, 3]
    assert severance["seasons"][2]["episodes"][0]["watched_at"].endswith("Z")
    last_of_us = next(item for item in shows if item["show"]["ids"]["simkl"] == LAST_OF_US)
    assert last_of_us["next_to_watch"] is None

    anime = (await api.get("/sync/all-items/anime")).body["anime"]
    one_piece = next(item for item in anime if item["show"]["ids"]["simkl"] == ONE_PIECE)
    assert one_piece["last_watched"] == "E1100"
    assert one_piece["next_to_watch"] == "E1101"
    assert one_piece["anime_type"] == "tv"
    assert "seasons" not in one_piece
    movies = (await api.get("/sync/all-items/movies/plantowatch")).body["movies"]
    assert {item["movie"]["title"] for item in movies} == {"Interstellar", "Project Hail Mary"}
    assert "last_watched" not in movies[0]
    assert (await api.get("/sync/all-items/films")).status == 400
    assert (await api.get("/sync/all-items/shows/later")).status == 400


# --- Writes ----------------------------------------------------------------------------------


async def test_write_lock_answers_rate_limit_until_it_expires(
    freezer: FrozenDateTimeFactory, start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake(write_lock_seconds=20)
    _, api = await user_api(fake, session)
    _, other = await user_api(fake, session, "bob")
    movie = {"progress": 10, "movie": {"ids": {"simkl": INTERSTELLAR}}}

    assert (await api.post("/scrobble/start", movie)).status == 201
    locked = await api.post("/scrobble/pause", movie)
    assert (locked.status, locked.body["error"], locked.body["code"]) == (400, "RATE_LIMIT", 400)
    assert (await api.post("/sync/history", {"movies": [movie["movie"]]})).status == 400
    assert (await other.post("/scrobble/start", movie)).status == 201
    assert (await api.get("/sync/playback")).body == []
    freezer.tick(timedelta(seconds=19))
    assert (await api.post("/scrobble/pause", movie)).status == 400
    freezer.tick(timedelta(seconds=1))
    assert (await api.post("/scrobble/pause", movie)).status == 201
    assert len((await api.get("/sync/playback")).body) == 1
    assert (await api.post("/sync/watched", [{"simkl": INTERSTELLAR}])).status == 200


async def test_scrobble_lifecycle(
    freezer: FrozenDateTimeFactory, start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    freezer.move_to(START)
    fake = await start_fake()
    _, api = await user_api(fake, session)
    episode = {
        "show": {"title": "Severance", "year": 2022, "ids": {"imdb": "tt11280740"}},
        "episode": {"season": 2, "number": 4},
    }

    start = await api.post("/scrobble/start", episode | {"progress": 0})
    assert (start.status, start.body["id"], start.body["action"]) == (201, 0, "start")
    assert start.body["show"]["ids"]["simkl"] == SEVERANCE
    assert start.body["episode"]["number"] == 4
    pause = await api.post("/scrobble/pause", episode | {"progress": 41.5})
    assert pause.body["action"] == "pause"
    assert pause.body["id"] > 2**32
    playback = (await api.get("/sync/playback/episodes")).body
    assert [(p["id"], p["progress"], p["type"]) for p in playback] == [
        (pause.body["id"], 41.5, "episode")
    ]
    assert (await api.get("/sync/playback/movies")).body == []
    early_stop = await api.post("/scrobble/stop", episode | {"progress": 79.99})
    assert early_stop.body["action"] == "pause"
    assert early_stop.body["progress"] == 79.99

    stop = await api.post("/scrobble/stop", episode | {"progress": 80.0})
    assert (stop.status, stop.body["action"], stop.body["progress"]) == (201, "scrobble", 80)
    assert (await api.get("/sync/playback")).body == []
    watched = (await api.post("/sync/watched", [episode["show"]["ids"] | {"season": 2,
               "episode": 4}])).body  # fmt: skip
    assert watched[0]["result"] is True
    assert watched[0]["list"] == "watching"

    again = await api.post("/scrobble/stop", episode | {"progress": 100})
    assert again.status == 409
    assert again.body == {
        "watched_at": "2026-05-13T16:08:00Z",
        "expires_at": "2026-05-13T17:08:00Z",
    }
    freezer.tick(timedelta(hours=1))
    assert (await api.post("/scrobble/stop", episode | {"progress": 100})).status == 201


async def test_scrobble_rejects_bad_bodies(
    start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake()
    user, api = await user_api(fake, session)
    assert (await api.post("/scrobble/start", {"progress": 5})).status == 400
    unknown = await api.post("/scrobble/start", {"movie": {"ids": {"imdb": "tt0000000"}}})
    assert (unknown.status, unknown.body["error"]) == (404, "id_err")
    by_title = await api.post("/scrobble/start", {"movie": {"title": "The Matrix", "year": 1999}})
    assert by_title.body["movie"]["ids"]["simkl"] == 53992
    no_episode = await api.post("/scrobble/start", {"show": {"ids": {"simkl": SEVERANCE}}})
    assert no_episode.status == 400
    bad_progress = {"progress": 101, "movie": {"ids": {"simkl": INCEPTION}}}
    assert (await api.post("/scrobble/pause", bad_progress)).status == 400
    assert (await api.post("/scrobble/rewind", bad_progress)).status == 404
    anime = await api.post(
        "/scrobble/start", {"anime": {"ids": {"mal": 21}}, "episode": {"season": 2, "number": 7}}
    )
    assert (anime.body["anime"]["anime_type"], anime.body["episode"]["number"]) == ("tv", 7)
    anime_movie = await api.post(
        "/scrobble/stop", {"progress": 90, "anime": {"ids": {"mal": 32281}}}
    )
    assert anime_movie.body["action"] == "scrobble"
    assert "episode" not in anime_movie.body
    assert fake.library(user).entries[556932].watched


async def test_checkin_completes_after_the_runtime(
    freezer: FrozenDateTimeFactory, start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake()
    user, api = await user_api(fake, session)
    body = {"movie": {"ids": {"simkl": INCEPTION}}}
    checkin = await api.post("/scrobble/checkin", body)
    assert (checkin.status, checkin.body["action"]) == (201, "checkin")
    assert (await api.post("/scrobble/checkin", body)).status == 409
    freezer.tick(timedelta(minutes=147))
    assert (await api.get("/sync/all-items")).body is None
    freezer.tick(timedelta(minutes=1))
    movies = (await api.get("/sync/all-items/movies")).body["movies"]
    assert movies[0]["status"] == "completed"
    assert user.library.entries[INCEPTION].movie_watched_at is not None


async def test_history_add_and_remove(
    freezer: FrozenDateTimeFactory, start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    freezer.move_to(START)
    fake = await start_fake()
    user, api = await user_api(fake, session)
    reply = await api.post(
        "/sync/history",
        {
            "movies": [{"ids": {"imdb": "tt0133093"}, "watched_at": "2020-01-02T03:04:05Z"}],
            "shows": [
                {"ids": {"tvdb": 81189}},
                {"ids": {"simkl": SEVERANCE}, "seasons": [{"number": 1, "episodes": [
                    {"number": 1}, {"number": 2}, {"number": 99}]}]},
                {"ids": {"simkl": 999}},
            ],
            "anime": [{"ids": {"mal": 52991}, "episodes": [{"number": 1}], "rating": 9}],
        },
    )  # fmt: skip
    assert reply.status == 201
    assert {key: reply.body["added"][key] for key in ("movies", "shows", "episodes")} == {
        "movies": 1,
        "shows": 3,
        "episodes": 62 + 2 + 1,
    }
    statuses = [status["response"] for status in reply.body["added"]["statuses"]]
    assert [(s["status"], s["simkl_type"]) for s in statuses] == [
        ("completed", "movie"),
        ("completed", "tv"),
        ("watching", "tv"),
        ("watching", "anime"),
    ]
    assert reply.body["not_found"]["shows"] == [{"ids": {"simkl": 999}}]
    assert reply.body["not_found"]["episodes"][0]["episode"] == {"number": 99}
    library = fake.library(user)
    assert library.entries[FRIEREN].rating == 9
    matrix = library.entries[53992]
    assert matrix.movie_watched_at == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)

    removed = await api.post(
        "/sync/history/remove",
        {
            "shows": [
                {"ids": {"simkl": SEVERANCE}, "seasons": [{"number": 1, "episodes": [
                    {"number": 2}]}]},
                {"ids": {"simkl": BREAKING_BAD}, "seasons": [{"number": 5}]},
            ],
            "movies": [{"ids": {"simkl": 53992}}, {"ids": {"simkl": INCEPTION}}],
        },
    )  # fmt: skip
    assert removed.body["deleted"] == {"movies": 1, "shows": 0, "episodes": 17}
    assert removed.body["not_found"]["movies"] == [{"ids": {"simkl": INCEPTION}}]
    assert library.entries[BREAKING_BAD].status == "watching"
    assert list(library.entries[SEVERANCE].watched) == [(1, 1)]
    assert 53992 not in library.entries
    episode_id = (await api.get(f"/tv/episodes/{SEVERANCE}")).body[0]["ids"]["simkl_id"]
    by_id = await api.post("/sync/history/remove", {"episodes": [{"ids": {"simkl": episode_id}}]})
    assert by_id.body["deleted"]["episodes"] == 1


async def test_add_to_list(start_fake: StartFake, session: aiohttp.ClientSession) -> None:
    fake = await start_fake()
    user, api = await user_api(fake, session)
    missing = await api.post("/sync/add-to-list", {"movies": [{"ids": {"simkl": INCEPTION}}]})
    assert (missing.status, missing.body["error"]) == (400, "empty_field")
    wrong = await api.post("/sync/add-to-list", {"shows": [{"to": "later", "ids": {"simkl": 1}}]})
    assert (wrong.status, wrong.body["error"]) == (400, "wrong_parameter")
    reply = await api.post(
        "/sync/add-to-list",
        {
            "movies": [
                {"to": "watching", "ids": {"simkl": INCEPTION}},
                {"to": "hold", "ids": {"simkl": INTERSTELLAR}},
            ],
            "shows": [{"to": "completed", "ids": {"simkl": BREAKING_BAD}}],
            "anime": [{"to": "plantowatch", "ids": {"anidb": 69}}, {"to": "hold", "ids": {}}],
        },
    )
    assert reply.status == 201
    assert [item["ids"]["simkl"] for item in reply.body["added"]["movies"]] == [INCEPTION]
    assert reply.body["not_found"]["movies"] == [{"ids": {"simkl": INTERSTELLAR}}]
    assert reply.body["not_found"]["anime"] == [{"ids": {}}]
    library = fake.library(user)
    assert library.entries[INCEPTION].status == "completed"
    assert library.entries[BREAKING_BAD].status == "completed"
    assert len(library.entries[BREAKING_BAD].watched) == 62
    assert library.entries[ONE_PIECE].status == "plantowatch"


async def test_watched_check(start_fake: StartFake, session: aiohttp.ClientSession) -> None:
    fake = await start_fake()
    user, api = await user_api(fake, session)
    fake.watch_episodes(user, SEVERANCE, 1, range(1, 10))
    fake.watch_movie(user, INCEPTION)
    reply = await api.post(
        "/sync/watched",
        [
            {"ids": {"imdb": "tt11280740"}},
            {"simkl": SEVERANCE, "season": 1, "episode": 9},
            {"tmdb": 27205, "type": "movie"},
            {"title": "The Matrix", "year": 1999},
            {"imdb": "tt0000000"},
        ],
        extended="counters,episodes",
    )
    first, episode, movie, matrix, unknown = reply.body
    assert (first["result"], first["list"], first["episodes_watched"]) == (False, "watching", 9)
    assert first["seasons"][0]["episodes"][8] | {"last_watched_at": None} == {
        "number": 9,
        "watched": True,
        "aired": True,
        "last_watched_at": None,
    }
    assert episode["result"] is True
    assert (movie["result"], movie["list"], movie["tmdb"]) == (True, "completed", 27205)
    assert (matrix["result"], matrix["list"]) == (False, None)
    assert unknown == {"imdb": "tt0000000", "result": "not_found"}


async def test_ratings_read_and_write(
    start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake()
    user, api = await user_api(fake, session)
    added = await api.post(
        "/sync/ratings",
        {
            "movies": [
                {"ids": {"simkl": INCEPTION}, "rating": 9, "rated_at": "2024-01-01T00:00:00Z"},
                {"ids": {"simkl": INTERSTELLAR}, "rating": 11},
            ],
            "shows": [{"ids": {"tvdb": 81189}, "rating": 10}],
        },
    )
    assert added.status == 201
    assert (added.body["added"]["movies"], added.body["added"]["shows"]) == (1, 1)
    assert [s["response"]["status"] for s in added.body["added"]["statuses"]] == [
        "completed",
        "watching",
    ]
    assert added.body["not_found"]["movies"][0]["rating"] == 11
    movies = (await api.get("/sync/ratings/movies")).body["movies"]
    assert (movies[0]["user_rating"], movies[0]["user_rated_at"]) == (9, "2024-01-01T00:00:00Z")
    removed = await api.post(
        "/sync/ratings/remove",
        {"movies": [{"ids": {"simkl": INCEPTION}}, {"ids": {"simkl": 1}}], "shows": []},
    )
    assert removed.body == {
        "deleted": {"movies": 1, "shows": 0},
        "not_found": {"movies": [{"ids": {"simkl": 1}}], "shows": []},
    }
    assert fake.library(user).entries[INCEPTION].rating is None
    assert (await api.post("/sync/ratings")).body["shows"][0]["user_rating"] == 10


async def test_playback_delete(start_fake: StartFake, session: aiohttp.ClientSession) -> None:
    fake = await start_fake()
    user, api = await user_api(fake, session)
    session_id = fake.add_playback(user, SEVERANCE, 12.5, season=1, episode=2).id
    fake.add_playback(user, INTERSTELLAR, 50)
    listed = (await api.get("/sync/playback")).body
    assert [item["type"] for item in listed] == ["movie", "episode"]
    assert listed[1]["episode"] == {
        "season": 1,
        "episode": 2,
        "number": 2,
        "title": "Episode 2",
        "tvdb_season": 1,
        "tvdb_number": 2,
    }
    missing = await api.call("DELETE", "/sync/playback/12345")
    assert (missing.status, missing.body["error"]) == (404, "empty")
    assert (await api.call("DELETE", "/sync/playback/0")).body["error"] == "url_failed"
    deleted = await api.call("DELETE", f"/sync/playback/{session_id}")
    assert (deleted.status, deleted.raw) == (204, b"")
    assert [item["type"] for item in (await api.get("/sync/playback")).body] == ["movie"]


async def test_settings_and_stats(start_fake: StartFake, session: aiohttp.ClientSession) -> None:
    fake = await start_fake()
    user, api = await user_api(fake, session)
    fake.seed_demo_library(user)
    fake.set_settings(user, name="Alice A.", account_type="pro")
    settings = (await api.post("/users/settings")).body
    assert settings["user"]["name"] == "Alice A."
    assert settings["account"] == {"id": user.account_id, "timezone": "UTC", "type": "pro"}
    assert set(settings["user"]) == {"name", "joined_at", "gender", "avatar", "bio", "loc", "age"}
    with pytest.raises(TypeError):
        fake.set_settings(user, colour="blue")

    stats = (await Api(session, fake.url).post(f"/users/{user.account_id}/stats")).body
    assert stats["movies"]["completed"] == {"mins": 148 + 166, "count": 2}
    assert stats["movies"]["plantowatch"]["count"] == 2
    assert stats["tv"]["watching"]["count"] == 4
    assert stats["anime"]["completed"]["count"] == 4
    assert stats["total_mins"] == sum(
        stats[kind]["total_mins"] for kind in ("movies", "tv", "anime")
    )
    assert set(stats["watched_last_week"]) == {"total_mins", "movies_mins", "tv_mins", "anime_mins"}
    assert (await api.post("/users/1/stats")).status == 404


# --- Catalogue, search, content and calendar -------------------------------------------------


async def test_text_and_id_search(start_fake: StartFake, session: aiohttp.ClientSession) -> None:
    fake = await start_fake()
    api = Api(session, fake.url)
    office = await api.get("/search/tv", q="OFFICE")
    assert [(item["title"], item["ids"]["simkl_id"]) for item in office.body] == [
        ("The Office", 17086)
    ]
    assert office.headers["X-Pagination-Item-Count"] == "1"
    frieren = (await api.get("/search/anime", q="frieren", extended="full")).body
    assert [item["ids"]["simkl_id"] for item in frieren] == [FRIEREN, 2494385]
    assert frieren[0]["title_en"] == "Frieren: Beyond Journey's End"
    assert frieren[0]["status"] == "ended"
    paged = await api.get("/search/movie", q="e", limit="2", page="2")
    assert len(paged.body) == 2
    assert paged.headers["X-Pagination-Page"] == "2"
    assert (await api.get("/search/tv")).status == 400

    assert (await api.get("/search/id", mal="21")).body[0]["ids"]["simkl"] == ONE_PIECE
    imdb_url = "https://www.imdb.com/title/tt1375666/"
    assert (await api.get("/search/id", imdb=imdb_url)).body[0]["title"] == "Inception"
    assert (await api.get("/search/id", tmdb="1396", type="show")).body[0]["type"] == "tv"
    assert (await api.get("/search/id", tmdb="1396", type="movie")).body == []
    assert (await api.get("/search/id", title="the matrix")).body[0]["status"] == "released"


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("Severance.S01E03.1080p.WEB.x264.mkv", ("episode", SEVERANCE, 1, 3, False)),
        ("/series/The Office/Season 4/The Office [401] Fun.avi", ("episode", 17086, 4, 1, False)),
        ("breaking bad 2x05.mp4", ("episode", BREAKING_BAD, 2, 5, False)),
        ("Slow.Horses.2022.S02E01E02.mkv", ("episode", 1184213, 2, 1, 1)),
        ("[SubsPlease] Sousou no Frieren - 05 (1080p).mkv", ("episode", FRIEREN, 1, 5, False)),
        ("Inception (2010).mkv", ("movie", INCEPTION, None, None, None)),
        ("Dune.Part.Two.2024.2160p.mkv", ("movie", 2020815, None, None, None)),
        ("Kimi no Na wa (2016).mkv", ("movie", 556932, None, None, None)),
        ("The Bear.mkv", ("show", 1830167, None, None, None)),
    ],
)  # fmt: skip
async def test_file_search(
    start_fake: StartFake,
    session: aiohttp.ClientSession,
    file_name: str,
    expected: tuple[str, int, int | None, int | None, Any],
) -> None:
    fake = await start_fake()
    body = (await Api(session, fake.url).post("/search/file", {"file": file_name})).body
    kind, simkl_id, season, number, multipart = expected
    assert body["type"] == kind
    assert body["movie" if kind == "movie" else "show"]["ids"]["simkl"] == simkl_id
    if kind == "episode":
        episode = body["episode"]
        assert (episode["season"], episode["episode"], episode["multipart"]) == (
            season,
            number,
            multipart,
        )


async def test_file_search_parts_and_misses(
    start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake()
    api = Api(session, fake.url)
    second = await api.post("/search/file", {"File": "Severance.S01E01E02.mkv", "part": 2})
    assert (second.body["episode"]["episode"], second.body["episode"]["multipart"]) == (2, 0)
    assert (await api.post("/search/file", {"file": "Unknown.Show.S01E01.mkv"})).body == []
    assert (await api.post("/search/file", {})).status == 400


async def test_content_endpoints(
    freezer: FrozenDateTimeFactory, start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    freezer.move_to(START)
    fake = await start_fake()
    api = Api(session, fake.url)
    show = (await api.get(f"/tv/{SEVERANCE}")).body
    assert (show["type"], show["status"], show["network"]) == ("show", "airing", "Apple TV+")
    assert show["airs"]["timezone"] == "America/New_York"
    assert (await api.get("/tv/tt11280740")).body["ids"]["simkl"] == SEVERANCE
    assert (await api.get(f"/movies/{INCEPTION}")).body["released"] == "2010-07-16"
    anime = (await api.get(f"/anime/{FRIEREN}")).body
    assert (anime["anime_type"], anime["total_episodes"]) == ("tv", 28)
    missing = await api.get(f"/tv/{INCEPTION}")
    assert (missing.status, missing.body["error"]) == (404, "id_err")

    episodes = (await api.get(f"/tv/episodes/{LAST_OF_US}")).body
    assert [e["aired"] for e in episodes[-8:]] == [True] * 3 + [False] * 5
    assert episodes[0]["date"].endswith("-05:00")
    assert episodes[0]["ids"]["simkl_id"] != episodes[1]["ids"]["simkl_id"]
    anime_episodes = (await api.get("/anime/episodes/2473210")).body
    assert "season" not in anime_episodes[0]
    assert anime_episodes[0]["date"].endswith("T00:26:00+09:00")
    assert anime_episodes[0]["tvdb"] == {"season": 1, "episode": 1}


async def test_calendar_window_and_fields(
    freezer: FrozenDateTimeFactory, start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    freezer.move_to(START)
    fake = await start_fake()
    api = Api(session, fake.url, client_id=None)
    tv = (await api.get("/calendar/tv.json")).body
    days = [datetime.fromisoformat(entry["date"]) for entry in tv]
    assert days == sorted(days)
    first_day, last_day = START.date() - timedelta(days=1), START.date() + timedelta(days=33)
    assert all(first_day.isoformat() <= e["release_date"] <= last_day.isoformat() for e in tv)
    tomorrow = next(e for e in tv if e["ids"]["simkl_id"] == LAST_OF_US)
    assert tomorrow["episode"] == {
        "season": 3,
        "episode": 4,
        "url": "/tv/1447581/the-last-of-us/season-3/episode-4/",
    }
    assert tomorrow["date"] == "2026-05-14T21:00:00-04:00"
    assert tomorrow["release_date"] == "2026-05-14"
    assert tomorrow["url"] == "/tv/1447581/the-last-of-us"
    assert {"title", "poster", "rank", "ratings"} <= set(tomorrow)
    premieres = [e for e in tv if e["ids"]["simkl_id"] == 1999361]
    assert premieres[0]["episode"]["season"] == 2
    assert premieres[0]["episode"]["episode"] == 1

    anime = (await api.get("/calendar/anime.json")).body
    midnight = next(e for e in anime if e["ids"]["simkl_id"] == 2473210)
    assert "season" not in midnight["episode"]
    assert midnight["date"].endswith("T00:26:00+09:00")
    assert midnight["anime_type"] == "tv"
    assert midnight["ids"]["mal"] == 60543
    movies = (await api.get("/calendar/movie_release.json")).body
    assert [movie["title"] for movie in movies] == ["Project Hail Mary", "The Odyssey"]
    assert "episode" not in movies[0]
    assert movies[0]["release_date"] == "2026-05-22"
    assert (await api.get("/calendar/music.json")).status == 404


async def test_calendar_last_modified_and_304(
    freezer: FrozenDateTimeFactory, start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    freezer.move_to(START)
    fake = await start_fake()
    api = Api(session, fake.url, client_id=None)
    first = await api.get("/calendar/tv.json")
    modified = first.headers["Last-Modified"]
    assert modified == "Wed, 13 May 2026 16:08:00 GMT"

    cached = await api.call("GET", "/calendar/tv.json", headers={"If-Modified-Since": modified})
    assert (cached.status, cached.raw) == (304, b"")
    later = format_datetime(START + timedelta(hours=1), usegmt=True)
    cached = await api.call("GET", "/calendar/tv.json", headers={"If-Modified-Since": later})
    assert cached.status == 304
    earlier = format_datetime(START - timedelta(seconds=1), usegmt=True)
    stale = await api.call("GET", "/calendar/tv.json", headers={"If-Modified-Since": earlier})
    assert stale.status == 200
    assert stale.body == first.body

    freezer.tick(timedelta(minutes=5))
    fake.touch_calendar()
    touched = await api.call("GET", "/calendar/tv.json", headers={"If-Modified-Since": modified})
    assert touched.status == 200
    assert touched.headers["Last-Modified"] == "Wed, 13 May 2026 16:13:00 GMT"

    freezer.move_to(datetime(2026, 5, 14, 0, 30, tzinfo=UTC))
    next_day = await api.call("GET", "/calendar/tv.json", headers={"If-Modified-Since": later})
    assert next_day.status == 200
    assert parsedate_to_datetime(next_day.headers["Last-Modified"]) == datetime(
        2026, 5, 14, tzinfo=UTC
    )
    archive = await api.call(
        "GET", "/calendar/2026/5/tv.json", headers={"If-Modified-Since": later}
    )
    assert archive.status == 304


async def test_monthly_archives(
    freezer: FrozenDateTimeFactory, start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    freezer.move_to(START)
    fake = await start_fake()
    api = Api(session, fake.url, client_id=None)
    may = (await api.get("/calendar/2026/5/tv.json")).body
    assert may
    assert all(entry["release_date"].startswith("2026-05-") for entry in may)
    assert any(entry["release_date"] < "2026-05-12" for entry in may)
    assert (await api.get("/calendar/2026/05/tv.json")).status == 404
    assert (await api.get("/calendar/2026/13/tv.json")).status == 404
    bebop = (await api.get("/calendar/1998/4/anime.json")).body
    assert [entry["episode"]["episode"] for entry in bebop] == [1, 2, 3, 4]
    assert (await api.get("/calendar/2010/7/movie_release.json")).body[0]["title"] == "Inception"


async def test_images_are_served_for_catalogue_paths(
    start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    fake = await start_fake()
    poster = (await Api(session, fake.url).get(f"/tv/{SEVERANCE}")).body["poster"]
    async with session.get(f"{fake.url}/posters/{poster}_m.webp") as response:
        assert response.status == 200
        assert response.content_type == "image/svg+xml"
        assert b">Severance</text>" in await response.read()
    async with session.get(f"{fake.url}/posters/not-a-path.webp") as response:
        assert response.status == 404


# --- Catalogue and seeding -------------------------------------------------------------------


async def test_seed_library_is_mixed_and_deterministic(
    start_fake: StartFake, session: aiohttp.ClientSession
) -> None:
    # No time limit: one fails on a busy machine (a full suite under load); scripts/benchmark.py
    # seeds libraries this size for its figures.
    fake = await start_fake(catalog=Catalog(), now=lambda: START)
    user, api = await user_api(fake, session)
    entries = fake.seed_library(user, 5000, seed=7)
    assert len(entries) == len(fake.library(user).entries) == 5000
    assert {entry.item.kind for entry in entries} == {"tv", "anime", "movie"}
    assert {entry.status for entry in entries} == {
        "watching", "plantowatch", "hold", "dropped", "completed",
    }  # fmt: skip
    assert sum(len(entry.watched) for entry in entries) > 5000
    assert any(entry.rating for entry in entries)

    body = (await api.get("/sync/all-items")).body
    assert sum(len(body[bucket]) for bucket in ("shows", "anime", "movies")) == 5000

    twin = FakeSimkl(catalog=Catalog(), now=lambda: START)
    twin_entries = twin.seed_library(twin.add_user("twin"), 5000, seed=7)
    assert [(e.item.title, e.status, len(e.watched)) for e in twin_entries] == [
        (e.item.title, e.status, len(e.watched)) for e in entries
    ]


def test_synthetic_catalogue_is_deterministic_and_indexed() -> None:
    now = START
    catalog = Catalog.synthetic(200, seed=3, now=now)
    again = Catalog.synthetic(200, seed=3, now=now)
    assert [item.title for item in catalog] == [item.title for item in again]
    assert len(catalog) == 200
    item = next(iter(catalog))
    assert catalog.find({"imdb": item.ids["imdb"]}) is item
    assert catalog.find(title=item.title.upper()) is item
    airing = [i for i in catalog if i.status(now) == "airing"]
    assert airing
    assert all(0 < i.aired_count(now) < i.total_episodes for i in airing)
    with pytest.raises(ValueError, match="already"):
        catalog.add(item)


def test_demo_catalogue_has_aired_unwatched_and_upcoming_episodes() -> None:
    catalog = Catalog.demo(START)
    severance = catalog.get(SEVERANCE)
    assert severance is not None
    assert severance.status(START) == "airing"
    upcoming = [
        e.aired_at - START
        for item in catalog
        for e in item.episodes
        if START < e.aired_at < START + timedelta(days=7)
    ]
    assert min(upcoming) < timedelta(days=2)
    dandadan = catalog.get(2473210)
    assert dandadan is not None
    local = dandadan.episodes[0].aired_at.astimezone(dandadan.zone)
    assert (local.hour, local.minute) == (0, 26)
    assert dandadan.episodes[0].aired_at.date() != local.date()


# --- Standalone runner -----------------------------------------------------------------------


async def _start_demo_server(tokens_file: Path) -> tuple[asyncio.subprocess.Process, str]:
    """Start `python -m tests.fake_simkl --demo` on a free port; return it and its URL."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fake_simkl",
        "--port",
        "0",
        "--demo",
        "--approve-after",
        "0",
        "--tokens-file",
        str(tokens_file),
        cwd=Path(__file__).parent.parent,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
    url = line.strip().rsplit(" ", 1)[-1]
    assert url.startswith("http://127.0.0.1:")
    return process, url


async def _stop(process: asyncio.subprocess.Process) -> None:
    process.terminate()
    assert await asyncio.wait_for(process.wait(), 30) == 0


async def test_standalone_demo_server(
    socket_enabled: None, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """The demo server links any client id to the demo user, and an account linked to it
    stays linked when it restarts (as `scripts/develop` restarts it)."""
    tokens_file = tmp_path / "tokens"
    process, url = await _start_demo_server(tokens_file)
    try:
        api = Api(session, url, client_id="any-client-id")
        step1 = (await api.get("/oauth/pin")).body
        assert step1["verification_uri"] == f"{url}/pin"
        token = (await api.get(f"/oauth/pin/{step1['user_code']}")).body["access_token"]
        api.token = token
        settings = (await api.post("/users/settings")).body
        assert settings["user"]["name"] == "demo"
        assert len((await api.get("/sync/all-items/shows")).body["shows"]) == 9
    finally:
        await _stop(process)

    process, url = await _start_demo_server(tokens_file)
    try:
        api = Api(session, url, client_id="any-client-id", token=token)
        assert (await api.post("/users/settings")).body["user"]["name"] == "demo"
        api.token = "a token it never issued"
        assert (await api.post("/users/settings")).status == 401
    finally:
        await _stop(process)
