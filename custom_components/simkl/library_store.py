"""The stored copy of an account's library: a whole copy, and the titles changed since.

Version 3 keeps two files in `.storage`, of one shape:

    {"generation": "<ULID>", "account": {...}, "activities": {...} or null,
     "playback": [{...}, ...], "items": ["<a title's row>", ...], "removed": [<Simkl id>, ...]}

- `simkl.<config entry id>`, the whole copy: every title's row (`library_codec.py`), and no
  `removed` (left out when empty). Written after the first sync, and whenever more titles than
  `compaction_bound` (a twentieth of the library, at least 200) differ from it, under a new
  generation.
- `simkl.<config entry id>.library_changes`, the change file: the generation of the whole copy
  it applies to, the header (account, activities, paused sessions: small) of the moment it was
  written, the rows of every title added or changed since that whole copy, and the Simkl ids
  of those removed. Written instead of the whole copy by every other save: at most once a
  minute (`CACHE_SAVE_DELAY`), and when Home Assistant stops or the account unloads.

Why: the library was written whole at every save, about 11 MB and 40 ms of CPU at 50,000
titles for one watched episode. The change file's size follows what changed since the last
whole write instead, and is kept below a twentieth of the whole copy; a whole write follows at
least that many changed titles. The rows are a list of strings rather than one text (version 2)
because Home Assistant's JSON encoder reserves about twelve times the length of a string for a
moment: 155 MiB for the one text of 50,000 titles, for a few bytes more per title.

Why a loaded library is consistent whatever write was lost: each file is consistent on its
own, and the change file holds everything that changed since the whole copy of its generation
(not only since the previous change file). Loading applies the change file only when its
generation is the whole copy's, which gives the library of the moment the change file was
written. Any other combination reads the whole copy alone: a change file missing, unreadable,
of an unknown format or of another generation (one written before the last whole write, or
after a whole write that was lost). The whole copy holds older titles with their own, older
activity timestamps, so the first poll fetches what changed since, as when a delayed write is
lost; titles of one moment never come with the timestamps of a later one. The generation is a
ULID drawn at each whole write rather than a counter, which would start again after a whole
copy was dropped and could then match a change file left from before.

Versions 1 (an object per title) and 2 (the rows in one text) are migrated; a copy in any other
format is dropped and the library synced again (it is only a cache of what Simkl holds).
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, override

from homeassistant.util.ulid import ulid_now

from .api import Activities
from .library import Account, Library, LibraryEntry
from .library_codec import (
    entry_from_row,
    entry_from_v1,
    entry_row,
    playback_from_json,
    playback_to_json,
)
from .storage import AccountStore, CacheStore

if TYPE_CHECKING:
    from collections.abc import Iterable

    from homeassistant.core import HomeAssistant

LIBRARY_STORAGE_VERSION: Final = 3
# The change file is written whole at each save: past a twentieth of the library (and a few
# hundred titles, a few dozen kB), a whole write is due.
MIN_COMPACTION_BOUND: Final = 200
COMPACTION_SHARE: Final = 20


def compaction_bound(titles: int) -> int:
    """Return how many titles may differ from the whole copy before it is written again."""
    return max(MIN_COMPACTION_BOUND, titles // COMPACTION_SHARE)


def _copy(
    library: Library, generation: str, rows: Iterable[str], removed: Iterable[int] = ()
) -> dict[str, Any]:
    """Return a stored copy: the whole library, or the change file (with `removed`)."""
    stored: dict[str, Any] = {
        "generation": generation,
        "account": library.account.to_json(),
        "activities": library.activities.to_dict() if library.activities else None,
        "playback": [playback_to_json(entry) for entry in library.playback.values()],
        "items": list(rows),
    }
    if removed:
        stored["removed"] = list(removed)
    return stored


def _header(data: dict[str, Any]) -> Library:
    """Read what every version stores alike: the account, activities and sessions."""
    activities = data.get("activities")
    playback = (playback_from_json(item) for item in data["playback"])
    return Library(
        account=Account.from_json(data["account"]),
        activities=Activities.from_dict(activities) if activities else None,
        playback={entry.playback_id: entry for entry in playback},
    )


@dataclass(frozen=True, kw_only=True)
class _StoredCopy:
    """A stored file, read: its generation, header, titles (with their rows) and removals."""

    generation: str
    header: Library
    rows: dict[int, tuple[LibraryEntry, str]]
    removed: frozenset[int]


def _read_copy(data: dict[str, Any]) -> _StoredCopy:
    """Read either file; raises on anything malformed, so a file is used whole or not at all."""
    generation = data["generation"]
    if not isinstance(generation, str) or not isinstance(data["items"], list):
        msg = "Not a stored library of version 3"
        raise TypeError(msg)
    rows = {}
    for row in data["items"]:
        entry = entry_from_row(row)
        rows[entry.simkl_id] = (entry, row)
    return _StoredCopy(
        generation=generation,
        header=_header(data),
        rows=rows,
        removed=frozenset(int(simkl_id) for simkl_id in data.get("removed", ())),
    )


class LibraryStore(CacheStore):
    """The stored library of one account: the whole copy, and its change file."""

    def __init__(self, hass: HomeAssistant, key: str) -> None:
        """Store the library under `key`, its change file under `key` + ".library_changes"."""
        super().__init__(hass, key, what="library", version=LIBRARY_STORAGE_VERSION)
        self._changes = CacheStore(
            hass,
            f"{key}{AccountStore.LIBRARY_CHANGES.value}",
            what="library change file",
            version=LIBRARY_STORAGE_VERSION,
        )
        # Each title's stored row, with the entry it was made from.
        self._rows: dict[int, tuple[LibraryEntry, str]] = {}
        # The latest library handed over, and the titles changed since the last save, whose
        # rows are not made yet (None: not known, compare every entry).
        self._latest: Library | None = None
        self._pending: set[int] | None = None
        # The generation of the whole copy stored (None: there is none the store can use),
        # and the titles whose rows differ from it, which the change file holds.
        self._generation: str | None = None
        self._since_whole: set[int] = set()

    async def async_load_library(self) -> Library | None:
        """Return the stored library; None when there is none or it cannot be used."""
        whole = await self.async_load_copy(_read_copy)
        if whole is None:
            return None
        rows, library, since_whole = whole.rows, whole.header, set[int]()
        changes = await self._changes.async_load_copy(_read_copy)
        if changes is not None and changes.generation == whole.generation:
            rows.update(changes.rows)
            for simkl_id in changes.removed:
                rows.pop(simkl_id, None)
            library, since_whole = changes.header, set(changes.rows) | changes.removed
        library.add(entry for entry, _ in rows.values())
        self._rows, self._latest, self._pending = rows, library, set()
        self._generation, self._since_whole = whole.generation, since_whole
        return library

    def async_delay_save_library(self, library: Library) -> None:
        """Write `library` within a minute, with whatever changes after it meanwhile."""
        self._note(library)
        if self._whole_due():
            self.async_delay_save_copy(self._whole_then_changes)
        else:
            self._changes.async_delay_save_copy(self._changed)

    async def async_save_library(self, library: Library) -> None:
        """Write `library` now."""
        self._note(library)
        if self._whole_due():
            await self.async_save(self._whole())
        await self._changes.async_save(self._changed())

    def _note(self, library: Library) -> None:
        changed = library.changes_since(self._latest) if self._latest is not None else None
        if changed is None or self._pending is None:
            self._pending = None
        else:
            self._pending |= changed
        self._latest = library

    def _whole_due(self) -> bool:
        """Whether the next save writes the whole copy: there is none, or more titles than
        the bound differ from it."""
        if self._generation is None or self._pending is None:
            return True  # or what changed is not known
        assert self._latest is not None
        bound = compaction_bound(len(self._latest.items))
        if len(self._since_whole | self._pending) <= bound:
            return False
        # A sync touches more titles than it changes (a new rating touches every rated
        # title of its type): their rows decide.
        self._make_rows()
        return len(self._since_whole) > bound

    def _make_rows(self) -> Library:
        """Make the rows of the titles changed since the last save; return the library."""
        library = self._latest
        assert library is not None
        items = library.items
        if self._pending is None:
            self._pending = {
                simkl_id
                for simkl_id, entry in items.items()
                if (kept := self._rows.get(simkl_id)) is None or kept[0] is not entry
            } | (self._rows.keys() - items.keys())
        for simkl_id in self._pending:
            previous = self._rows.get(simkl_id)
            if (entry := items.get(simkl_id)) is None:
                row = None
                self._rows.pop(simkl_id, None)
            else:
                row = entry_row(entry)
                self._rows[simkl_id] = (entry, row)
            if row != (previous[1] if previous is not None else None):
                # No longer the whole copy's row (a title a sync touched but left as it was
                # keeps it).
                self._since_whole.add(simkl_id)
        self._pending = set()
        return library

    def _whole(self) -> dict[str, Any]:
        """Return the whole copy, under a new generation."""
        library = self._make_rows()
        self._generation, self._since_whole = ulid_now(), set()
        return _copy(library, self._generation, (row for _, row in self._rows.values()))

    def _whole_then_changes(self) -> dict[str, Any]:
        """Return the whole copy, and have the (empty) change file of its generation follow:
        the one stored applies to the whole copy before."""
        stored = self._whole()
        self.hass.async_create_task(
            self._changes.async_save(self._changed()), f"{self.key} changes", eager_start=True
        )
        return stored

    def _changed(self) -> dict[str, Any]:
        """Return the change file: what differs from the whole copy stored."""
        library = self._make_rows()
        # Written only once the whole copy is, so it has a generation.
        assert self._generation is not None
        items = library.items
        changed = sorted(self._since_whole)
        return _copy(
            library,
            self._generation,
            (self._rows[simkl_id][1] for simkl_id in changed if simkl_id in items),
            [simkl_id for simkl_id in changed if simkl_id not in items],
        )

    @override
    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        """Rewrite a version 1 copy (an object per title) or a version 2 copy (the rows in
        one text) as a whole copy of version 3."""
        if old_major_version not in (1, 2):
            return {}
        try:
            library, items = _header(old_data), old_data["items"]
            if old_major_version == 1:
                rows = [entry_row(entry_from_v1(item)) for item in items]
            else:
                rows = items.splitlines()
        except KeyError, TypeError, ValueError, AttributeError:
            self.warn_unknown_format()
            return {}
        return _copy(library, ulid_now(), rows)
