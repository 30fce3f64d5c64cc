"""``python -m codegen``: regenerate the models and operation tables, or check they are current.

``python -m codegen`` rewrites the generated modules; ``python -m codegen --check`` writes nothing
and exits with status 1, naming each stale file, when the committed modules differ from what the
schemas produce. ``--schema-dir`` and ``--out-dir`` point elsewhere (default: the repository's
``schemas`` and ``src/storeflow``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from codegen import REPO, CodegenError, render, stale, write


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m codegen", description="Generate the models and operation tables."
    )
    parser.add_argument("--check", action="store_true", help="fail if a generated file is stale")
    parser.add_argument(
        "--schema-dir", type=Path, default=REPO / "schemas", help="where <api>.yaml are read"
    )
    parser.add_argument(
        "--out-dir", type=Path, default=REPO / "src" / "storeflow", help="where <api>/ are written"
    )
    args = parser.parse_args(argv)
    try:
        files = render(args.schema_dir)
    except CodegenError as exc:
        print(f"codegen: {exc}", file=sys.stderr)
        return 2
    if args.check:
        outdated = stale(files, args.out_dir)
        for path in outdated:
            shown = os.path.relpath(args.out_dir / path)
            print(f"stale: {shown} (run `python -m codegen`)", file=sys.stderr)
        return 1 if outdated else 0
    write(files, args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
