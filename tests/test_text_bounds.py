"""Hostile input: `modelshare check` stays bounded in time and says one clear line.

Anyone's README reaches the audit, and `publish` runs it too. Each kind of hostile text below
(a long word, a long run of one token) is sprinkled into a real card at two sizes, ``n`` and
``4n``, and the card is audited in-process: linear cost makes the larger card about 4 times
slower, quadratic cost 16 times; the ratio must stay under 8. Ratios, never absolute times: each
time is the median of three runs, with a floor of a few milliseconds against noise.

YAML that parses but that Python cannot hold (an integer past its digit limit, an impossible
date) or that is nested without end, in a card's front matter or in modelshare.yaml, gives one
line that says what to do, never a traceback.
"""

from __future__ import annotations

import gc
import json
import statistics
import time
from pathlib import Path

import pytest

from modelshare.audit.bounded_yaml import (
    MAX_DEPTH,
    MAX_INTEGER_CHARS,
    UnusableYamlError,
    load_yaml,
)
from modelshare.audit.check import audit_card
from tests.helpers import assert_clean_failure, run_in_process

FRONT_MATTER, CARD_BODY = (
    (Path(__file__).parent / "cards" / "hub_template_partial.md")
    .read_text(encoding="utf-8")
    .split("\n---\n", 1)
)
MAX_GROWTH = 8.0
"""time(4n) / time(n) above this is more than linear (linear gives 4, quadratic 16)."""
FLOOR_SECONDS = 0.005
"""Times below this are noise: counted as this."""
PLACES = (
    "{blob}",
    "Trained on 1{blob} samples with seed{blob}42, numpy{blob}2.1.3 and version{blob}2.",
    "- **{blob}:** {blob}",
    "| {blob} | yes |",
)
"""Lines the hostile text is put in, in three sections before the card's own text (so that every
search reads it before it finds anything); the card also ends with it as two headings."""
SECTIONS = {"with an environment section": "Environment", "without one": "Notes"}
"""The title of the third section: pins are looked for in an environment section, or, when the card
has none, anywhere in it (with the environment item's words). Long words, which pins are made of,
are tried in both; runs of a token in the first."""

WORDS = {  # long words: a run of one character class, as a single token
    "letters": "a",
    "dotted name": "a.b-c",
    "digits": "7",
}
TOKENS = {  # a token repeated: long lines of text the patterns look for
    "spaces": " ",
    "words": "word ",
    "pins": "== 1 ",
    "labels": "license: ",
    "table cells": "| a ",
    "hashes": "#",
    "stars": "*",
    "underscores": "_",
    "dashes": "-",
    "question marks": "?",
    "open brackets": "[",
    "prompts": "[your ",
    "links": "[a](",
    "template braces": "{{",
    "numbers": "1,",
    "mentions": "@a",
    "unclosed scripts": "<script ",
    "closed styles": "<style>a</style>",
}
WORD_SIZE = 10_000
TOKEN_SIZE = 4_000


