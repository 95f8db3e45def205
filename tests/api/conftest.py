"""Fixtures of the API client's tests: plain pytest and aiohttp, no Home Assistant.

The client is tested as a library of its own (`simkl_api`, see `__init__.py`): against the
fake Simkl server on 127.0.0.1, with nothing of Home Assistant running. `scripts/test` also
runs them alone, where importing Home Assistant fails (`without_home_assistant.py`).
"""

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from simkl_api import SimklClient
from tests.fake_simkl import FakeSimkl, FakeUser

CLIENT_ID = "test-client-id"
ACCOUNT_ID = 424242
APP_NAME = "simkl-tests"
APP_VERSION = "1.0"


def no_time() -> float:
    """A clock on which requests take no time, so retry counts do not depend on the
    machine's speed."""
    return 0.0


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Replace the integration tests' fixture of that name: no Home Assistant here."""


@pytest.fixture(autouse=True)
def _local_sockets(socket_enabled: None) -> None:
    """Replace the integration tests' fixture: open sockets for the fake on 127.0.0.1."""


@pytest.fixture
async def fake_simkl() -> AsyncIterator[FakeSimkl]:
    """Run a fake Simkl on 127.0.0.1."""
    async with FakeSimkl(
        client_ids=(CLIENT_ID,), write_lock_seconds=0, max_gets_per_second=None
    ) as fake:
        yield fake


def add_demo_user(fake: FakeSimkl) -> FakeUser:
    """Add alice, an account with the demo library."""
    user = fake.add_user(name="alice", account_id=ACCOUNT_ID)
    fake.seed_demo_library(user)
    return user


@pytest.fixture
def simkl_user(fake_simkl: FakeSimkl) -> FakeUser:
    """A Simkl account with the demo library."""
    return add_demo_user(fake_simkl)


@pytest.fixture
def access_token(fake_simkl: FakeSimkl, simkl_user: FakeUser) -> str:
    """A token the fake accepts for the account."""
    return fake_simkl.issue_token(simkl_user)


@pytest.fixture
async def make_api_client(fake_simkl: FakeSimkl) -> AsyncIterator[Callable[..., SimklClient]]:
    """Build clients aimed at the fake on one aiohttp session.

    Pacing and backoff are fast unless a test passes its own values.
    """
    async with aiohttp.ClientSession() as session:

        def make(
            *,
            fake: FakeSimkl = fake_simkl,
            client_id: str = CLIENT_ID,
            access_token: str | None = None,
            **options: Any,
        ) -> SimklClient:
            return SimklClient(
                session,
                client_id,
                access_token=access_token,
                **{
                    "app_name": APP_NAME,
                    "app_version": APP_VERSION,
                    "api_url": fake.url,
                    "data_url": fake.url,
                    "min_get_interval": 0.0,
                    "min_post_interval": 0.0,
                    "retry_base_delay": 0.001,
                    "retry_budget": 0.05,
                    "clock": no_time,
                    **options,
                },
            )

        yield make
