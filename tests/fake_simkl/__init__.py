"""A stateful fake of the Simkl API for tests and the demo.

Start one with ``async with FakeSimkl() as fake:`` (or `FakeSimkl.start`/`FakeSimkl.stop`)
and point a client at ``fake.url`` for both the API and the calendar files.
"""

from .catalog import Catalog, CatalogItem, Episode, MediaKind, SeasonPlan
from .server import DEFAULT_CLIENT_ID, FakeSimkl, FaultKind, LoggedRequest
from .state import DEMO_LIBRARY, FakeUser, Library, LibraryEntry, Playback, Status

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
