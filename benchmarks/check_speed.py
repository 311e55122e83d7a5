"""How long `modelshare check` takes on a large (~1 MB) model card.

The card is the quick start release's README.md with its evaluation section repeated until
the file passes 1 MB, so it holds real headings, tables, code and YAML. The peer is
huggingface_hub's own card parser (`ModelCard.load`), run in the same process on the same file:
the ratio says what the full audit costs on top of merely parsing the card.

Run: .venv/bin/python benchmarks/check_speed.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from huggingface_hub import ModelCard

from modelshare.audit.check import check_path
from modelshare.quickstart import build_quickstart_release

TARGET_BYTES = 1_000_000


def large_card(folder: Path) -> Path:
    """A card of at least 1 MB made from a real release's card."""
    release = build_quickstart_release(folder / "release")
    text = (release.path / "README.md").read_text()
    head, _, tail = text.partition("## Evaluation")
    section, _, rest = tail.partition("## Environment")
    copies = [f"\n## Evaluation run {i}{section}" for i in range(TARGET_BYTES // len(section) + 1)]
    card = folder / "README.md"
    card.write_text(head + "".join(copies) + "## Environment" + rest, encoding="utf-8")
    return card


def median_seconds(task: Callable[[], object], runs: int) -> float:
    """Median wall time of ``runs`` calls after one warm-up call."""
    task()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        task()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        card = large_card(Path(tmp))
        size = card.stat().st_size
        check = median_seconds(lambda: check_path(card), args.runs)
        parse = median_seconds(lambda: ModelCard.load(card), args.runs)
    print(f"card: {size / 1e6:.2f} MB, {args.runs} runs each, medians")
    print(f"modelshare check_path:         {check:.3f} s")
    print(f"huggingface_hub ModelCard.load: {parse:.3f} s")
    print(f"ratio check / load:             {check / parse:.1f}x")


if __name__ == "__main__":
    main()
