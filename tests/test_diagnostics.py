"""Diagnostics of a linked account."""

import json
from typing import TYPE_CHECKING

import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from syrupy.filters import props

from tests.conftest import ACCOUNT_ID, CLIENT_ID

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
    from syrupy.assertion import SnapshotAssertion


@pytest.mark.freeze_time("2026-11-01T12:00:00+00:00")
async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    access_token: str,
    snapshot: SnapshotAssertion,
) -> None:
    """Diagnostics summarise the library and leave out secrets and personal details."""
    result = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert result == snapshot(exclude=props("created_at", "modified_at", "entry_id"))

    dumped = json.dumps(result)
    for secret in (access_token, CLIENT_ID, "alice", str(ACCOUNT_ID)):
        assert secret not in dumped
