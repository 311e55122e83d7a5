"""Profile and drift: speed and memory against whylogs, Evidently and an exact numpy/scipy
baseline, and the drift decision's error rates on data with known shifts.

Generated data: 20 numeric columns of 8 shapes (normal, skewed, uniform, heavy-tailed,
integer-valued, bimodal, with missing values) and 5 categorical columns of 3 to 1000 levels
(Zipf-like frequencies). The "new" data shifts 6 numeric columns by +0.2 standard deviations,
scales 6 by 1.2 around their mean and moves 30 % of the probability of 3 categorical columns
from frequent to rare levels; the other 8 numeric and 2 categorical columns are unchanged.

Each timed task runs in a fresh process that first loads its data from Parquet; a thread
samples the process's resident memory every 2 ms, so the peak is measured on top of the loaded
data. whylogs and Evidently run in their own environment (Evidently 0.7 needs pandas < 3):

    python -m venv benchmarks/.venv-peers
    benchmarks/.venv-peers/bin/pip install -r benchmarks/requirements-peers.txt

Per-row out-of-distribution scores (``modelshare.ood`` on the reference profile) are timed on
the new data against an exact baseline that needs the raw reference: scikit-learn's
``EmpiricalCovariance`` Mahalanobis distance, 1 %/99 % quantile range checks and category
membership.

Run: .venv/bin/python benchmarks/profile_drift.py [--rows 1000000] [--runs 3] [--seeds 20]
     [--sizes 5000 50000 1000000] [--tasks ood-modelshare ood-exact] [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
PEERS_PYTHON = HERE / ".venv-peers" / "bin" / "python"

NUMERIC_SHAPES = [
    "normal",
    "lognormal",
    "uniform",
    "exponential",
    "student_t",
    "poisson",
    "bimodal",
    "normal_missing",
]
NUMERIC_COLUMNS = 20
MEAN_SHIFTED = range(0, 6)
SCALED = range(6, 12)
MEAN_SHIFT = 0.2
SCALE = 1.2
LEVELS = [3, 10, 50, 200, 1000]
CHANGED_CATEGORICAL = {0, 2, 4}
MOVED_PROBABILITY = 0.3
ZIPF_EXPONENT = 1.1
MISSING_SHARE = 0.05
GRID = np.round(np.arange(0.01, 0.99 + 1e-9, 0.001), 6)
"""The ranks the exact baseline computes: the same grid as a profile of 1M rows."""

SHAPE_MOMENTS = {
    "normal": (0.0, 1.0),
    "lognormal": (np.exp(0.18), np.sqrt((np.exp(0.36) - 1) * np.exp(0.36))),
    "uniform": (0.5, 1 / np.sqrt(12)),
    "exponential": (1.0, 1.0),
    "student_t": (0.0, np.sqrt(5 / 3)),
    "poisson": (3.0, np.sqrt(3.0)),
    "bimodal": (0.0, np.sqrt(5.0)),
    "normal_missing": (0.0, 1.0),
}
"""Each shape's mean and standard deviation, for the shifts."""

WARM_UP_ROWS = 2000
ROW_GROUP_ROWS = 100_000
"""Parquet row groups: a streaming reader holds one at a time."""


# ---------------------------------------------------------------- data


def numeric_values(shape: str, rows: int, rng: np.random.Generator) -> np.ndarray:
    """``rows`` values of one shape."""
    draw: dict[str, Callable[[], np.ndarray]] = {
        "normal": lambda: rng.normal(size=rows),
        "lognormal": lambda: rng.lognormal(0.0, 0.6, rows),
        "uniform": lambda: rng.uniform(size=rows),
        "exponential": lambda: rng.exponential(size=rows),
        "student_t": lambda: rng.standard_t(5, rows),
        "poisson": lambda: rng.poisson(3.0, rows).astype(float),
        "bimodal": lambda: rng.normal(size=rows) + rng.choice([-2.0, 2.0], rows),
        "normal_missing": lambda: rng.normal(size=rows),
    }
    values = draw[shape]()
    if shape == "normal_missing":
        values[rng.random(rows) < MISSING_SHARE] = np.nan
    return values


def level_probabilities(levels: int, changed: bool) -> np.ndarray:
    """Zipf-like probabilities; changed: 30 % of the mass moved to the reversed ranking."""
    weights = 1 / np.arange(1, levels + 1) ** ZIPF_EXPONENT
    base = weights / weights.sum()
    return (1 - MOVED_PROBABILITY) * base + MOVED_PROBABILITY * base[::-1] if changed else base


