"""Image URLs built from the paths Simkl returns in `poster`, `fanart`, `img` and `avatar`.

An image at a given URL never changes, so callers may cache them forever.
"""

from __future__ import annotations

from .const import IMAGE_URL, ImageKind

POSTER_WIDE = "_w"
POSTER_MEDIUM = "_m"
POSTER_CARD_LARGE = "_ca"
POSTER_CARD = "_c"
POSTER_CARD_MINI = "_cm"
POSTER_SMALL = "_s"

FANART_MEDIUM = "_medium"
FANART_MOBILE = "_mobile"
FANART_WIDE = "_w"
FANART_TINY = "_s48"
FANART_DARK = "_d"

EPISODE_WIDE = "_w"
EPISODE_CARD = "_c"
EPISODE_MINI = "_m"

AVATAR_24 = "_24"
AVATAR_100 = "_100"
AVATAR_200 = ""
AVATAR_256 = "_256"
AVATAR_512 = "_512"


def build_image_url(
    base: str, kind: ImageKind, path: str | None, size: str | None = None
) -> str | None:
    """Return `{base}/{kind}/{path}{size}{ext}`, or None when there is no path.

    Paths that are already absolute URLs are returned unchanged, because some endpoints
    (avatars, recently-watched backgrounds) hand out full URLs.
    """
    if not path:
        return None
    if path.startswith(("https://", "http://")):
        return path
    suffix = size or ""
    # Avatars and the darkened original fanart only exist as JPEG.
    extension = ".jpg" if kind is ImageKind.AVATAR or suffix == FANART_DARK else ".webp"
    return f"{base.rstrip('/')}/{kind.value}/{path.lstrip('/')}{suffix}{extension}"


def no_poster_url(base: str = IMAGE_URL, size: str | None = POSTER_CARD) -> str:
    """Return Simkl's placeholder for a missing poster (only `_c` and `_s` sizes exist)."""
    suffix = POSTER_SMALL if size == POSTER_SMALL else POSTER_CARD
    return f"{base.rstrip('/')}/poster_no_pic{suffix}.png"
