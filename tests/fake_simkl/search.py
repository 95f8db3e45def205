"""File-name recognition for ``POST /search/file``."""

from dataclasses import dataclass
import re
from typing import TYPE_CHECKING, Any

from .views import media

if TYPE_CHECKING:
    from .catalog import Catalog
    from .titles import CatalogItem, MediaKind

_SEPARATORS = r"[\s._-]"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # [Group] Title - 05 [1080p]
    ("anime", re.compile(r"^\[[^\]]*\]\s*(?P<title>.+?)\s+-\s+(?P<episodes>\d{1,4})(?:v\d)?\b")),
    # Show.Name.S01E03, Show Name - s01e03e04
    (
        "episode",
        re.compile(
            rf"^(?P<title>.+?){_SEPARATORS}+S(?P<season>\d{{1,2}}){_SEPARATORS}*"
            rf"(?P<episodes>E\d{{1,4}}(?:{_SEPARATORS}*E\d{{1,4}})*)",
            re.IGNORECASE,
        ),
    ),
    # Show Name 1x03
    (
        "episode",
        re.compile(
            rf"^(?P<title>.+?){_SEPARATORS}+(?P<season>\d{{1,2}})x(?P<episodes>\d{{1,3}})\b",
            re.IGNORECASE,
        ),
    ),
    # The Office [401] Fun Run
    ("episode", re.compile(r"^(?P<title>.+?)\s*\[(?P<season>\d)(?P<episodes>\d{2})\]")),
    # Movie Name (2010), Movie.Name.2010.1080p
    ("movie", re.compile(r"^(?P<title>.+?)[\s._(\[]+(?P<year>(?:19|20)\d{2})(?:[\s._)\]]|$)")),
)
_KINDS: dict[str, tuple[MediaKind, ...]] = {
    "anime": ("anime", "tv"),
    "episode": ("tv", "anime"),
    "movie": ("movie", "anime"),
    "show": ("tv", "anime", "movie"),
}


@dataclass(frozen=True, slots=True)
class ParsedName:
    """What a file name says: a title, maybe a year, a season and episode numbers."""

    pattern: str
    title: str
    year: int | None = None
    season: int | None = None
    episodes: tuple[int, ...] = ()


def parse_file_name(path: str) -> ParsedName:
    """Recognise ``Show.Name.S01E03.mkv``, ``Movie Name (2010).mkv``, ``[Group] Title - 05``."""
    name = re.split(r"[\\/]", path.strip())[-1]
    name = re.sub(r"\.[A-Za-z0-9]{2,4}$", "", name)
    for pattern, regex in _PATTERNS:
        match = regex.match(name)
        if match is None:
            continue
        found = match.groupdict()
        title = re.sub(r"[._]+", " ", found["title"]).strip(" -")
        year = int(found["year"]) if found.get("year") else None
        trailing_year = re.search(r"\s\(?((?:19|20)\d{2})\)?$", title)
        if year is None and trailing_year is not None:
            year = int(trailing_year.group(1))
            title = title[: trailing_year.start()].strip()
        season = int(found["season"]) if found.get("season") else None
        episodes = tuple(int(number) for number in re.findall(r"\d+", found.get("episodes") or ""))
        return ParsedName(pattern, title, year, season, episodes)
    return ParsedName("show", re.sub(r"[._]+", " ", name).strip())


def _show_block(item: CatalogItem) -> dict[str, Any]:
    block = media(item, runtime=False)
    block.pop("poster")
    return block


def file_match(catalog: Catalog, path: str, part: int = 1) -> dict[str, Any] | None:
    """Return the ``/search/file`` answer for ``path``, or None when nothing matches."""
    parsed = parse_file_name(path)
    kinds = _KINDS[parsed.pattern]
    item = catalog.find_title(parsed.title, parsed.year, kinds=kinds)
    if item is None and parsed.year is not None:
        item = catalog.find_title(f"{parsed.title} {parsed.year}", kinds=kinds)
    if item is None:
        return None
    if item.is_movie or (item.kind == "anime" and item.anime_type == "movie"):
        return {"type": "movie", "movie": _show_block(item)}
    if not parsed.episodes:
        return {"type": "show", "show": _show_block(item)}
    index = min(max(part, 1), len(parsed.episodes)) - 1
    season = parsed.season if parsed.season is not None and item.kind == "tv" else 1
    episode = item.episode(season, parsed.episodes[index])
    if episode is None:
        return {"type": "show", "show": _show_block(item)}
    multipart: bool | int = False
    if len(parsed.episodes) > 1:
        multipart = 1 if index < len(parsed.episodes) - 1 else 0
    return {
        "type": "episode",
        "show": _show_block(item),
        "episode": {
            "title": episode.title,
            "season": episode.season,
            "episode": episode.number,
            "multipart": multipart,
            "ids": {"simkl": episode.simkl_id},
        },
    }
