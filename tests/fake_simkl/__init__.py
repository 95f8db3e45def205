"""A stateful fake of the Simkl API for tests and the demo.

Start one with ``async with FakeSimkl() as fake:`` (or `FakeSimkl.start`/`FakeSimkl.stop`)
and point a client at ``fake.url`` for both the API and the calendar files.
"""

from .catalog import Catalog
from .library import Library, LibraryEntry, Playback, Status
from .seeds import DEMO_LIBRARY
from .server import DEFAULT_CLIENT_ID, FakeSimkl, FaultKind, LoggedRequest
from .state import FakeUser
from .titles import CatalogItem, Episode, MediaKind, SeasonPlan

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEMO_LIBRARY",
    "Catalog",
    "CatalogItem",
    "Episode",
    "FakeSimkl",
    "FakeUser",
    "FaultKind",
    "Library",
    "LibraryEntry",
    "LoggedRequest",
    "MediaKind",
    "Playback",
    "SeasonPlan",
    "Status",
]
