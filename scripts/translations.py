"""Keep translations/en.json in step with strings.json.

Custom integrations are translated from translations/en.json only; strings.json is the
source written by hand (as in Home Assistant core). Run without arguments to copy,
with --check to fail when they differ.
"""

import argparse
import json
from pathlib import Path
import sys

INTEGRATION = Path(__file__).resolve().parent.parent / "custom_components" / "simkl"
SOURCE = INTEGRATION / "strings.json"
TARGET = INTEGRATION / "translations" / "en.json"


def main() -> int:
    """Copy or check the English translation."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when en.json is stale")
    args = parser.parse_args()
    source = json.loads(SOURCE.read_text(encoding="utf-8"))
    rendered = json.dumps(source, indent=2, ensure_ascii=False) + "\n"
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != rendered:
            print("translations/en.json is stale: run python scripts/translations.py")
            return 1
        return 0
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(rendered, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
