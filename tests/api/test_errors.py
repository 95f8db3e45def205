"""Typed errors of the API client, retries of failed reads, and safe error messages."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import timedelta
import logging
import traceback
from typing import Any
from unittest.mock import AsyncMock, patch
from urllib.parse import quote

import pytest

from simkl_api import (
    Ids,
    ListStatus,
    MediaType,
    ScrobbleAction,
    ScrobbleRequest,
    ScrobbleResult,
    SimklAuthenticationError,
    SimklClient,
    SimklClientError,
    SimklConflictError,
    SimklConnectionError,
    SimklError,
    SimklInvalidClientError,
    SimklNotFoundError,
    SimklRateLimitError,
    SimklServerError,
    SyncItem,
    SyncRequest,
    SyncResult,
    transport as transport_module,
)
from simkl_api.transport import _error_body, _retry_after
from tests.api.conftest import CLIENT_ID
from tests.fake_simkl import FakeSimkl, FaultKind

type ClientFactory = Callable[..., SimklClient]
type FakeStarter = Callable[..., Awaitable[FakeSimkl]]

# One try plus the retries the fast client's backoff fits in its budget:
# 1 + 2 + 4 + 8 + 16 ms slept; another 32 ms would pass the 50 ms budget.
GET_ATTEMPTS = 6
INCEPTION = 475479
DUNE_PART_TWO = 2020815
THE_BEAR = 1830167
UNKNOWN_ID = 999_999_999
MOVE_THE_BEAR = SyncRequest(shows=[SyncItem(ids=Ids(simkl=THE_BEAR), to=ListStatus.HOLD)])


@pytest.fixture
def client(make_api_client: ClientFactory, access_token: str) -> SimklClient:
    """A client of alice's account with fast pacing and backoff."""
    return make_api_client(access_token=access_token)


@pytest.fixture
async def start_fake() -> AsyncIterator[FakeStarter]:
    """Start extra fakes configured unlike the shared one; all stop on teardown."""
    async with AsyncExitStack() as stack:

        async def start(**options: Any) -> FakeSimkl:
            fake = FakeSimkl(client_ids=(CLIENT_ID,), **options)
            return await stack.enter_async_context(fake)

        yield start


def assert_safe(error: SimklError, *secrets: str) -> None:
    """The message and a logged traceback hold no credential in any spelling."""
    for text in (str(error), repr(error), "".join(traceback.format_exception(error))):
        for secret in secrets:
            assert secret not in text
            assert quote(secret, safe="") not in text


# --- 401 ------------------------------------------------------------------------------------------


async def test_revoked_token(fake_simkl: FakeSimkl, client: SimklClient, access_token: str) -> None:
    """A revoked token answers 401 at once, for reads and writes, without retries."""
    await client.get_activities()
    fake_simkl.revoke_token(access_token)

    with pytest.raises(SimklAuthenticationError) as caught:
        await client.get_activities()
    assert isinstance(caught.value, SimklClientError)
    assert (caught.value.status, caught.value.error_id) == (401, "user_token_failed")
    assert str(caught.value) == (
        "Simkl answered HTTP 401 (GET /sync/activities) [user_token_failed]: "
        "The access token is missing or revoked"
    )
    assert_safe(caught.value, access_token, CLIENT_ID)

    with pytest.raises(SimklAuthenticationError):
        await client.add_to_list(MOVE_THE_BEAR)
    assert fake_simkl.request_paths() == [
        "GET /sync/activities",
        "GET /sync/activities",
        "POST /sync/add-to-list",
    ]


async def test_missing_token(fake_simkl: FakeSimkl, make_api_client: ClientFactory) -> None:
    """User endpoints need a token."""
    with pytest.raises(SimklAuthenticationError):
        await make_api_client().get_all_items()


# --- 429 and the write lock -----------------------------------------------------------------------


