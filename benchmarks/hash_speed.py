"""How fast modelshare hashes a multi-GB file, next to ``sha256sum`` (and ``openssl dgst``).

Writes a file of ``--size-gib`` GiB into a temporary folder (deleted afterwards), reads it
once so every tool reads it from the page cache, then runs each tool ``--runs`` times in
turn and prints the median times, the throughput and modelshare's time relative to
``sha256sum``. The reference tools run as subprocesses; modelshare's ``hash_file`` runs in
this process. Last, a fresh process reports its peak memory after importing modelshare's
hashing and again after hashing the whole file: the difference is what hashing holds.

Example:
    $ .venv/bin/python benchmarks/hash_speed.py --size-gib 2 --runs 5
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from modelshare.manifest import CHUNK_SIZE, hash_file

BLOCK = 64 * 1024 * 1024
PEAK_MEMORY_SCRIPT = """
import sys
from pathlib import Path
from modelshare.manifest import hash_file
def peak():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) // 1024
before = peak()
hash_file(Path(sys.argv[1]))
print(before, peak())
"""


def write_test_file(path: Path, size: int) -> None:
    """A file of ``size`` bytes made of one random 64 MiB block repeated."""
    block = os.urandom(BLOCK)
    with open(path, "wb") as file:
        for start in range(0, size, BLOCK):
            file.write(block[: min(BLOCK, size - start)])


def command_digest(command: list[str]) -> Callable[[], str]:
    """A timed subject: run a hashing command and return the hex digest it prints."""

    def run() -> str:
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        return output.split()[-1] if "=" in output else output.split()[0]

    return run


def timed(subject: Callable[[], str]) -> tuple[float, str]:
    """Seconds a subject takes, and its digest."""
    start = time.perf_counter()
    digest = subject()
    return time.perf_counter() - start, digest


def peak_memory_mib(path: Path) -> tuple[int, int]:
    """Peak resident memory (MiB) of a fresh Python process once it imported modelshare's
    hashing, then after it hashed the file.

    The process reads its own high-water mark (``VmHWM``): ``ru_maxrss`` would report this
    benchmark's memory instead, as Linux carries it over ``fork`` and ``exec``.
    """
    command = [sys.executable, "-c", PEAK_MEMORY_SCRIPT, str(path)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    before, after = output.split()
    return int(before), int(after)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gib", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    size = int(options.size_gib * 1024**3)
    with tempfile.TemporaryDirectory(prefix="modelshare-hash-", dir="/tmp") as folder:
        path = Path(folder) / "weights.bin"
        write_test_file(path, size)
        subjects: dict[str, Callable[[], str]] = {
            "sha256sum": command_digest(["sha256sum", str(path)]),
            "modelshare hash_file": lambda: hash_file(path).sha256,
        }
        if shutil.which("openssl"):
            subjects["openssl dgst -sha256"] = command_digest(
                ["openssl", "dgst", "-sha256", str(path)]
            )
        subjects["sha256sum"]()  # warm the page cache
        times: dict[str, list[float]] = {name: [] for name in subjects}
        digests = set()
        for _ in range(options.runs):
            for name, subject in subjects.items():
                seconds, digest = timed(subject)
                times[name].append(seconds)
                digests.add(digest)
        assert len(digests) == 1, f"the tools disagree: {digests}"
        idle, hashing = peak_memory_mib(path)
    reference = statistics.median(times["sha256sum"])
    print(f"file: {size / 1024**3:g} GiB, {options.runs} runs, chunk {CHUNK_SIZE} bytes")
    print("| tool | median s | min s | max s | MB/s (median) | time / sha256sum |")
    print("|---|---|---|---|---|---|")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(
            f"| {name} | {median:.2f} | {min(samples):.2f} | {max(samples):.2f} "
            f"| {size / median / 1e6:.0f} | {median / reference:.2f} |"
        )
    print(f"peak memory of a fresh process: {idle} MiB after imports, {hashing} MiB after hashing")


if __name__ == "__main__":
    main()