def generate(rows: int, seed: int, *, shifted: bool, strings: bool) -> pd.DataFrame:
    """The reference (``shifted=False``) or new data; categories as str or category dtype."""
    rng = np.random.default_rng(seed)
    columns: dict[str, Any] = {}
    for i in range(NUMERIC_COLUMNS):
        shape = NUMERIC_SHAPES[i % len(NUMERIC_SHAPES)]
        values = numeric_values(shape, rows, rng)
        mean, std = SHAPE_MOMENTS[shape]
        if shifted and i in MEAN_SHIFTED:
            values = values + MEAN_SHIFT * std
        elif shifted and i in SCALED:
            values = mean + SCALE * (values - mean)
        columns[f"x{i:02d}"] = values
    for j, levels in enumerate(LEVELS):
        probabilities = level_probabilities(levels, shifted and j in CHANGED_CATEGORICAL)
        codes = rng.choice(levels, size=rows, p=probabilities)
        names = np.array([f"c{j}_{level}" for level in range(levels)])
        columns[f"c{j}"] = names[codes] if strings else pd.Categorical.from_codes(codes, names)
    return pd.DataFrame(columns)


def is_shifted(column: str) -> bool:
    index = int(column[1:])
    if column.startswith("x"):
        return index in MEAN_SHIFTED or index in SCALED
    return index in CHANGED_CATEGORICAL


# ---------------------------------------------------------------- measuring


class PeakMemory:
    """Samples this process's resident memory in a thread while a block runs."""

    def __init__(self) -> None:
        self.peak = 0
        self.running = False

    @contextmanager
    def watch(self) -> Iterator[None]:
        self.peak = resident()
        self.running = True
        sampler = threading.Thread(target=self._sample, daemon=True)
        sampler.start()
        try:
            yield
        finally:
            self.running = False
            sampler.join()

    def _sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, resident())
            time.sleep(0.002)


def resident() -> int:
    """This process's resident memory in bytes."""
    import psutil

    return psutil.Process().memory_info().rss


def timed_runs(
    task: Callable[[], object], runs: int, warm_up: Callable[[], object], start: int
) -> dict[str, Any]:
    """Wall times of ``runs`` calls; the memory peak above what was resident before them
    (``extra_mib``) and above ``start``, the memory before the data was loaded
    (``total_mib``: data, allocator caches and working memory together).

    ``warm_up`` runs the same code on a few rows first, so that lazy imports and first-call
    set-up are not timed.
    """
    warm_up()
    memory = PeakMemory()
    before = resident()
    seconds = []
    with memory.watch():
        for _ in range(runs):
            began = time.perf_counter()
            task()
            seconds.append(time.perf_counter() - began)
    return {
        "seconds": seconds,
        "extra_mib": (memory.peak - before) / 2**20,
        "total_mib": (memory.peak - start) / 2**20,
    }


def timed_on(
    work: Callable[..., object], frames: tuple[pd.DataFrame, ...], runs: int, start: int
) -> dict[str, Any]:
    """``work(*frames)`` timed as :func:`timed_runs` does, warmed up on the frames' first
    :data:`WARM_UP_ROWS` rows, with the frames' size (``data_mib``)."""
    small = tuple(frame.head(WARM_UP_ROWS) for frame in frames)
    return {
        "data_mib": sum(frame_mib(frame) for frame in frames),
        **timed_runs(lambda: work(*frames), runs, lambda: work(*small), start),
    }


def frame_mib(frame: pd.DataFrame) -> float:
    return float(frame.memory_usage(deep=True).sum()) / 2**20


def read_data(folder: Path, *names: str) -> tuple[pd.DataFrame, ...]:
    """The generated tables ``names`` ("reference", "new"), read from Parquet."""
    return tuple(pd.read_parquet(folder / f"{name}.parquet") for name in names)


# ---------------------------------------------------------------- tasks (one per process)


def task_profile_modelshare(folder: Path, runs: int) -> dict[str, Any]:
    from modelshare.profiling import build_profile

    start = resident()
    return timed_on(build_profile, read_data(folder, "reference"), runs, start)


def task_profile_modelshare_parquet(folder: Path, runs: int) -> dict[str, Any]:
    from modelshare.profiling import build_profile, profile_file

    start = resident()
    small = generate(WARM_UP_ROWS, 0, shifted=False, strings=True)
    return {
        "data_mib": 0.0,
        **timed_runs(
            lambda: profile_file(folder / "reference.parquet"),
            runs,
            lambda: build_profile(small),
            start,
        ),
    }


