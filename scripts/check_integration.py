"""Check the integration as hassfest and the HACS action would, offline.

Prints one line per problem, named after the hassfest plugin or HACS check it mirrors,
and exits non-zero when there is any. Run inside the project's environment (it reads the
integration with Home Assistant's own validators): scripts/test runs it.
"""

import argparse
from pathlib import Path
import sys

from integration_checks import RULES, check


def main() -> int:
    """Check the checkout (the repository root by default)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "root", nargs="?", type=Path, default=Path(__file__).resolve().parent.parent
    )
    args = parser.parse_args()
    findings = check(args.root)
    for finding in findings:
        print(finding)
    if not findings:
        print(f"{len(RULES)} hassfest and HACS rules passed")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
