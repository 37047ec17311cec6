"""``python -m bench`` runs every benchmark; ``python -m bench feeds --events 1000`` one.

A benchmark is a module in ``bench/`` listed in ``BENCHMARKS`` with
``add_arguments(parser)`` and ``run(args) -> dict`` (which prints its own table); the dict is
written to ``bench/results/<name>-<date>.json``. Run all together (``make bench``), each
gets its defaults, or the arguments in ``ALL`` below: the whole run stays within about
15 minutes on two CPUs.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

# name -> module; add later benchmarks here.
BENCHMARKS: dict[str, str] = {
    "feeds": "bench.feeds",
    "pages": "bench.pages",
    "sms": "bench.sms",
}
# The arguments of a benchmark when all run (the default: none). 10,000 SMS take 4–6 minutes
# on their own (``python -m bench sms``); 2,000 show the same rates in about 1½.
ALL: dict[str, list[str]] = {
    "sms": ["--recipients", "2000"],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK")
    for name, module_name in BENCHMARKS.items():
        module = importlib.import_module(module_name)
        sub = commands.add_parser(name, help=(module.__doc__ or "").strip().splitlines()[0])
        module.add_arguments(sub)
    args = parser.parse_args(argv)

    chosen = [args.benchmark] if args.benchmark else list(BENCHMARKS)
    RESULTS.mkdir(exist_ok=True)
    for name in chosen:
        module = importlib.import_module(BENCHMARKS[name])
        if not args.benchmark:  # all of them, each with its defaults or ALL's arguments
            sub = argparse.ArgumentParser()
            module.add_arguments(sub)
            run_args = sub.parse_args(ALL.get(name, []))
        else:
            run_args = args
        result = module.run(run_args)
        target = RESULTS / f"{name}-{date.today().isoformat()}.json"
        target.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
        shown = target.relative_to(Path.cwd()) if target.is_relative_to(Path.cwd()) else target
        print(f"\nWritten to {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