async def test_reads_over_the_rate_limit(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """A 429 on a read is retried with backoff, then raised with a suggested wait."""
    fake_simkl.max_gets_per_second = 1
    await client.get_activities()

    with pytest.raises(SimklRateLimitError) as caught:
        await client.get_activities()

    assert (caught.value.status, caught.value.error_id) == (429, "too_many_requests")
    assert caught.value.write_lock is False
    assert caught.value.retry_after == 10.0
    assert fake_simkl.request_paths() == ["GET /sync/activities"] * (1 + GET_ATTEMPTS)


async def test_read_recovers_from_a_passing_rate_limit(
    fake_simkl: FakeSimkl, client: SimklClient
) -> None:
    """Two 429s then success: the caller only sees the answer."""
    fake_simkl.inject_fault("/sync/activities", FaultKind.STATUS, status=429, count=2)
    assert (await client.get_activities()).all is not None
    assert fake_simkl.request_paths() == ["GET /sync/activities"] * 3


async def test_writes_over_the_rate_limit(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """A 429 on a write is raised at once: repeating a write is the caller's decision."""
    fake_simkl.max_posts_per_second = 1
    await client.add_to_list(MOVE_THE_BEAR)

    with pytest.raises(SimklRateLimitError) as caught:
        await client.add_to_list(MOVE_THE_BEAR)

    assert (caught.value.status, caught.value.write_lock) == (429, False)
    assert fake_simkl.request_paths() == ["POST /sync/add-to-list"] * 2


async def test_write_lock(start_fake: FakeStarter, make_api_client: ClientFactory) -> None:
    """A write within 20 s of the previous one answers 400 RATE_LIMIT: wait out the lock."""
    fake = await start_fake(write_lock_seconds=20)
    user = fake.add_user("carol")
    client = make_api_client(fake=fake, access_token=fake.issue_token(user))
    movie = ScrobbleRequest(media_type=MediaType.MOVIES, ids=Ids(simkl=INCEPTION), progress=10)
    await client.scrobble(ScrobbleAction.START, movie)

    with pytest.raises(SimklRateLimitError) as caught:
        await client.scrobble(ScrobbleAction.PAUSE, movie)

    assert (caught.value.status, caught.value.error_id) == (400, "RATE_LIMIT")
    assert caught.value.write_lock is True
    assert caught.value.retry_after == 20.0
    assert fake.request_paths() == ["POST /scrobble/start", "POST /scrobble/pause"]


async def test_write_lock_on_a_read_is_not_retried(
    fake_simkl: FakeSimkl, client: SimklClient
) -> None:
    """A quick retry cannot get past the lock, even on a read."""
    fake_simkl.inject_fault("/sync/playback", FaultKind.STATUS, status=400, error="RATE_LIMIT")
    with pytest.raises(SimklRateLimitError) as caught:
        await client.get_playback()
    assert caught.value.write_lock is True
    assert fake_simkl.request_paths() == ["GET /sync/playback"]


# --- 404, 409, 412, other 4xx ---------------------------------------------------------------------


async def test_not_found(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """Unknown titles and playbacks answer 404 with Simkl's error id, without retries."""
    with pytest.raises(SimklNotFoundError) as caught:
        await client.get_summary(MediaType.MOVIES, UNKNOWN_ID)
    assert (caught.value.status, caught.value.error_id) == (404, "id_err")

    with pytest.raises(SimklNotFoundError) as caught:
        await client.delete_playback(12345)
    assert caught.value.error_id == "empty"

    with pytest.raises(SimklNotFoundError):
        await client.scrobble(
            ScrobbleAction.START,
            ScrobbleRequest(media_type=MediaType.MOVIES, ids=Ids(simkl=UNKNOWN_ID)),
        )
    assert fake_simkl.request_paths() == [
        f"GET /movies/{UNKNOWN_ID}",
        "DELETE /sync/playback/12345",
        "POST /scrobble/start",
    ]


async def test_scrobble_stop_conflict(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """Stopping the same title twice within the hour answers 409 with both timestamps."""
    movie = ScrobbleRequest(media_type=MediaType.MOVIES, ids=Ids(simkl=INCEPTION), progress=95)
    await client.scrobble(ScrobbleAction.STOP, movie)

    with pytest.raises(SimklConflictError) as caught:
        await client.scrobble(ScrobbleAction.STOP, movie)

    conflict = caught.value
    assert conflict.status == 409
    assert conflict.watched_at is not None
    assert conflict.expires_at == conflict.watched_at + timedelta(hours=1)
    assert abs(conflict.watched_at - fake_simkl.now()) < timedelta(minutes=1)
    assert fake_simkl.request_paths() == ["POST /scrobble/stop"] * 2


async def test_checkin_conflict(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """A second check-in while one runs answers 409 with when the first one ends."""
    movie = ScrobbleRequest(media_type=MediaType.MOVIES, ids=Ids(simkl=DUNE_PART_TWO))
    await client.scrobble(ScrobbleAction.CHECKIN, movie)

    with pytest.raises(SimklConflictError) as caught:
        await client.scrobble(ScrobbleAction.CHECKIN, movie)

    assert caught.value.watched_at is None
    assert caught.value.expires_at is not None
    # Dune: Part Two runs 166 minutes.
    assert caught.value.expires_at - fake_simkl.now() > timedelta(minutes=160)


async def test_invalid_client_id(
    fake_simkl: FakeSimkl, make_api_client: ClientFactory, access_token: str
) -> None:
    """An unknown client id answers 412; the id is not repeated in the message."""
    client = make_api_client(client_id="someone-elses-id", access_token=access_token)
    with pytest.raises(SimklInvalidClientError) as caught:
        await client.get_activities()
    assert (caught.value.status, caught.value.error_id) == (412, "client_id_failed")
    assert_safe(caught.value, "someone-elses-id", access_token)
    assert fake_simkl.request_paths() == ["GET /sync/activities"]


async def test_other_client_errors(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """Any other 4xx is a SimklClientError carrying Simkl's error id; never retried."""
    with pytest.raises(SimklClientError) as caught:
        await client.add_to_list(SyncRequest(shows=[SyncItem(ids=Ids(simkl=THE_BEAR))]))
    assert type(caught.value) is SimklClientError
    assert (caught.value.status, caught.value.error_id) == (400, "empty_field")
    assert str(caught.value) == (
        "Simkl answered HTTP 400 (POST /sync/add-to-list) [empty_field]: "
        "Every item needs a `to` list"
    )

    fake_simkl.inject_fault("/sync/activities", FaultKind.STATUS, status=403)
    with pytest.raises(SimklClientError) as caught:
        await client.get_activities()
    assert type(caught.value) is SimklClientError
    assert (caught.value.status, caught.value.error_id) == (403, "forbidden")
    assert fake_simkl.request_paths() == ["POST /sync/add-to-list", "GET /sync/activities"]


# --- 5xx ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors(fake_simkl: FakeSimkl, client: SimklClient, status: int) -> None:
    """Reads retry 5xx and recover; a lasting outage is raised; writes are not retried."""
    fake_simkl.inject_fault("/sync/activities", FaultKind.STATUS, status=status)
    assert (await client.get_activities()).all is not None
    assert fake_simkl.request_paths() == ["GET /sync/activities"] * 2

    fake_simkl.clear_requests()
    fake_simkl.inject_fault("/sync/", FaultKind.STATUS, status=status, count=None)
    with pytest.raises(SimklServerError) as caught:
        await client.get_activities()
    assert caught.value.status == status
    assert fake_simkl.request_paths() == ["GET /sync/activities"] * GET_ATTEMPTS

    fake_simkl.clear_requests()
    with pytest.raises(SimklServerError):
        await client.add_to_list(MOVE_THE_BEAR)
    assert fake_simkl.request_paths() == ["POST /sync/add-to-list"]


async def test_server_error_without_an_error_body(
    fake_simkl: FakeSimkl, client: SimklClient
) -> None:
    """A body that is not Simkl's error object leaves only the status to report."""
    fake_simkl.inject_fault(
        "/sync/history", FaultKind.STATUS, status=500, body=["Internal Server Error"]
    )
    with pytest.raises(SimklServerError) as caught:
        await client.add_to_history(SyncRequest(shows=[SyncItem(ids=Ids(simkl=THE_BEAR))]))
    assert caught.value.error_id is None
    assert str(caught.value) == "Simkl answered HTTP 500 (POST /sync/history)"


type Read = Callable[[SimklClient], Awaitable[object]]


@pytest.mark.parametrize(
    ("path", "read", "body"),
    [
        ("/sync/activities", lambda client: client.get_activities(), ["all"]),
        ("/sync/all-items", lambda client: client.get_all_items(), "shows"),
        ("/sync/ratings", lambda client: client.get_ratings(), 7),
        ("/sync/playback", lambda client: client.get_playback(), "none"),
        ("/sync/playback", lambda client: client.get_playback(), {"id": 1}),
        ("/calendar/", lambda client: client.get_calendar(MediaType.SHOWS), None),
        ("/calendar/", lambda client: client.get_calendar(MediaType.SHOWS), {"tv": []}),
    ],
)
async def test_answers_of_the_wrong_kind_are_errors(
    fake_simkl: FakeSimkl, client: SimklClient, path: str, read: Read, body: object
) -> None:
    """A read answered with something else than what it asks for fails, rather than
    returning nothing: nothing would replace what the caller holds. It is not retried."""
    fake_simkl.inject_fault(path, FaultKind.BODY, body=body)
    with pytest.raises(SimklConnectionError, match="Unexpected answer from Simkl"):
        await read(client)
    assert len(fake_simkl.requests) == 1


# --- connection errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "read"),
    [
        ("/sync/activities", lambda client: client.get_activities()),
        # Long answers, read one element at a time.
        ("/sync/all-items/shows", lambda client: client.get_all_items(MediaType.SHOWS)),
        ("/calendar/tv.json", lambda client: client.get_calendar(MediaType.SHOWS)),
    ],
)
@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (FaultKind.RESET, "Cannot reach Simkl (GET {path}): "),
        (FaultKind.MALFORMED, "Simkl sent malformed JSON (GET {path}, HTTP 200)"),
        (FaultKind.HTML, "Simkl sent malformed JSON (GET {path}, HTTP 200)"),
        (FaultKind.EMPTY, "Simkl sent an empty answer (GET {path}, HTTP 200)"),
    ],
)
async def test_broken_answers_to_reads(
    fake_simkl: FakeSimkl,
    client: SimklClient,
    *,
    access_token: str,
    path: str,
    read: Read,
    kind: FaultKind,
    message: str,
) -> None:
    """Resets and unusable bodies are connection errors; reads retry them."""
    fake_simkl.inject_fault(path, kind, status=200)
    assert await read(client)
    assert fake_simkl.request_paths() == [f"GET {path}"] * 2

    fake_simkl.inject_fault(path, kind, count=None, status=200)
    with pytest.raises(SimklConnectionError) as caught:
        await read(client)
    assert str(caught.value).startswith(message.format(path=path))
    assert_safe(caught.value, access_token, CLIENT_ID)
    # aiohttp itself may resend a GET once when a kept-alive connection is reset.
    assert len(fake_simkl.requests) >= 2 + GET_ATTEMPTS


async def test_a_dropped_connection_fails_a_write_without_repeating_it(
    fake_simkl: FakeSimkl, client: SimklClient
) -> None:
    """A write whose connection dropped is not repeated: it may have been applied."""
    fake_simkl.inject_fault("/scrobble/", FaultKind.RESET)
    with pytest.raises(SimklConnectionError):
        await client.scrobble(
            ScrobbleAction.CHECKIN,
            ScrobbleRequest(media_type=MediaType.MOVIES, ids=Ids(simkl=INCEPTION)),
        )
    assert fake_simkl.request_paths() == ["POST /scrobble/checkin"]


@pytest.mark.parametrize(
    ("kind", "status"),
    [(FaultKind.MALFORMED, 200), (FaultKind.EMPTY, 201), (FaultKind.HTML, 200)],
    ids=["not-json", "empty", "proxy-page"],
)
async def test_a_2xx_write_answer_is_read_leniently(
    fake_simkl: FakeSimkl, client: SimklClient, kind: FaultKind, status: int
) -> None:
    """Any 2xx to a write means Simkl took it, whatever the body: an empty result, sent once."""
    fake_simkl.inject_fault("/scrobble/", kind, status=status)
    fake_simkl.inject_fault("/sync/history", kind, status=status)
    request = ScrobbleRequest(media_type=MediaType.MOVIES, ids=Ids(simkl=INCEPTION))
    history = SyncRequest(movies=[SyncItem(ids=Ids(simkl=INCEPTION))])

    assert await client.scrobble(ScrobbleAction.CHECKIN, request) == ScrobbleResult()
    assert await client.add_to_history(history) == SyncResult()
    assert fake_simkl.request_paths() == ["POST /scrobble/checkin", "POST /sync/history"]


@pytest.mark.parametrize(
    ("status", "error", "header", "wait", "sent"),
    [
        (429, None, "3", 3.0, True),
        (429, None, None, 10.0, False),
        (400, "RATE_LIMIT", "7", 7.0, True),
        (400, "RATE_LIMIT", None, 20.0, False),
        (400, "RATE_LIMIT", "later", 20.0, False),
    ],
)
async def test_rate_limits_of_writes_carry_the_wait_simkl_asked_for(
    fake_simkl: FakeSimkl,
    client: SimklClient,
    *,
    status: int,
    error: str | None,
    header: str | None,
    wait: float,
    sent: bool,
) -> None:
    """A Retry-After header sets the wait of a 429 and of the write lock."""
    headers = {"Retry-After": header} if header is not None else {}
    fake_simkl.inject_fault(
        "/sync/history", FaultKind.STATUS, status=status, error=error, headers=headers
    )
    with pytest.raises(SimklRateLimitError) as caught:
        await client.add_to_history(SyncRequest(movies=[SyncItem(ids=Ids(simkl=INCEPTION))]))
    assert (caught.value.retry_after, caught.value.retry_after_sent) == (wait, sent)


async def test_clients_of_one_token_share_the_write_pace(
    fake_simkl: FakeSimkl, make_api_client: ClientFactory, access_token: str
) -> None:
    """Two clients of one token (the flow's and the entry's) take turns for 1 POST/s."""
    first = make_api_client(access_token=access_token, min_post_interval=0.2)
    second = make_api_client(access_token=access_token, min_post_interval=0.2)
    loop = asyncio.get_running_loop()
    started = loop.time()

    await asyncio.gather(first.get_user_settings(), second.get_user_settings())

    assert loop.time() - started >= 0.2
    assert fake_simkl.request_paths() == ["POST /users/settings"] * 2


async def test_timeouts(
    fake_simkl: FakeSimkl, make_api_client: ClientFactory, access_token: str
) -> None:
    """An answer slower than `request_timeout` is a connection error; reads retry it."""
    # Long enough for a prompt answer on a busy machine, far shorter than the injected delay.
    client = make_api_client(access_token=access_token, request_timeout=1.0)
    fake_simkl.inject_fault("/sync/activities", FaultKind.DELAY, delay=60)
    assert (await client.get_activities()).all is not None
    assert fake_simkl.request_paths() == ["GET /sync/activities"] * 2

    fake_simkl.inject_fault("/sync/add-to-list", FaultKind.DELAY, delay=60)
    with pytest.raises(SimklConnectionError) as caught:
        await client.add_to_list(MOVE_THE_BEAR)
    assert str(caught.value) == "Timed out waiting for Simkl (POST /sync/add-to-list)"
    assert caught.value.status is None
    assert fake_simkl.request_paths()[2:] == ["POST /sync/add-to-list"]


async def test_unreachable_server(
    start_fake: FakeStarter, make_api_client: ClientFactory, access_token: str
) -> None:
    """Nothing listening is a connection error, retried for reads, then raised."""
    gone = await start_fake()
    url = gone.url
    await gone.stop()
    client = make_api_client(access_token=access_token, api_url=url)
    with pytest.raises(SimklConnectionError) as caught:
        await client.get_activities()
    assert str(caught.value).startswith("Cannot reach Simkl (GET /sync/activities): ")
    assert caught.value.status is None
    assert_safe(caught.value, access_token, CLIENT_ID)


async def test_answers_missing_required_fields(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """A 200 without what the model cannot do without is reported, not half-parsed."""
    fake_simkl.inject_fault("/oauth/pin", FaultKind.STATUS, status=200, body={"result": "OK"})
    with pytest.raises(SimklConnectionError) as caught:
        await client.request_pin()
    assert str(caught.value) == (
        "Unexpected answer from Simkl (GET /oauth/pin): PIN payload has no user_code"
    )

    fake_simkl.inject_fault("/users/settings", FaultKind.STATUS, status=200, body={"user": {}})
    with pytest.raises(SimklConnectionError, match="no account id"):
        await client.get_user_settings()


async def test_empty_object_answers(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """`{}` where a list or sections were expected reads as empty."""
    for path in ("/sync/all-items", "/sync/playback", "/sync/ratings", "/tv/episodes"):
        fake_simkl.inject_fault(path, FaultKind.STATUS, status=200, body={})
    assert (await client.get_all_items()).shows == []
    assert await client.get_playback() == []
    assert (await client.get_ratings()).movies == []
    assert await client.get_episodes(MediaType.SHOWS, 1186633) == []


# --- messages -------------------------------------------------------------------------------------


async def test_echoed_credentials_are_redacted(
    fake_simkl: FakeSimkl, make_api_client: ClientFactory, access_token: str
) -> None:
    """A server message that echoes the token or client id (even URL-encoded) is blanked."""
    client_id = "my client/id"
    encoded_id = quote(client_id, safe="")
    query_id = "my+client/id"  # how aiohttp writes it into the request's query string
    client = make_api_client(client_id=client_id, access_token=access_token)
    fake_simkl.inject_fault(
        "/sync/activities",
        FaultKind.STATUS,
        status=400,
        error="wrong_parameter",
        body={
            "error": "wrong_parameter",
            "message": (
                f"bad {access_token} for {client_id} at ?client_id={encoded_id}"
                f" or ?client_id={query_id}"
            ),
        },
    )
    with pytest.raises(SimklClientError) as caught:
        await client.get_activities()
    assert str(caught.value) == (
        "Simkl answered HTTP 400 (GET /sync/activities) [wrong_parameter]: "
        "bad *** for *** at ?client_id=*** or ?client_id=***"
    )
    assert_safe(caught.value, access_token, client_id)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7.0), ("0", 0.0), ("2.5", 2.5), (None, None), ("soon", None), ("-3", None)],
)
def test_retry_after_header(header: str | None, seconds: float | None) -> None:
    """A usable Retry-After is read; anything else is no suggestion from Simkl."""
    assert _retry_after(header) == seconds


@pytest.mark.parametrize(
    ("raw", "body"),
    [
        (b'{"error": "id_err", "code": 404}', {"error": "id_err", "code": 404}),
        (b"<html>502 Bad Gateway</html>", {}),
        (b"", {}),
        (b'["not", "an", "object"]', {}),
    ],
)
def test_error_bodies(raw: bytes, body: dict[str, Any]) -> None:
    """Proxy pages and other non-Simkl error bodies carry no error id."""
    assert _error_body(raw) == body


# --- the retry budget ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("retry_after", "sleeps"),
    [
        pytest.param(7.0, [7.0], id="within the budget: slept on"),
        pytest.param(90.0, [], id="past the budget: left to the caller"),
    ],
)
async def test_a_429_waits_what_retry_after_says(
    fake_simkl: FakeSimkl,
    make_api_client: ClientFactory,
    access_token: str,
    retry_after: float,
    sleeps: list[float],
) -> None:
    """A read refused with a `Retry-After` is retried after that wait when it fits the
    30 s budget; otherwise the error carries the wait at once."""
    client = make_api_client(access_token=access_token, retry_budget=30.0)
    fake_simkl.inject_fault(
        "/sync/activities", FaultKind.STATUS, status=429, headers={"Retry-After": f"{retry_after}"}
    )
    with patch.object(transport_module, "asyncio", wraps=asyncio) as spy:
        spy.sleep = AsyncMock()
        outcome = (await asyncio.gather(client.get_activities(), return_exceptions=True))[0]
    assert [call.args[0] for call in spy.sleep.await_args_list] == sleeps
    assert fake_simkl.request_paths() == ["GET /sync/activities"] * (1 + len(sleeps))
    if not sleeps:
        assert isinstance(outcome, SimklRateLimitError)
        assert (outcome.retry_after, outcome.retry_after_sent) == (retry_after, True)


async def test_the_budget_counts_the_time_requests_take(
    fake_simkl: FakeSimkl, make_api_client: ClientFactory, access_token: str
) -> None:
    """Answers that each take 12 s leave room for two retries in a 30 s budget, not the
    four the waits alone would allow."""
    now = [0.0]

    def clock() -> float:
        now[0] += 12.0  # read at the start and at the end of each attempt
        return now[0]

    client = make_api_client(
        access_token=access_token, retry_base_delay=1.0, retry_budget=30.0, clock=clock
    )
    fake_simkl.inject_fault("/sync/activities", FaultKind.STATUS, status=503, count=None)
    with patch.object(transport_module, "asyncio", wraps=asyncio) as spy:
        spy.sleep = AsyncMock()
        with pytest.raises(SimklServerError):
            await client.get_activities()
    # 12 + 1 + 12 + 2 = 27 s; after the third answer (39 s) no wait fits in 30.
    assert [call.args[0] for call in spy.sleep.await_args_list] == [1.0, 2.0]
    assert fake_simkl.request_paths() == ["GET /sync/activities"] * 3


# --- public files and PIN codes -----------------------------------------------------------------


async def test_a_401_from_the_calendar_files_is_not_about_the_token(
    fake_simkl: FakeSimkl, client: SimklClient
) -> None:
    """The calendar files are public: a 401 there is an error of the file, not a reason to
    link the account again."""
    fake_simkl.inject_fault("/calendar/", FaultKind.STATUS, status=401, count=None)
    with pytest.raises(SimklClientError) as caught:
        await client.get_calendar(MediaType.SHOWS)
    assert not isinstance(caught.value, SimklAuthenticationError)
    assert caught.value.status == 401


async def test_pin_codes_stay_out_of_logs_and_errors(
    fake_simkl: FakeSimkl, make_api_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """The code that links an account is redacted from debug lines and error messages,
    like the token is."""
    caplog.set_level(logging.DEBUG)
    client = make_api_client()
    code = await client.request_pin()
    await client.poll_pin(code.user_code)
    fake_simkl.inject_fault("/oauth/pin/", FaultKind.STATUS, status=500, count=None)
    with pytest.raises(SimklServerError) as caught:
        await client.poll_pin(code.user_code)

    assert "GET /oauth/pin/***" in str(caught.value)
    assert_safe(caught.value, code.user_code)
    assert "/oauth/pin/***" in caplog.text
    assert code.user_code not in caplog.text
