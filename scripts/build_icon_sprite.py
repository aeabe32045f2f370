"""Build the vendored icon sprite from the ``lucide-static`` npm package.

Usage: ``npm pack lucide-static@<version>``, unpack it, then
``python scripts/build_icon_sprite.py path/to/package``. Only the icons named
in ``ICONS`` go into the sprite, so that it stays small; add a name here and
run the script again to use another icon.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ICONS = [
    "arrow-left",
    "arrow-right",
    "badge-check",
    "bell",
    "book-open",
    "building-2",
    "calendar",
    "chart-column",
    "check",
    "chevron-down",
    "chevron-left",
    "chevron-right",
    "circle-alert",
    "circle-check",
    "circle-help",
    "database",
    "download",
    "external-link",
    "file",
    "file-text",
    "house",
    "inbox",
    "info",
    "languages",
    "layout-dashboard",
    "lightbulb",
    "lock",
    "log-in",
    "log-out",
    "mail",
    "map-pin",
    "megaphone",
    "menu",
    "message-circle-question",
    "pencil",
    "plus",
    "search",
    "settings",
    "shield-check",
    "trash-2",
    "triangle-alert",
    "upload",
    "user",
    "users",
    "x",
]

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "src/allmende/core/static/vendor/lucide"
SHAPE = re.compile(r"<svg[^>]*>(.*)</svg>", re.DOTALL)


def main(package: Path) -> None:
    symbols = []
    for name in ICONS:
        source = (package / "icons" / f"{name}.svg").read_text()
        match = SHAPE.search(source)
        if match is None:
            raise SystemExit(f"no <svg> in {name}.svg")
        body = " ".join(line.strip() for line in match.group(1).splitlines())
        symbols.append(
            f'<symbol id="{name}" viewBox="0 0 24 24">{body.strip()}</symbol>'
        )
    sprite = (
        '<svg xmlns="http://www.w3.org/2000/svg" fill="none" stroke="currentColor" '
        'stroke-width="2" stroke-linecap="round" stroke-linejoin="round">\n'
        + "\n".join(symbols)
        + "\n</svg>\n"
    )
    TARGET.mkdir(parents=True, exist_ok=True)
    (TARGET / "icons.svg").write_text(sprite)
    shutil.copy(package / "LICENSE", TARGET / "LICENSE")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