def task_profile_exact(folder: Path, runs: int) -> dict[str, Any]:
    def exact_profile(data: pd.DataFrame) -> None:
        for name in data.columns:
            column = data[name]
            if name.startswith("x"):
                values = column.dropna().to_numpy()
                np.quantile(values, GRID), values.mean(), values.std()
            else:
                column.value_counts()

    start = resident()
    return timed_on(exact_profile, read_data(folder, "reference"), runs, start)


def task_profile_whylogs(folder: Path, runs: int) -> dict[str, Any]:
    os.environ["WHYLOGS_NO_ANALYTICS"] = "1"
    import whylogs

    start = resident()
    return timed_on(whylogs.log, read_data(folder, "reference"), runs, start)


def task_drift_modelshare(folder: Path, runs: int) -> dict[str, Any]:
    from modelshare.profiling import DataProfile
    from modelshare.shift import drift

    start = resident()
    profile = DataProfile.load(folder / "reference_profile.json")
    return timed_on(lambda new: drift(profile, new), read_data(folder, "new"), runs, start)


def task_drift_exact(folder: Path, runs: int) -> dict[str, Any]:
    from scipy.stats import chi2_contingency, ks_2samp

    def exact_drift(reference: pd.DataFrame, new: pd.DataFrame) -> None:
        for name in reference.columns:
            if name.startswith("x"):
                ks_2samp(reference[name].dropna(), new[name].dropna())
            else:
                counts = pd.concat(
                    [reference[name].value_counts(), new[name].value_counts()], axis=1
                ).fillna(0)
                chi2_contingency(counts.to_numpy().T)

    start = resident()
    return timed_on(exact_drift, read_data(folder, "reference", "new"), runs, start)


def task_drift_evidently(folder: Path, runs: int) -> dict[str, Any]:
    from evidently import Report
    from evidently.presets import DataDriftPreset

    def evidently_drift(reference: pd.DataFrame, new: pd.DataFrame) -> None:
        Report([DataDriftPreset()]).run(new, reference)

    start = resident()
    return timed_on(evidently_drift, read_data(folder, "reference", "new"), runs, start)


def task_ood_modelshare(folder: Path, runs: int) -> dict[str, Any]:
    import modelshare
    from modelshare.profiling import DataProfile

    start = resident()
    detector = modelshare.ood(DataProfile.load(folder / "reference_profile.json"))
    return timed_on(detector.score, read_data(folder, "new"), runs, start)


def task_ood_exact(folder: Path, runs: int) -> dict[str, Any]:
    from sklearn.covariance import EmpiricalCovariance

    def exact_ood(reference: pd.DataFrame, new: pd.DataFrame) -> None:
        numeric = [name for name in reference.columns if name.startswith("x")]
        means = reference[numeric].mean()
        fitted = EmpiricalCovariance().fit(reference[numeric].fillna(means))
        fitted.mahalanobis(new[numeric].fillna(means))
        low, high = reference[numeric].quantile(0.01), reference[numeric].quantile(0.99)
        ((new[numeric] < low) | (new[numeric] > high)).any(axis=1)
        for name in reference.columns.difference(numeric):
            new[name].isin(reference[name].dropna().unique())

    start = resident()
    return timed_on(exact_ood, read_data(folder, "reference", "new"), runs, start)


TASKS: dict[str, Callable[[Path, int], dict[str, Any]]] = {
    "profile-modelshare": task_profile_modelshare,
    "profile-modelshare-parquet": task_profile_modelshare_parquet,
    "profile-exact": task_profile_exact,
    "profile-whylogs": task_profile_whylogs,
    "drift-modelshare": task_drift_modelshare,
    "drift-exact": task_drift_exact,
    "drift-evidently": task_drift_evidently,
    "ood-modelshare": task_ood_modelshare,
    "ood-exact": task_ood_exact,
}
PEER_TASKS = {"profile-whylogs", "drift-evidently"}


