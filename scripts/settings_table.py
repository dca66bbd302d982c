"""Write the README's table of settings from their declarations (assistant/settings.py).

python scripts/settings_table.py            # rewrite the table in README.md
python scripts/settings_table.py --check    # fail if README.md's table is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's assistant/, not an installed one

from assistant.settings import with_table  # noqa: E402

README = ROOT / "README.md"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report a stale table, write nothing")
    args = parser.parse_args()
    text = README.read_text("utf-8")
    fresh = with_table(text)
    if args.check:
        if fresh != text:
            print("README.md's table of settings is stale: run python scripts/settings_table.py")
            return 1
        return 0
    README.write_text(fresh, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
