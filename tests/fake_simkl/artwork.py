"""Pictures for the fake's image host: posters and fanart drawn from the title, as SVG.

Simkl serves photos; a demo only needs each title to look different and to be readable in a
screenshot, so the fake draws a coloured card with the title instead of shipping images.
"""

import hashlib
import html
import textwrap

# Width, height and characters per line of the title, by image kind.
_POSTER = (340, 500, 12)
_WIDE = (960, 540, 24)
_SHAPES = {"posters": _POSTER, "avatars": (256, 256, 10)}


def draw(kind: str, path: str, title: str | None) -> bytes:
    """Return an SVG picture for the image ``path`` of ``kind`` (posters, fanart, ...).

    The colour follows from the path, so a title keeps its colour across sizes and restarts.
    """
    width, height, line_length = _SHAPES.get(kind, _WIDE)
    digest = hashlib.sha256(path.encode()).digest()
    hue = digest[0] * 360 // 256
    lines = textwrap.wrap(title or "", line_length)[:4]
    font_size = width // (line_length // 2 + 2)
    first_baseline = height / 2 - (len(lines) - 1) * font_size * 0.6
    text = "".join(
        f'<text x="50%" y="{first_baseline + index * font_size * 1.2:.0f}">'
        f"{html.escape(line)}</text>"
        for index, line in enumerate(lines)
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
        '<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="hsl({hue},55%,42%)"/>'
        f'<stop offset="1" stop-color="hsl({(hue + 40) % 360},60%,18%)"/>'
        "</linearGradient></defs>"
        f'<rect width="{width}" height="{height}" fill="url(#g)"/>'
        f'<g fill="#fff" font-family="sans-serif" font-weight="700" font-size="{font_size}" '
        f'text-anchor="middle">{text}</g></svg>'
    )
    return svg.encode()
