"""What a loaded Simkl config entry carries in `entry.runtime_data`."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

from .api import SimklClient

if TYPE_CHECKING:
    from .coordinator import SimklLibraryCoordinator
    from .player_match import TitleResolver
    from .players import PlayerFollower
    from .upcoming import SimklCalendarCoordinator
    from .write_queue import SimklWriteQueue


@dataclass(slots=True, kw_only=True)
class SimklRuntimeData:
    """The client and the workers of one linked account."""

    client: SimklClient
    library: SimklLibraryCoordinator
    calendar: SimklCalendarCoordinator
    writes: SimklWriteQueue
    titles: TitleResolver
    players: PlayerFollower


type SimklConfigEntry = ConfigEntry[SimklRuntimeData]
