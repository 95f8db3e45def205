"""The demo catalogue: the titles `scripts/develop` and the tests show, by media type.

TV airs in US or UK evenings (Slow Horses at local midnight), anime late at night in Tokyo
(Dan Da Dan at 00:26, a different UTC date); several seasons are on air with the next
episode one to five days away, Fallout premieres in twelve days, and two movies come out
within the calendar window.
"""

from typing import TYPE_CHECKING

from .anime import demo_anime
from .movies import demo_movies
from .shows import demo_shows

if TYPE_CHECKING:
    from datetime import datetime

    from tests.fake_simkl.titles import CatalogItem


def demo_items(anchor: datetime) -> list[CatalogItem]:
    """Return the demo catalogue's items with air dates around ``anchor``."""
    return [*demo_shows(anchor), *demo_anime(anchor), *demo_movies(anchor)]
