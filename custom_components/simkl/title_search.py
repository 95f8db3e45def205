"""Finds the one title a name means, for lists that take titles by name (the watchlist).

A name is searched in every media type the options select. The title is taken when its
name matches exactly (ignoring case and punctuation), or when it is the only hit; a year at
the end ("Dune 2021", "Dune (2021)") narrows the hits to that year. Anything else is refused
with the candidates named, so that nothing is added by guesswork.
"""

from dataclasses import dataclass
import re
from typing import TYPE_CHECKING, Final

from homeassistant.exceptions import ServiceValidationError

from .api import MediaType, SearchResult
from .const import DOMAIN

if TYPE_CHECKING:
    from collections.abc import Collection

    from .api import SimklClient

# Hits read per media type; more than a few candidates are a name to make more precise.
SEARCH_LIMIT: Final = 10
MAX_CANDIDATES_NAMED: Final = 5

_TRAILING_YEAR: Final = re.compile(r"^(?P<title>.+?)\s*\(?(?P<year>(?:18|19|20)\d{2})\)?$")
_NOT_WORD: Final = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class TitleHit:
    """A search hit with a Simkl id, and the library section it belongs to."""

    simkl_id: int
    media_type: MediaType
    result: SearchResult

    @property
    def label(self) -> str:
        """Name the title for the user, e.g. `Dune (2021, movie)`."""
        kind = self.media_type.item_key
        year = self.result.year
        return f"{self.result.title} ({year}, {kind})" if year else f"{self.result.title} ({kind})"


def _comparable(title: str) -> str:
    return _NOT_WORD.sub(" ", title).strip().casefold()


def choose(name: str, hits: list[TitleHit], year: int | None) -> TitleHit:
    """Return the hit `name` means; raises ServiceValidationError when it is not clear."""
    if year is not None:
        hits = [hit for hit in hits if hit.result.year == year]
    wanted = _comparable(name)
    exact = [hit for hit in hits if _comparable(hit.result.title) == wanted]
    chosen = exact or hits
    if len(chosen) == 1:
        return chosen[0]
    if not chosen:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="title_not_found",
            translation_placeholders={"name": name},
        )
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="title_ambiguous",
        translation_placeholders={
            "name": name,
            "candidates": "; ".join(hit.label for hit in chosen[:MAX_CANDIDATES_NAMED]),
        },
    )


async def _async_search(
    client: SimklClient, query: str, media_types: Collection[MediaType]
) -> list[TitleHit]:
    hits: list[TitleHit] = []
    for media_type in MediaType:
        if media_type in media_types:
            results = await client.search_text(media_type, query, limit=SEARCH_LIMIT)
            hits.extend(
                TitleHit(simkl_id=result.ids.simkl, media_type=media_type, result=result)
                for result in results
                if result.ids.simkl is not None
            )
    return hits


async def async_find_title(
    client: SimklClient, name: str, media_types: Collection[MediaType]
) -> TitleHit:
    """Search Simkl for `name` in `media_types` and return the title it means.

    Raises ServiceValidationError for an unknown or ambiguous name, SimklError when the
    search fails.
    """
    name = name.strip()
    if (match := _TRAILING_YEAR.match(name)) is not None:
        title, year = match.group("title"), int(match.group("year"))
        hits = await _async_search(client, title, media_types)
        if any(hit.result.year == year for hit in hits):
            return choose(title, hits, year)
        # Else the number belongs to the title ("Blade Runner 2049"), not a year.
    return choose(name, await _async_search(client, name, media_types), None)