def run_task(name: str, folder: Path, runs: int, peers: Path) -> dict[str, Any] | None:
    """Run a task in a fresh process (peers in their own environment); its JSON result."""
    python = peers if name in PEER_TASKS else Path(sys.executable)
    if not python.exists():
        print(f"  {name}: skipped, {python} not found", flush=True)
        return None
    command = [str(python), __file__, "--task", name, "--data", str(folder), "--runs", str(runs)]
    environment = {**os.environ, "WHYLOGS_NO_ANALYTICS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if done.returncode != 0:
        print(f"  {name}: failed\n{done.stderr[-2000:]}", flush=True)
        return None
    result = json.loads(done.stdout.strip().splitlines()[-1])
    median = statistics.median(result["seconds"])
    print(
        f"  {name}: median {median:.2f} s over {runs} runs; peak {result['total_mib']:.0f} MiB "
        f"with {result['data_mib']:.0f} MiB of data loaded (+{result['extra_mib']:.0f} MiB "
        "above the loaded state)",
        flush=True,
    )
    return {**result, "median": median}


# ---------------------------------------------------------------- correctness


def correctness(rows: int, seeds: int) -> dict[str, Any]:
    """Detection and false-alarm rates of ``drift`` over ``seeds`` reference/new pairs."""
    from modelshare.profiling import build_profile
    from modelshare.shift import drift

    flagged: dict[str, list[bool]] = {}
    raw_rejections: list[bool] = []
    for seed in range(seeds):
        reference = generate(rows, seed, shifted=False, strings=False)
        new = generate(rows, seed + 10_000, shifted=True, strings=False)
        report = drift(build_profile(reference), new)
        for column in report.columns:
            flagged.setdefault(column.name, []).append(column.drifted)
            if not is_shifted(column.name):
                main = column.tests[-1]
                raw_rejections.append(main.p_value < 0.05)
    shifted = [np.mean(v) for k, v in flagged.items() if is_shifted(k)]
    unchanged = [np.mean(v) for k, v in flagged.items() if not is_shifted(k)]
    missed = {k: 1 - float(np.mean(v)) for k, v in flagged.items() if is_shifted(k) and not all(v)}
    return {
        "rows": rows,
        "seeds": seeds,
        "shifted_detected": float(np.mean(shifted)),
        "unchanged_flagged": float(np.mean(unchanged)),
        "unchanged_raw_p_below_0.05": float(np.mean(raw_rejections)),
        "missed_share_by_column": missed,
    }


def effect_sizes() -> dict[str, float]:
    """The true Jensen-Shannon distance of each changed categorical column."""
    from scipy.spatial.distance import jensenshannon

    return {
        f"c{j}": float(
            jensenshannon(
                level_probabilities(LEVELS[j], False), level_probabilities(LEVELS[j], True), base=2
            )
        )
        for j in sorted(CHANGED_CATEGORICAL)
    }


# ---------------------------------------------------------------- main


def speed(rows: int, runs: int, peers: Path, tasks: list[str]) -> dict[str, Any]:
    """The timed ``tasks`` on ``rows`` rows, in the order profile, drift, OOD scores."""
    from modelshare.profiling import profile_file

    with tempfile.TemporaryDirectory(prefix="profile-drift-") as tmp:
        folder = Path(tmp)
        for seed, name in ((1, "reference"), (2, "new")):
            frame = generate(rows, seed, shifted=name == "new", strings=True)
            frame.to_parquet(folder / f"{name}.parquet", row_group_size=ROW_GROUP_ROWS)
        profile = profile_file(folder / "reference.parquet")
        (folder / "reference_profile.json").write_text(profile.to_json())
        print(f"speed on {rows} rows ({len(profile.to_json())} bytes of profile JSON):")
        slow_runs = {"profile-whylogs": 1, "drift-evidently": 1}
        return {
            name: run_task(name, folder, slow_runs.get(name, runs), peers)
            for name in TASKS
            if name in tasks
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="0: skip the speed runs")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument(
        "--sizes", type=int, nargs="*", default=[5_000, 50_000, 1_000_000], help="correctness"
    )
    parser.add_argument("--peers", type=Path, default=PEERS_PYTHON)
    parser.add_argument(
        "--tasks", nargs="*", choices=sorted(TASKS), default=list(TASKS), help="timed tasks"
    )
    parser.add_argument("--out", type=Path, default=None, help="also write the results as JSON")
    parser.add_argument("--task", choices=sorted(TASKS), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.task:
        print(json.dumps(TASKS[args.task](args.data, args.runs)))
        return
    results: dict[str, Any] = {}
    if args.rows:
        results["speed"] = speed(args.rows, args.runs, args.peers, args.tasks)
    print("true Jensen-Shannon distances of the changed columns:", effect_sizes())
    results["correctness"] = []
    for rows in args.sizes:
        outcome = correctness(rows, args.seeds)
        print(f"correctness on {rows} rows over {args.seeds} seeds: {json.dumps(outcome)}")
        results["correctness"].append(outcome)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
