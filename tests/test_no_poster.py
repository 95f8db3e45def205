"""Titles without a poster: upcoming-media-card shows a picture Home Assistant serves itself."""

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.simkl.const import NO_POSTER_PATH

from .conftest import setup_integration
from .fake_simkl import FakeSimkl


@pytest.mark.parametrize("entity_id", ["sensor.alice_upcoming", "sensor.alice_next_to_watch"])
async def test_titles_without_poster_get_the_served_placeholder(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    entity_id: str,
) -> None:
    """The card's items name the placeholder, which loads from Home Assistant without a login
    (as an image on a dashboard does) and without reaching Simkl; the sensor's own items say
    there is no poster."""
    for item in fake_simkl.catalog:
        item.poster = None
    await setup_integration(hass, mock_config_entry)
    state = hass.states.get(entity_id)
    assert state is not None
    items, card = state.attributes["items"], state.attributes["data"][1:]
    assert items
    assert [item["poster"] for item in items] == [None] * len(items)
    assert [item["poster"] for item in card] == [NO_POSTER_PATH] * len(items)

    fake_simkl.clear_requests()
    client = await hass_client_no_auth()
    response = await client.get(NO_POSTER_PATH)
    assert response.status == 200
    assert response.content_type == "image/svg+xml"
    assert (await response.text()).startswith("<svg")
    assert fake_simkl.request_paths() == []
