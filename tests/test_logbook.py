"""Logbook lines of scrobbles, as they read on the player's timeline."""

from types import SimpleNamespace
from typing import Any

from homeassistant.core import HomeAssistant
import pytest

from custom_components.simkl.const import DOMAIN
from custom_components.simkl.logbook import async_describe_events, describe_scrobble
from custom_components.simkl.players import EVENT_SCROBBLE

PLAYER = "media_player.living_room"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": "watched", "item": "Severance S02E04"}, "watched on Simkl"),
        ({"outcome": "started", "item": "Severance S02E04", "progress": 0.3}, "started on Simkl"),
        (
            {"outcome": "paused", "item": "Severance S02E04", "progress": 40},
            "paused on Simkl at 40 %",
        ),
        (
            {"outcome": "stopped", "item": "Severance S02E04", "progress": 52.5},
            "stopped on Simkl at 52.5 %",
        ),
        ({"outcome": "stopped", "item": "Severance S02E04", "progress": None}, "stopped on Simkl"),
        (
            {"outcome": "unmatched", "item": "Shogun S01E01", "reason": "ambiguous"},
            "several Simkl titles have this name, so it was not scrobbled",
        ),
        (
            {"outcome": "unmatched", "item": "Holiday 2019", "reason": "not_found"},
            "not found on Simkl, so it was not scrobbled",
        ),
        (
            {"outcome": "ignored", "item": "Harvest Moon", "reason": "music"},
            "not scrobbled to Simkl (not a movie or an episode)",
        ),
        (
            {"outcome": "ignored", "item": "Dune: Part Two", "reason": "too_short"},
            "not scrobbled to Simkl (shorter than the shortest item to scrobble)",
        ),
    ],
)
def test_describe_scrobble(data: dict[str, Any], message: str) -> None:
    """The line names the item and says what Simkl was told, on the player's timeline."""
    described = describe_scrobble(
        data | {"entity_id": PLAYER, "account": "alice"}, name_account=False
    )
    assert described == {"name": data["item"], "message": message, "entity_id": PLAYER}


async def test_logbook_platform_names_the_account_when_there_are_several(
    hass: HomeAssistant,
) -> None:
    """The platform describes `simkl_scrobble`; one account's lines need no account name."""
    described: dict[str, Any] = {}
    async_describe_events(
        hass, lambda domain, event, describe: described.update({(domain, event): describe})
    )

    event = SimpleNamespace(
        data={"outcome": "watched", "item": "Severance S02E04", "account": "alice"}
    )

    assert described[(DOMAIN, EVENT_SCROBBLE)](event)["message"] == "watched on Simkl"
    assert describe_scrobble(event.data, name_account=True)["message"] == (
        "watched on Simkl (alice)"
    )