def hostile_card(unit: str, size: int, section: str, run: int = 0) -> str:
    """The test card with ``unit`` repeated to ``size`` characters in every place of PLACES, in
    its introduction, a training-data section and a ``section``.

    Headings differ from one ``run`` to the next: what is learnt about a heading is remembered,
    and each timed audit must meet its card for the first time, as ``modelshare check`` does.
    """
    blob = (unit * (size // len(unit) + 1))[:size]
    body = "\n\n".join(place.format(blob=blob) for place in PLACES)
    return (
        f"{FRONT_MATTER}\n---\n\n{body}\n\n## Training data\n\n{body}\n\n## {section}\n\n{body}\n\n"
        f"{CARD_BODY}\n\n## {blob} {run}\n\n# a{blob}b {run}\n"
    )


def audit_seconds(text: str) -> float:
    """CPU seconds one in-process audit of a card takes (at least the floor): CPU time, so that
    other processes running meanwhile do not count."""
    gc.collect()
    started = time.process_time()
    audit_card(text, "README.md")
    return max(time.process_time() - started, FLOOR_SECONDS)


def growth(unit: str, size: int, section: str) -> float:
    """time(4n) / time(n) for cards holding ``unit`` repeated to ``size`` and ``4 * size``.

    Each time is the median of three runs; the larger card runs a third time only when its first
    two fall on either side of the limit (a quadratic case then runs twice, not three times).
    """
    small = [hostile_card(unit, size, section, run) for run in range(3)]
    base = statistics.median(audit_seconds(card) for card in small)
    limit = MAX_GROWTH * base
    times = [audit_seconds(hostile_card(unit, 4 * size, section, run)) for run in range(2)]
    if (times[0] > limit) != (times[1] > limit):
        times.append(audit_seconds(hostile_card(unit, 4 * size, section, 2)))
    return statistics.median_high(times) / base


@pytest.fixture(scope="module", autouse=True)
def warm_up() -> None:
    """Load the Hub lists and compile the patterns before anything is timed."""
    audit_card(hostile_card("a", 10, "Notes"), "README.md")


@pytest.mark.parametrize("section", SECTIONS.values(), ids=SECTIONS.keys())
@pytest.mark.parametrize("unit", WORDS.values(), ids=WORDS.keys())
def test_a_long_word_costs_linear_time(unit: str, section: str) -> None:
    assert growth(unit, WORD_SIZE, section) < MAX_GROWTH


@pytest.mark.parametrize("unit", TOKENS.values(), ids=TOKENS.keys())
def test_a_long_run_of_one_token_costs_linear_time(unit: str) -> None:
    assert growth(unit, TOKEN_SIZE, SECTIONS["with an environment section"]) < MAX_GROWTH


HOSTILE_YAML = {
    "integer past the digit limit": "license: " + "9" * 5000,
    "hexadecimal integer past the digit limit": "license: 0x" + "f" * 5000,
    "sexagesimal integer": "license: " + "59:" * 20_000 + "1",
    "impossible date": "license: 2020-02-31",
    "flow nesting": "authors: " + "[" * 5000 + "]" * 5000,
    "block nesting": "authors:\n" + "\n".join("  " * depth + "a:" for depth in range(1, 400)),
    "alias cycle": "describe: &loop {more: *loop}",
    "nesting through aliases": "describe:\n"
    + "\n".join(
        f"  n{i}: &n{i} " + "{k: " * 40 + (f"*n{i - 1}" if i else "x") + "}" * 40 for i in range(30)
    ),
}
"""Front matter (or modelshare.yaml) lines that parse as YAML, or nearly, but cannot be used."""


@pytest.mark.parametrize("yaml_text", HOSTILE_YAML.values(), ids=HOSTILE_YAML.keys())
def test_hostile_front_matter_is_one_metadata_problem(tmp_path: Path, yaml_text: str) -> None:
    card = tmp_path / "README.md"
    card.write_text(f"---\nlanguage: en\n{yaml_text}\n---\n# Model\n\nA forest.\n")
    result = run_in_process("check", card, "--json")
    assert "Traceback" not in result.stderr + result.stdout
    report = json.loads(result.stdout)
    assert result.returncode == 1 and "metadata:metadata" in report["blocking"]
    (problem,) = report["problems"]
    assert problem["key"] == "metadata"
    assert "\n" not in problem["message"] and len(problem["message"]) < 400


@pytest.mark.parametrize("yaml_text", HOSTILE_YAML.values(), ids=HOSTILE_YAML.keys())
def test_hostile_modelshare_yaml_is_one_line(tmp_path: Path, yaml_text: str) -> None:
    """`modelshare release --meta` reads modelshare.yaml before anything else."""
    meta = tmp_path / "modelshare.yaml"
    meta.write_text(f"name: forest\n{yaml_text}\n")
    result = run_in_process(
        *("release", "--model", tmp_path / "model.skops", "--train", tmp_path / "train.csv"),
        *("--target", "y", "--out", tmp_path / "release", "--meta", meta),
    )
    assert_clean_failure(result, "modelshare.yaml")
    assert len(result.stderr) < 400


def test_yaml_up_to_the_limits_still_loads() -> None:
    nested = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)  # the mapping is the first level
    text = f"deep: {nested}\ncount: {'9' * MAX_INTEGER_CHARS}\nreleased: 2024-02-29\n"
    assert set(load_yaml(text)[1]) == {"deep", "count", "released"}
    with pytest.raises(UnusableYamlError, match="nested more than"):
        load_yaml(f"deep: [{nested}]")
