"""Write ``src/bidfit/schemas/case.schema.json``: the JSON schema of a case file (``bidfit schema``).

Usage::

    python tools/make_schema.py          # write the schema
    python tools/make_schema.py --check  # exit 1 if the file is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bidfit.cli.schema import schema_text
from bidfit.io.atomic import write_atomically

SCHEMA = Path(__file__).resolve().parents[1] / "src" / "bidfit" / "schemas" / "case.schema.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the file is up to date")
    args = parser.parse_args(argv)
    text = schema_text()
    if args.check:
        if not SCHEMA.is_file() or SCHEMA.read_text(encoding="utf-8") != text:
            print(f"out of date (run python tools/make_schema.py): {SCHEMA}", file=sys.stderr)
            return 1
        return 0
    write_atomically(SCHEMA, lambda fh: fh.write(text.encode("utf-8")))
    print(f"wrote {SCHEMA}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
