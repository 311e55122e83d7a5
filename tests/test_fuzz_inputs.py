"""Hostile input, fuzzed: every command that reads a data file or a release's JSON meets
seeded mutations of real inputs, and either succeeds or refuses in one line.

The inputs start valid: the penguin data (CSV and Parquet) and the quick start release. A
seeded mutator (``random.Random``; hypothesis is not a dependency) breaks them as a careless
tool or an attacker would: odd column names, ragged rows, NUL bytes, infinities, wrong types,
nested Parquet columns, truncated or re-typed JSON, the release's manifest re-hashed after the
edit so that the parser is reached. Every run must end with exit 0, 1 or 2, no traceback, at
most one line on stderr when it fails, and nothing half-written; the release folders read stay
unchanged. Run with ``-s`` for the tally per command.

The case counts below keep the whole module to about a minute.

Example:
    $ .venv/bin/python -m pytest -q -s tests/test_fuzz_inputs.py
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import shutil
import subprocess
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pv
import pyarrow.parquet as pq
import pytest

import modelshare
from modelshare.bundle import Bundle
from modelshare.distribution import OODChoice, ProfiledData, write_distribution
from modelshare.errors import InvalidInputError, ModelshareError, exit_code_for
from modelshare.layout import MANIFEST_FILE
from modelshare.manifest import write_manifest
from modelshare.penguins import PenguinExample
from modelshare.profiling import DataProfile, build_profile, render_distribution_section
from modelshare.profiling.state import MAX_JOINT_FEATURES
from modelshare.shift.ood import OODScorer
from modelshare.tables import as_frame, open_source, read_table, split_target
from tests.helpers import run_in_process

SEED = 1729
CSV_CASES = 36
PARQUET_CASES = 26
JSON_CASES = 30
"""Cases per input kind, for about a minute in all; the whole ``release`` command (which runs
the release's example in a new process when it succeeds) meets a few chosen CSV mutations."""

TARGET = "species"
RELEASE_NAME, RELEASE_VERSION = "penguin-species", "1.0.0"
EVALUATION = "penguins-test"

Result = subprocess.CompletedProcess[str]


# the tally ----------------------------------------------------------------------------------


@dataclass
class Tally:
    """How one command fared over every mutated input it read."""

    runs: int = 0
    tracebacks: int = 0
    other_problems: int = 0
    refusals: int = 0
    successes: int = 0


TALLIES: dict[str, Tally] = {}


@pytest.fixture(scope="module", autouse=True)
def summary() -> Iterator[None]:
    """Print the tally per command once the module has run (visible with ``-s``)."""
    yield
    headers = ["command", *(field.name.replace("_", " ") for field in fields(Tally))]
    rows = [[name, *map(str, vars(tally).values())] for name, tally in sorted(TALLIES.items())]
    totals = [sum(int(row[i]) for row in rows) for i in range(1, len(headers))]
    rows.append(["total", *map(str, totals)])
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    print("\n\nfuzzed inputs, per command:")
    for row in [headers, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def judge(command: str, label: str, result: Result, work: Path | None) -> str | None:
    """Count one run and return what is wrong with it, or None: exit 0, 1 or 2, no
    traceback, one stderr line on failure, and (in ``work``) no output left by a failure
    nor any hidden partial file."""
    tally = TALLIES.setdefault(command, Tally())
    tally.runs += 1
    output = result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    refused = result.returncode != 0 and bool(lines)
    problem = None
    if "Traceback" in output:
        tally.tracebacks += 1
        return f"{command} on {label}: {_last_line(output)}"
    if result.returncode not in (0, 1, 2):
        problem = f"exit code {result.returncode}"
    elif refused and len(lines) > 1:
        problem = f"{len(lines)} lines on stderr: {lines[:3]}"
    elif work is not None and (left := _left_behind(work, refused)):
        problem = f"left behind after {'a refusal' if refused else 'success'}: {left}"
    if problem is not None:
        tally.other_problems += 1
        return f"{command} on {label}: {problem}"
    if refused:
        tally.refusals += 1
    else:
        tally.successes += 1
    return None


def _last_line(output: str) -> str:
    """The exception line of a traceback (its last non-empty line)."""
    return [line for line in output.strip().splitlines() if line.strip()][-1][:300]


def _left_behind(work: Path, refused: bool) -> list[str]:
    """Files a run left in its work folder: any after a refusal, hidden partial ones always."""
    names = sorted(path.name for path in work.iterdir())
    return names if refused else [name for name in names if name.startswith(".")]


def assert_clean(problems: list[str | None]) -> None:
    """Fail with every problem found, one per line."""
    found = [problem for problem in problems if problem]
    assert not found, f"{len(found)} problems:\n" + "\n".join(found[:30])


def api(call: Callable[[], object]) -> Result:
    """A Python API call as a finished command: a ModelshareError is its one-line refusal
    (with the exit code of its class, as the CLI does), anything else a traceback."""
    try:
        call()
    except ModelshareError as error:
        return subprocess.CompletedProcess([], exit_code_for(error), "", f"error: {error}\n")
    except Exception:
        return subprocess.CompletedProcess([], 1, "", traceback.format_exc())
    return subprocess.CompletedProcess([], 0, "", "")


def digest(folder: Path) -> str:
    """The sha256 of every path and file content under ``folder``."""
    hashed = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        hashed.update(path.relative_to(folder).as_posix().encode())
        if path.is_file():
            hashed.update(path.read_bytes())
    return hashed.hexdigest()


# CSV mutations ------------------------------------------------------------------------------

Mutation = Callable[[random.Random, bytes], bytes]

SPECIAL_NUMBERS = (
    "inf",
    "-inf",
    "Infinity",
    "nan",
    "NaN",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "1e309",
    "-0",
    "-0.0",
    "1e-400",
    str(2**63),
    str(10**30),
    "9" * 5000,
    "0x1F",
    "1_000",
    " 1 ",
)
CONTROL = ("\x00", "\n", "\r", "\t", "\x1b[31m", "\x7f", "\x85", "\u2028", "\x0b", "\x1c")
UNICODE = ("名前", "🐧 species", "\u202eeman", "e\u0301", "Ωmega", "\ufeffbill", "ßß")
WRONG_VALUES = ("abc", "True", "2024-01-01", "[1, 2]", "{}", '"quoted"', "12:30", "NULL")


def on_grid(change: Callable[[random.Random, list[list[str]]], list[list[str]]]) -> Mutation:
    """A mutation of the table's cells (header row first), as a mutation of the file."""

    def mutate(rng: random.Random, data: bytes) -> bytes:
        grid = [line.split(",") for line in data.decode("utf-8").splitlines()]
        return "".join(",".join(map(_field, row)) + "\n" for row in change(rng, grid)).encode(
            "utf-8", "surrogatepass"
        )

    mutate.__name__ = change.__name__
    return mutate


def _field(value: str) -> str:
    """A CSV field, quoted when it must be."""
    if any(char in value for char in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _numeric_columns(grid: list[list[str]]) -> list[int]:
    """Columns whose first data value reads as a number."""

    def number(value: str) -> bool:
        try:
            float(value)
        except ValueError:
            return False
        return True

    return [j for j, value in enumerate(grid[1]) if number(value)] or [0]


def _rename(grid: list[list[str]], rng: random.Random, name: str) -> list[list[str]]:
    grid[0][rng.randrange(len(grid[0]))] = name
    return grid


@on_grid
def duplicate_name(rng: random.Random, grid: list[list[str]]) -> list[list[str]]:
    return _rename(grid, rng, rng.choice(grid[0]))


@on_grid
def empty_name(rng: random.Random, grid: list[list[str]]) -> list[list[str]]:
    return _rename(grid, rng, rng.choice(["", " "]))


@on_grid
def huge_name(rng: random.Random, grid: list[list[str]]) -> list[list[str]]:
    return _rename(grid, rng, "n" * rng.choice([5_000, 100_000]))


@on_grid
def unicode_name(rng: random.Random, grid: list[list[str]]) -> list[list[str]]:
    return _rename(grid, rng, rng.choice(UNICODE))


@on_grid
def control_name(rng: random.Random, grid: list[list[str]]) -> list[list[str]]:
    return _rename(grid, rng, rng.choice(grid[0]) + rng.choice(CONTROL))


@on_grid
def ragged_rows(rng: random.Random, grid: list[list[str]]) -> list[list[str]]:
    for row in rng.sample(grid[1:], rng.randint(1, 5)):
        if rng.random() < 0.5:
            row.append("extra")
        else:
            del row[rng.randrange(len(row)) :]
    return grid


@on_grid
def special_values(rng: random.Random, grid: list[list[str]]) -> list[list[str]]:
    numeric = _numeric_columns(grid)
    for _ in range(rng.randint(1, 20)):
        grid[rng.randrange(1, len(grid))][rng.choice(numeric)] = rng.choice(SPECIAL_NUMBERS)
    return grid


@on_grid
def special_column(rng: random.Random, grid: list[list[str]]) -> list[list[str]]:
    column, value = rng.choice(_numeric_columns(grid)), rng.choice(SPECIAL_NUMBERS[:9])
    share = rng.choice([0.05, 0.5, 1.0])
    for row in grid[1:]:
        if rng.random() < share:
            row[column] = value
    return grid


@on_grid
def wrong_types(rng: random.Random, grid: list[list[str]]) -> list[list[str]]:
    for _ in range(rng.randint(1, 30)):
        row = grid[rng.randrange(1, len(grid))]
        row[rng.randrange(len(row))] = rng.choice([*WRONG_VALUES, str(rng.random())])
    return grid


@on_grid
def header_only(rng: random.Random, grid: list[list[str]]) -> list[list[str]]:
    return grid[:1]


@on_grid
def one_column(rng: random.Random, grid: list[list[str]]) -> list[list[str]]:
    column = rng.randrange(len(grid[0]))
    return [[row[column]] for row in grid]


@on_grid
def wide(rng: random.Random, grid: list[list[str]]) -> list[list[str]]:
    width, rows = 10_000, rng.randint(1, 30)
    header = [f"c{j}" for j in range(width)]
    return [header] + [[f"{rng.gauss(0, 1):.3f}" for _ in header] for _ in range(rows)]


@on_grid
def many_rows(rng: random.Random, grid: list[list[str]]) -> list[list[str]]:
    return grid + grid[1:] * rng.randint(5, 20)


@on_grid
def blank_lines(rng: random.Random, grid: list[list[str]]) -> list[list[str]]:
    for _ in range(rng.randint(1, 5)):
        grid.insert(rng.randrange(1, len(grid)), [rng.choice(["", " ", "\t"])])
    return grid


@on_grid
def empty_column(rng: random.Random, grid: list[list[str]]) -> list[list[str]]:
    column = rng.randrange(len(grid[0]))
    for row in grid[1:]:
        row[column] = ""
    return grid


@on_grid
def dates_column(rng: random.Random, grid: list[list[str]]) -> list[list[str]]:
    column = rng.randrange(len(grid[0]))
    for i, row in enumerate(grid[1:]):
        row[column] = f"2024-01-{i % 28 + 1:02d}"
    return grid


def empty_file(rng: random.Random, data: bytes) -> bytes:
    return b""


def nul_bytes(rng: random.Random, data: bytes) -> bytes:
    return _insert(rng, data, [b"\x00"])


def stray_quotes(rng: random.Random, data: bytes) -> bytes:
    return _insert(rng, data, [b'"', b"'", b'""'])


def invalid_utf8(rng: random.Random, data: bytes) -> bytes:
    return _insert(rng, data, [b"\xff", b"\xc3\x28", b"\xe9", b"\xed\xa0\x80"])


def bom(rng: random.Random, data: bytes) -> bytes:
    if rng.random() < 0.3:
        return data.decode("utf-8").encode("utf-16")
    return b"\xef\xbb\xbf" * rng.randint(1, 2) + data


def truncated(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(1, len(data))]


def line_endings(rng: random.Random, data: bytes) -> bytes:
    return data.replace(b"\n", rng.choice([b"\r\n", b"\r", b"\n\n"]))


def semicolons(rng: random.Random, data: bytes) -> bytes:
    return data.replace(b",", rng.choice([b";", b"\t", b"|"]))


def _insert(rng: random.Random, data: bytes, pieces: list[bytes]) -> bytes:
    """``data`` with a few of ``pieces`` inserted at random offsets."""
    for _ in range(rng.randint(1, 8)):
        at = rng.randrange(len(data) + 1)
        data = data[:at] + rng.choice(pieces) + data[at:]
    return data


BYTE_MUTATIONS: list[Mutation] = [
    nul_bytes,
    stray_quotes,
    invalid_utf8,
    bom,
    truncated,
    line_endings,
]
CSV_MUTATIONS: list[Mutation] = [
    duplicate_name,
    empty_name,
    special_values,
    special_column,
    huge_name,
    unicode_name,
    control_name,
    ragged_rows,
    wrong_types,
    header_only,
    one_column,
    wide,
    many_rows,
    blank_lines,
    empty_column,
    dates_column,
    empty_file,
    semicolons,
    *BYTE_MUTATIONS,
]


def mutated_csv(base: bytes, case: int) -> tuple[str, bytes]:
    """Case ``case``: the next mutation in turn, and for about a third of the cases a
    byte-level one on top; returns its label and the file's bytes."""
    rng = random.Random(SEED * 1000 + case)
    mutation = CSV_MUTATIONS[case % len(CSV_MUTATIONS)]
    data, label = mutation(rng, base), mutation.__name__
    if rng.random() < 1 / 3 and data:
        extra = rng.choice(BYTE_MUTATIONS)
        data, label = extra(rng, data), f"{label}+{extra.__name__}"
    return f"csv #{case} {label}", data


# Parquet mutations --------------------------------------------------------------------------

TableMutation = Callable[[random.Random, pa.Table], pa.Table]


def _replace(table: pa.Table, rng: random.Random, make: Callable[[pa.Array], pa.Array]) -> pa.Table:
    """``table`` with a random column replaced by ``make(column)``."""
    position = rng.randrange(table.num_columns)
    column = table.column(position).combine_chunks()
    return table.set_column(position, table.field(position).name, make(column))


def _floats(column: pa.Array) -> list[float | None]:
    """A column's values as floats where they are numbers, else None."""
    return [value if isinstance(value, float) else None for value in column.to_pylist()]


def numbers_as_text(rng: random.Random, table: pa.Table) -> pa.Table:
    return _replace(table, rng, lambda c: pa.array([rng.choice(["1.5", "abc", None]) for _ in c]))


def labels_as_numbers(rng: random.Random, table: pa.Table) -> pa.Table:
    return _replace(table, rng, lambda c: pa.array([rng.randint(-5, 5) for _ in c]))


def all_null(rng: random.Random, table: pa.Table) -> pa.Table:
    kind = rng.choice([pa.null(), pa.float64(), pa.string()])
    return _replace(table, rng, lambda c: pa.nulls(len(c), kind))


def nested_list(rng: random.Random, table: pa.Table) -> pa.Table:
    return _replace(table, rng, lambda c: pa.array([[1.0, 2.0]] * len(c)))


def nested_struct(rng: random.Random, table: pa.Table) -> pa.Table:
    return _replace(table, rng, lambda c: pa.array([{"a": 1.0, "b": "x"}] * len(c)))


def map_column(rng: random.Random, table: pa.Table) -> pa.Table:
    kind = pa.map_(pa.string(), pa.int64())
    return _replace(table, rng, lambda c: pa.array([[("k", 1)]] * len(c), kind))


def duplicate_names(rng: random.Random, table: pa.Table) -> pa.Table:
    names = list(table.column_names)
    names[rng.randrange(len(names))] = rng.choice(names)
    return table.rename_columns(names)


def odd_names(rng: random.Random, table: pa.Table) -> pa.Table:
    names = list(table.column_names)
    names[rng.randrange(len(names))] = rng.choice(["", " ", *CONTROL, *UNICODE])
    return table.rename_columns(names)


def dictionary(rng: random.Random, table: pa.Table) -> pa.Table:
    return _replace(table, rng, lambda c: c.dictionary_encode())


def binary(rng: random.Random, table: pa.Table) -> pa.Table:
    return _replace(table, rng, lambda c: pa.array([b"\xff\x00\xfe"] * len(c), pa.binary()))


def temporal(rng: random.Random, table: pa.Table) -> pa.Table:
    kind = rng.choice([pa.timestamp("s", tz="UTC"), pa.date32(), pa.duration("s"), pa.time64("us")])
    return _replace(table, rng, lambda c: pa.array(list(range(len(c))), kind))


def booleans(rng: random.Random, table: pa.Table) -> pa.Table:
    return _replace(table, rng, lambda c: pa.array([rng.random() < 0.5 for _ in c]))


def decimals(rng: random.Random, table: pa.Table) -> pa.Table:
    kind = pa.decimal128(38, rng.choice([0, 10]))
    return _replace(table, rng, lambda c: pa.array([None] * len(c), pa.float64()).cast(kind))


def special_floats(rng: random.Random, table: pa.Table) -> pa.Table:
    value = rng.choice([float("inf"), float("-inf"), float("nan"), 1e308, -1e308, -0.0])
    share = rng.choice([0.05, 0.5, 1.0])

    def make(column: pa.Array) -> pa.Array:
        values = _floats(column)
        return pa.array([value if rng.random() < share else v for v in values], pa.float64())

    return _replace(table, rng, make)


def extreme_integers(rng: random.Random, table: pa.Table) -> pa.Table:
    kind, value = rng.choice([(pa.int64(), -(2**63)), (pa.uint64(), 2**64 - 1), (pa.int8(), 127)])
    return _replace(table, rng, lambda c: pa.array([value] * len(c), kind))


def half_floats(rng: random.Random, table: pa.Table) -> pa.Table:
    return _replace(table, rng, lambda c: pa.array(_floats(c), pa.float64()).cast(pa.float16()))


def large_strings(rng: random.Random, table: pa.Table) -> pa.Table:
    return _replace(table, rng, lambda c: c.cast(pa.large_string()))


def no_rows(rng: random.Random, table: pa.Table) -> pa.Table:
    return table.slice(0, 0)


def wide_table(rng: random.Random, table: pa.Table) -> pa.Table:
    rows = rng.randint(1, 30)
    return pa.table({f"c{j}": [rng.random() for _ in range(rows)] for j in range(10_000)})


TABLE_MUTATIONS: list[TableMutation] = [
    duplicate_names,
    special_floats,
    odd_names,
    all_null,
    nested_list,
    nested_struct,
    map_column,
    numbers_as_text,
    labels_as_numbers,
    dictionary,
    binary,
    temporal,
    booleans,
    decimals,
    extreme_integers,
    half_floats,
    large_strings,
    no_rows,
    wide_table,
]


def parquet_bytes(table: pa.Table) -> bytes:
    """``table`` written as Parquet."""
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def broken_parquet(rng: random.Random, data: bytes) -> bytes:
    """Parquet truncated, with bytes flipped, or not Parquet at all behind its magic."""
    choice = rng.randrange(3)
    if choice == 0:
        return data[: rng.randrange(1, len(data))]
    if choice == 1:
        flipped = bytearray(data)
        for _ in range(rng.randint(1, 50)):
            flipped[rng.randrange(4, len(flipped) - 4)] = rng.randrange(256)
        return bytes(flipped)
    return b"PAR1" + bytes(rng.randrange(256) for _ in range(200)) + b"PAR1"


def mutated_parquet(base: pa.Table, case: int) -> tuple[str, bytes]:
    """Case ``case``: the next table mutation in turn, every fourth case a broken file."""
    rng = random.Random(SEED * 2000 + case)
    if case % 4 == 3:
        return f"parquet #{case} broken_parquet", broken_parquet(rng, parquet_bytes(base))
    mutation = TABLE_MUTATIONS[(case - case // 4) % len(TABLE_MUTATIONS)]
    return f"parquet #{case} {mutation.__name__}", parquet_bytes(mutation(rng, base))


# release JSON mutations ---------------------------------------------------------------------

JSON_FILES = (
    "data_profile.json",
    "modelshare.json",
    "ood_thresholds.json",
    f"profiles/{EVALUATION}.json",
    MANIFEST_FILE,
)
RAW = "@@FUZZ@@"
"""A string put where raw JSON text is injected after dumping."""

RAW_NUMBERS = (
    "1e308",
    "-1e308",
    "1e400",
    "-1e400",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e-400",
    "-0",
    "9" * 5000,
    "123456789012345678901234567890",
)
ODD_VALUES: tuple[Any, ...] = (None, True, "text", 0, -1, 1.5, [], {}, [1, "a"], {"a": 1})
ODD_STRINGS = ("\x00\n\x1b[31m", "\u2028", "../../../etc/passwd", "x" * 1_000_000, "")


def _nodes(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) of a parsed JSON document, depth first."""
    found: list[tuple[Any, Any]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in items:
        found.append((value, key))
        if isinstance(child, (dict, list)) and child:
            found.extend(_nodes(child))
    return found


def _with_raw(document: Any, rng: random.Random, raw: str, pick: Callable[[Any], bool]) -> str:
    """The document with one node (among those ``pick`` likes, else any) replaced by raw text."""
    nodes = _nodes(document)
    chosen = [node for node in nodes if pick(node[0][node[1]])] or nodes
    container, key = rng.choice(chosen)
    container[key] = RAW
    return json.dumps(document, indent=2).replace(json.dumps(RAW), raw, 1)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def json_truncated(rng: random.Random, document: Any, text: str) -> str:
    return text[: rng.randrange(len(text))]


def json_wrong_type(rng: random.Random, document: Any, text: str) -> str:
    return _with_raw(document, rng, json.dumps(rng.choice(ODD_VALUES)), lambda v: True)


def json_huge_number(rng: random.Random, document: Any, text: str) -> str:
    return _with_raw(document, rng, rng.choice(RAW_NUMBERS), _number)


def json_odd_number(rng: random.Random, document: Any, text: str) -> str:
    """A number the schema accepts but the meaning does not: negative, zero, far too large."""
    numbers = [(c, k) for c, k in _nodes(document) if _number(c[k])]
    container, key = rng.choice(numbers)
    value = container[key]
    container[key] = rng.choice([-1, 0, -value, value * 1000, 0.5, 10**12])
    return json.dumps(document, indent=2)


def json_short_list(rng: random.Random, document: Any, text: str) -> str:
    """A list one element short (or emptied): shapes that no longer match."""
    lists = [v for c, k in _nodes(document) if isinstance(v := c[k], list) and v]
    if lists:
        chosen = rng.choice(lists)
        del chosen[rng.randrange(len(chosen)) if rng.random() < 0.3 else -1 :]
    return json.dumps(document, indent=2)


def json_deep_nesting(rng: random.Random, document: Any, text: str) -> str:
    depth = rng.choice([1_000, 100_000])
    nested = rng.choice(["[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth])
    return _with_raw(document, rng, nested, lambda v: True)


def json_duplicate_key(rng: random.Random, document: Any, text: str) -> str:
    objects = [v for c, k in _nodes(document) if isinstance(v := c[k], dict) and v] or [document]
    target = rng.choice(objects)
    key = rng.choice(list(target))
    target["@@DUP@@"] = RAW
    raw = f"{json.dumps(key)}: {json.dumps(rng.choice(ODD_VALUES))}"
    return json.dumps(document, indent=2).replace(f'"@@DUP@@": "{RAW}"', raw, 1)


def json_unknown_field(rng: random.Random, document: Any, text: str) -> str:
    objects = [v for c, k in _nodes(document) if isinstance(v := c[k], dict)] or [document]
    rng.choice(objects)["unexpected_field"] = rng.choice(ODD_VALUES)
    return json.dumps(document, indent=2)


def json_missing_field(rng: random.Random, document: Any, text: str) -> str:
    objects = [v for c, k in _nodes(document) if isinstance(v := c[k], dict) and v] or [document]
    target = rng.choice(objects)
    del target[rng.choice(list(target))]
    return json.dumps(document, indent=2)


def json_odd_string(rng: random.Random, document: Any, text: str) -> str:
    raw = json.dumps(rng.choice(ODD_STRINGS))
    return _with_raw(document, rng, raw, lambda v: isinstance(v, str))


def json_not_an_object(rng: random.Random, document: Any, text: str) -> str:
    return rng.choice(["", "{}", "null", "[]", "0", '"text"', "\ufeff" + text, text + "\n}"])


JsonMutation = Callable[[random.Random, Any, str], str]
JSON_MUTATIONS: list[JsonMutation] = [
    json_huge_number,
    json_odd_number,
    json_short_list,
    json_wrong_type,
    json_truncated,
    json_deep_nesting,
    json_duplicate_key,
    json_unknown_field,
    json_missing_field,
    json_odd_string,
    json_not_an_object,
]


def mutate_release(folder: Path, case: int) -> str:
    """Mutate one JSON file of a release copy, in turn, and re-hash the manifest as an
    attacker would (unless the manifest itself is the file mutated); returns the label."""
    rng = random.Random(SEED * 3000 + case)
    name = JSON_FILES[case % len(JSON_FILES)]
    mutation = JSON_MUTATIONS[(case // len(JSON_FILES) + case) % len(JSON_MUTATIONS)]
    path = folder / name
    text = path.read_text(encoding="utf-8")
    path.write_text(mutation(rng, json.loads(text), text), encoding="utf-8", errors="surrogatepass")
    if name != MANIFEST_FILE:
        write_manifest(folder)
    return f"json #{case} {name} {mutation.__name__}"


# the commands -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """What the fuzzed commands read besides the mutated input."""

    release: Path
    new: Path
    model: Any
    held_out: ProfiledData
    home: Path


DataCommand = Callable[[Path, Inputs, Path], Result]

DATA_COMMANDS: dict[str, DataCommand] = {
    "profile": lambda data, given, work: run_in_process("profile", data, "--out", work / "p.json"),
    "profile --target": lambda data, given, work: run_in_process(
        "profile", data, "--target", TARGET, "--out", work / "p.json"
    ),
    "drift": lambda data, given, work: run_in_process(
        "drift", given.release, data, "--report", work / "drift.html"
    ),
    "ood": lambda data, given, work: run_in_process(
        "ood", given.release, data, "--out", work / "scores.csv"
    ),
    "verify --data": lambda data, given, work: run_in_process(
        "verify", given.release, "--data", data, "--target", TARGET, "--dataset", EVALUATION
    ),
}
"""The commands that read a data file, each run in a fresh work folder for its output."""


def release_data_path(data: Path, given: Inputs, staging: Path) -> None:
    """What ``release --train DATA --test held-out=CLEAN --test DATA`` does with the data
    through the Python API, as :meth:`Release.save` does: read and split it, profile it as
    training data (with the card's plots) and as an evaluation dataset, and calibrate the
    out-of-distribution thresholds of its profile on clean held-out rows."""
    X, y = split_target(read_table(data), TARGET, data.name)
    frame = as_frame(X)
    staging.mkdir()
    evaluations = [given.held_out, ProfiledData("mutated", frame, y, "test")]
    write_distribution(staging, build_profile(frame, y), evaluations, OODChoice())


def run_data_commands(data: Path, label: str, given: Inputs, work: Path) -> list[str | None]:
    """Every command that reads a data file, on ``data``; the problems found."""
    problems = []
    for command, run in DATA_COMMANDS.items():
        folder = work / command.replace(" ", "_")
        folder.mkdir(parents=True)
        problems.append(judge(command, label, run(data, given, folder), folder))
    staging = work / "staging"
    result = api(lambda: release_data_path(data, given, staging))
    problems.append(judge("release (data path, API)", label, result, None))
    return problems


ReleaseCommand = Callable[[Path, Inputs, Path], Result]


def in_registry(folder: Path, given: Inputs, *args: str) -> Result:
    """``modelshare ARGS`` on a registry holding ``folder`` as the published release (planted
    by whoever controls the registry)."""
    published = given.home / "registry" / RELEASE_NAME / RELEASE_VERSION
    shutil.rmtree(published, ignore_errors=True)
    shutil.copytree(folder, published)
    before = digest(published)
    result = run_in_process(*args)
    assert digest(published) == before, f"{args[0]} changed the registry"
    return result


RELEASE_COMMANDS: dict[str, ReleaseCommand] = {
    "verify": lambda folder, given, work: run_in_process("verify", folder),
    "drift": lambda folder, given, work: run_in_process("drift", folder, given.new),
    "drift --reference-dataset": lambda folder, given, work: run_in_process(
        "drift", folder, given.new, "--reference-dataset", EVALUATION
    ),
    "ood": lambda folder, given, work: run_in_process(
        "ood", folder, given.new, "--out", work / "scores.csv"
    ),
    "check": lambda folder, given, work: run_in_process("check", folder),
    "scan": lambda folder, given, work: run_in_process("scan", folder),
    "list": lambda folder, given, work: in_registry(folder, given, "list"),
    "show": lambda folder, given, work: in_registry(
        folder, given, "show", f"{RELEASE_NAME}@{RELEASE_VERSION}"
    ),
}
"""The commands that read a release's JSON files."""


# the tests ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def given(
    quickstart_bundle: Bundle,
    penguins: PenguinExample,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Inputs]:
    """The quick start release (checked unchanged afterwards), new rows, its model, and an
    empty modelshare home for the registry commands."""
    folder = tmp_path_factory.mktemp("fuzz-inputs")
    penguins.X_test.to_csv(folder / "new.csv", index=False)
    home = folder / "home"
    home.mkdir()
    release = quickstart_bundle.path
    before = digest(release)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MODELSHARE_HOME", str(home))
        model = modelshare.load(release)
        held_out = ProfiledData("held-out", penguins.X_test, penguins.y_test, "test", model)
        yield Inputs(release, folder / "new.csv", model, held_out, home)
    assert digest(release) == before, "a fuzzed command changed the release it read"


@pytest.fixture(scope="module")
def labelled(penguins: PenguinExample) -> pa.Table:
    """The penguin training rows with their species: the table every mutation starts from."""
    return pa.Table.from_pandas(
        penguins.X_train.assign(**{TARGET: penguins.y_train}), preserve_index=False
    )


def fuzzed_files(
    tmp_path: Path, suffix: str, cases: int, mutate: Callable[[int], tuple[str, bytes]]
) -> Iterator[tuple[int, str, Path]]:
    """Each mutated file written to ``tmp_path``, with its case number and label."""
    for case in range(cases):
        label, data = mutate(case)
        path = tmp_path / f"case-{case}{suffix}"
        path.write_bytes(data)
        yield case, label, path


def test_fuzzed_csv_files(given: Inputs, labelled: pa.Table, tmp_path: Path) -> None:
    base = labelled.to_pandas().to_csv(index=False).encode("utf-8")
    problems = []
    for case, label, path in fuzzed_files(
        tmp_path, ".csv", CSV_CASES, lambda case: mutated_csv(base, case)
    ):
        problems += run_data_commands(path, label, given, tmp_path / f"work-{case}")
    assert_clean(problems)


def test_fuzzed_parquet_files(given: Inputs, labelled: pa.Table, tmp_path: Path) -> None:
    problems = []
    for case, label, path in fuzzed_files(
        tmp_path, ".parquet", PARQUET_CASES, lambda case: mutated_parquet(labelled, case)
    ):
        problems += run_data_commands(path, label, given, tmp_path / f"work-{case}")
        problems.append(judge("profile (Arrow table, API)", label, _profile_arrow(path), None))
    assert_clean(problems)


def _profile_arrow(path: Path) -> Result:
    """``build_profile`` of the file read by pyarrow, when pyarrow can read it."""
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError):
        return subprocess.CompletedProcess([], 0, "", "")  # nothing for modelshare to read
    return api(lambda: build_profile(table))


def test_fuzzed_release_json(given: Inputs, tmp_path: Path) -> None:
    problems = []
    for case in range(JSON_CASES):
        folder = tmp_path / f"release-{case}"
        shutil.copytree(given.release, folder)
        label = mutate_release(folder, case)
        before = digest(folder)
        for command, run in RELEASE_COMMANDS.items():
            work = tmp_path / f"work-{case}-{command.replace(' ', '_')}"
            work.mkdir()
            problems.append(judge(command, label, run(folder, given, work), work))
            if digest(folder) != before:
                problems.append(f"{command} on {label}: changed the release folder it read")
                before = digest(folder)
    assert_clean(problems)


RELEASE_MUTATIONS = [
    special_column,
    special_values,
    duplicate_name,
    empty_name,
    control_name,
    wrong_types,
]
"""The CSV mutations the whole ``release`` command meets as its training data."""


@pytest.mark.parametrize("mutation", RELEASE_MUTATIONS, ids=lambda m: m.__name__)
def test_fuzzed_release_command(
    given: Inputs, labelled: pa.Table, tmp_path: Path, mutation: Mutation
) -> None:
    base = labelled.to_pandas().to_csv(index=False).encode("utf-8")
    data = tmp_path / "train.csv"
    data.write_bytes(mutation(random.Random(SEED), base))
    work = tmp_path / "work"
    work.mkdir()
    result = run_in_process(
        *("release", "--model", given.release / "model.skops", "--train", data),
        *("--target", TARGET, "--test", f"held-out={data}", "--out", work / "release"),
    )
    assert_clean([judge("release", f"train.csv {mutation.__name__}", result, work)])


# what the fuzzing found, pinned -------------------------------------------------------------


@pytest.mark.parametrize("names", [["a", "a", TARGET], ["a", "", TARGET], ["a", "b\nc", TARGET]])
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_every_reader_refuses_the_same_column_names(
    tmp_path: Path, names: list[str], suffix: str
) -> None:
    table = pa.Table.from_arrays(
        [pa.array([1.0, 2.0]), pa.array([3.0, 4.0]), pa.array(["x", "y"])], names=names
    )
    path = tmp_path / f"table{suffix}"
    (pv.write_csv if suffix == ".csv" else pq.write_table)(table, path)
    with pytest.raises(InvalidInputError) as by_pandas:
        read_table(path)
    with pytest.raises(InvalidInputError) as by_arrow:
        open_source(path)
    assert str(by_pandas.value) == str(by_arrow.value)
    assert len(str(by_pandas.value).splitlines()) == 1


def test_non_finite_training_values_are_counted_apart(
    penguins: PenguinExample, tmp_path: Path
) -> None:
    X = penguins.X_train.copy()
    X.loc[X.index[:5], "bill_length_mm"] = np.inf
    X.loc[X.index[5:10], "body_mass_g"] = 1e308
    profile = build_profile(X, penguins.y_train)
    assert [profile.column(name).non_finite for name in ("bill_length_mm", "body_mass_g")] == [5, 5]
    assert DataProfile.from_json(profile.to_json()) == profile
    assert profile.moments is not None and np.isfinite(profile.moments.shrunk_covariance()).all()
    assert np.isfinite(OODScorer.from_profile(profile).mahalanobis(X)).all()
    section = render_distribution_section(profile, tmp_path / "images")
    assert "left out of the numbers above" in section and "bill_length_mm (5)" in section
    assert "non_finite" not in build_profile(penguins.X_train).to_json()


def test_ood_scores_non_finite_inputs_with_a_reason(
    given: Inputs, penguins: PenguinExample
) -> None:
    rows = penguins.X_test.copy()
    rows.loc[rows.index[0], "flipper_length_mm"] = -np.inf
    scores = modelshare.ood(given.release).score(rows)
    first = scores.loc[rows.index[0]]
    assert first["flag"] and "non-finite value in flipper_length_mm" in first["reasons"]
    assert np.isnan(first["max_softmax"]) and np.isfinite(scores["score"]).all()


def test_wide_tables_keep_no_joint_moments() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(20, MAX_JOINT_FEATURES + 1))).add_prefix("c")
    profile = build_profile(frame)
    assert profile.moments is None
    assert any(f"more than {MAX_JOINT_FEATURES}" in note for note in profile.privacy.withheld)


def test_integer_column_names_are_profiled_and_scored() -> None:
    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(30, 2)))
    profile = build_profile(frame)
    assert [column.name for column in profile.columns] == ["0", "1"]
    assert np.isfinite(OODScorer.from_profile(profile).mahalanobis(frame)).all()


DAMAGE: dict[str, Callable[[dict[str, Any]], None]] = {
    "correlation beyond 1": lambda d: d["moments"]["correlation"][0].__setitem__(1, 7.0),
    "NaN mean": lambda d: d["moments"]["mean"].__setitem__(0, float("nan")),
    "moments one std short": lambda d: d["moments"]["std"].pop(),
    "quantiles decreasing": lambda d: d["columns"][0]["quantiles"]["values"].reverse(),
    "negative count": lambda d: d["columns"][0].__setitem__("count", -1),
    "two columns of one name": lambda d: d["columns"][1].__setitem__("name", "bill_length_mm"),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_profile_is_refused_in_one_line(
    quickstart_bundle: Bundle, damage: Callable[[dict[str, Any]], None]
) -> None:
    document = json.loads((quickstart_bundle.path / "data_profile.json").read_text())
    damage(document)
    with pytest.raises(InvalidInputError, match="is not a modelshare data profile") as refused:
        DataProfile.from_json(json.dumps(document))
    assert len(str(refused.value).splitlines()) == 1
