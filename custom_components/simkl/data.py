"""What a loaded Simkl config entry carries in `entry.runtime_data`."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

from .api import SimklClient

if TYPE_CHECKING:
    from .coordinator import SimklDataUpdateCoordinator


@dataclass(slots=True, kw_only=True)
class SimklRuntimeData:
    """The client and the workers of one linked account."""

    client: SimklClient
    coordinator: SimklDataUpdateCoordinator


type SimklConfigEntry = ConfigEntry[SimklRuntimeData]
