"""Catalogue of shows, anime and movies served by the fake Simkl API.

Air dates are generated relative to an anchor time (normally the fake's ``now()`` when the
catalogue is built), so that a demo or a test always sees aired, unwatched and upcoming
episodes whatever the real date is. The titles themselves are in `titles.py`, the demo
catalogue in `demo/`, the generated one in `synthetic.py`.
"""

from datetime import UTC, datetime
import random
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator, Mapping

from .demo import demo_items
from .synthetic import synthetic_item
from .titles import (
    MEDIA_KINDS,
    CatalogItem,
    Episode,
    MediaKind,
    normalize_id,
    normalize_title,
    split_episode_id,
)


class Catalog:
    """The items the fake knows, indexed by Simkl id, external ids and titles."""

    def __init__(self, items: Iterable[CatalogItem] = ()) -> None:
        """Index ``items``."""
        self._items: dict[int, CatalogItem] = {}
        self._by_external: dict[tuple[str, str], list[CatalogItem]] = {}
        self._synthetic_count = 0
        for item in items:
            self.add(item)

    def __iter__(self) -> Iterator[CatalogItem]:
        """Iterate over the items in the order they were added."""
        return iter(self._items.values())

    def __len__(self) -> int:
        """Return the number of items."""
        return len(self._items)

    def __contains__(self, simkl_id: object) -> bool:
        """Return whether an item has this Simkl id."""
        return simkl_id in self._items

    def add(self, item: CatalogItem) -> None:
        """Add ``item``; its Simkl id must be new."""
        if item.simkl_id in self._items:
            msg = f"Simkl id {item.simkl_id} is already in the catalogue"
            raise ValueError(msg)
        self._items[item.simkl_id] = item
        for key, value in item.ids.items():
            index_key = normalize_id(key, value)
            if index_key is not None:
                self._by_external.setdefault(index_key, []).append(item)

    def get(self, simkl_id: int) -> CatalogItem | None:
        """Return the item with this Simkl id."""
        return self._items.get(simkl_id)

    def find(
        self,
        ids: Mapping[str, Any] | None = None,
        *,
        kinds: Collection[MediaKind] = MEDIA_KINDS,
        title: str | None = None,
        year: int | None = None,
    ) -> CatalogItem | None:
        """Resolve an item as Simkl does: ids (simkl first), then title and year, then title."""
        keys = [key for key in (normalize_id(*pair) for pair in (ids or {}).items()) if key]
        # Simkl's own id first: it is the only one unique across every kind of item.
        keys.sort(key=lambda key: key[0] != "simkl")
        for index_key in keys:
            if index_key[0] == "simkl":
                item = self._items.get(int(index_key[1])) if index_key[1].isdigit() else None
                if item is not None and item.kind in kinds:
                    return item
                continue
            for candidate in self._by_external.get(index_key, ()):
                if candidate.kind in kinds:
                    return candidate
        if title:
            return self.find_title(title, year, kinds=kinds)
        return None

    def find_title(
        self, title: str, year: int | None = None, *, kinds: Collection[MediaKind] = MEDIA_KINDS
    ) -> CatalogItem | None:
        """Return the item titled ``title`` (the one from ``year`` when given and known)."""
        wanted = normalize_title(title)
        matches = [
            item
            for item in self._items.values()
            if item.kind in kinds
            and wanted in {normalize_title(item.title), normalize_title(item.en_title or "")}
        ]
        if year is not None:
            same_year = [item for item in matches if item.year == year]
            if same_year:
                return same_year[0]
        return matches[0] if matches else None

    def search(self, query: str, kinds: Collection[MediaKind]) -> list[CatalogItem]:
        """Return items whose titles contain ``query``, ignoring case."""
        wanted = query.strip().lower()
        return [
            item
            for item in self._items.values()
            if item.kind in kinds
            and (wanted in item.title.lower() or wanted in (item.en_title or "").lower())
        ]

    def episode_by_id(self, episode_id: int) -> tuple[CatalogItem, Episode] | None:
        """Return the show and episode an episode id names."""
        show_id, season, number = split_episode_id(episode_id)
        item = self._items.get(show_id)
        episode = item.episode(season, number) if item is not None else None
        if item is None or episode is None:
            return None
        return item, episode

    @classmethod
    def demo(cls, now: datetime | None = None) -> Catalog:
        """Return the demo catalogue, with air dates placed around ``now``."""
        return cls(demo_items(now or datetime.now(UTC)))

    @classmethod
    def synthetic(cls, count: int, seed: int = 0, now: datetime | None = None) -> Catalog:
        """Return a catalogue of ``count`` generated items of every kind (deterministic)."""
        catalog = cls()
        catalog.add_synthetic(count, seed=seed, now=now or datetime.now(UTC))
        return catalog

    def add_synthetic(self, count: int, *, seed: int, now: datetime) -> list[CatalogItem]:
        """Generate ``count`` more items with fresh ids, add them and return them."""
        rng = random.Random(f"{seed}-{self._synthetic_count}")  # noqa: S311 - test data, not secrets
        items = []
        for _ in range(count):
            item = synthetic_item(rng, self._synthetic_count, now)
            self._synthetic_count += 1
            while item.simkl_id in self._items:
                item = synthetic_item(rng, self._synthetic_count, now)
                self._synthetic_count += 1
            self.add(item)
            items.append(item)
        return items
