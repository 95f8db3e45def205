"""Sensors of a large library against the recorder's limits."""

from typing import TYPE_CHECKING

from homeassistant.components.recorder.history import get_significant_states
from homeassistant.const import Platform
from homeassistant.helpers.json import json_bytes
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

if TYPE_CHECKING:
    from homeassistant.components.recorder import Recorder
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from pytest_homeassistant_custom_component.plugins import RecorderInstanceContextManager

    from tests.fake_simkl import FakeSimkl, FakeUser

# The recorder's limit for the attributes of one state.
RECORDER_ATTRIBUTES_LIMIT = 16 * 1024


@pytest.fixture(autouse=True)
def mock_recorder_before_hass(async_test_recorder: RecorderInstanceContextManager) -> None:
    """Prepare the recorder's database before Home Assistant starts."""


async def test_large_library_stays_under_the_recorder_limit(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    simkl_user: FakeUser,
    mock_config_entry: MockConfigEntry,
) -> None:
    """With 5,000 titles each state's attributes stay under 16 KB, and the lists of
    titles stay out of the history database."""
    fake_simkl.seed_library(simkl_user, 5000)
    start = dt_util.utcnow()
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)

    states = [
        state
        for state in hass.states.async_all(Platform.SENSOR)
        if state.entity_id.startswith("sensor.alice_")
    ]
    assert states
    for state in states:
        assert len(json_bytes(state.attributes)) < RECORDER_ATTRIBUTES_LIMIT, state.entity_id

    next_to_watch = hass.states.get("sensor.alice_next_to_watch")
    assert next_to_watch is not None
    listed = next_to_watch.attributes["items"]
    # The state counts every title; the list holds as many as fit.
    assert 0 < len(listed) < int(next_to_watch.state)
    assert len(next_to_watch.attributes["data"]) == len(listed) + 1

    recorded = await hass.async_add_executor_job(
        get_significant_states, hass, start, None, [state.entity_id for state in states]
    )
    assert set(recorded) == {state.entity_id for state in states}
    for history in recorded.values():
        for state in history:
            assert "items" not in state.attributes
            assert "data" not in state.attributes
