"""Offline validation of a model card's YAML metadata, the way the Hugging Face Hub checks it.

When a README.md is pushed, the Hub reads the YAML block at its top and rejects or ignores what
it does not know: a license id outside its list, a language that is no ISO 639 code, an unknown
task, a malformed ``model-index``. This module applies the same checks without a network,
against lists bundled in ``modelshare/audit/data`` (each file names its source and date), and
names for every problem the key, the value and what to write instead.

Example:
    >>> problems = validate_card_text("---\\nlicense: MIT\\n---\\n# My model\\n")
    >>> problems[0].line, problems[0].message
    (2, "license 'MIT' is not a license id the Hub accepts: use 'mit'")
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache, partial
from importlib import resources
from typing import Any, Literal

import yaml
from huggingface_hub.repocard_data import model_index_to_eval_results
from huggingface_hub.utils import HFValidationError, validate_repo_id

from modelshare.audit.bounded_yaml import explain_yaml_error, load_yaml

__all__ = [
    "FrontMatter",
    "MetadataProblem",
    "closest_hub_licenses",
    "front_matter_lines",
    "hub_languages",
    "hub_libraries",
    "hub_license_id",
    "hub_licenses",
    "hub_pipeline_tags",
    "parse_front_matter",
    "shorten",
    "split_front_matter",
    "split_lines",
    "validate_card_text",
    "validate_front_matter",
    "validate_metadata",
]

Severity = Literal["error", "warning"]

LICENSES_URL = "https://huggingface.co/docs/hub/repositories-licenses"
MODEL_INDEX_SPEC_URL = "https://github.com/huggingface/hub-docs/blob/main/modelcard.md"
SPECIAL_LANGUAGES = frozenset({"code", "multilingual"})
"""Values the Hub accepts in ``language`` besides ISO 639 codes."""
MAX_VALUE_CHARS = 60
"""Longest value quoted in a problem; longer ones are cut with an ellipsis."""

_LICENSE_NAME = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*")


@dataclass(frozen=True)
class MetadataProblem:
    """One thing the Hub would reject (``error``) or handle poorly (``warning``) in a card.

    ``key`` is the path of the value in the metadata (``license``, ``language[1]``,
    ``model-index[0].results[0].metrics``); ``line`` and ``column`` are 1-based positions in
    the card file when known.
    """

    key: str
    value: str
    message: str
    severity: Severity = "error"
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class FrontMatter:
    """The metadata block of a card: its values, where it starts, and what kept it from loading.

    ``start_line`` is the file line of the first YAML line (``None`` when the card has no
    block); ``key_lines`` maps each key path to the file line where it is written.
    """

    metadata: dict[str, Any]
    start_line: int | None = None
    problems: list[MetadataProblem] = field(default_factory=list)
    key_lines: dict[str, int] = field(default_factory=dict)


# --- The Hub's lists -----------------------------------------------------------------------


def _data_lines(name: str) -> list[str]:
    text = (resources.files("modelshare.audit") / "data" / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _data_words(name: str) -> frozenset[str]:
    return frozenset(word for line in _data_lines(name) for word in line.split())


def _data_pairs(name: str) -> dict[str, str]:
    pairs = (line.split("\t", 1) for line in _data_lines(name))
    return {key: value for key, value in pairs}


@cache
def hub_licenses() -> frozenset[str]:
    """License ids the Hub accepts in ``license``.

    Example:
        >>> "apache-2.0" in hub_licenses(), "Apache-2.0" in hub_licenses()
        (True, False)
    """
    return _data_words("hub_licenses.txt")


_LICENSE_PHRASES = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"licence", "license"),
        (r"creative commons", "cc"),
        (r"attribution", "by"),
        (r"non-?commercial", "nc"),
        (r"share-?alike", "sa"),
        (r"no-?deriv(?:ative)?s", "nd"),
        (r"gnu affero general public", "agpl"),
        (r"gnu (?:lesser|library) general public", "lgpl"),
        (r"gnu general public", "gpl"),
        (r"gnu free documentation", "gfdl"),
        (r"mozilla public", "mpl"),
        (r"eclipse public", "epl"),
        (r"european union public", "eupl"),
        (r"boost software", "bsl"),
        (r"academic free", "afl"),
        (r"open software", "osl"),
        (r"-only\b|-or-later\b|\+$", ""),
        (r"([a-z])v(?=\d)", r"\1 "),
        (r"\bv(?=\d)", ""),
        (r"\b(?:the|license|version|universal|international|unported|generic|new|revised)\b", ""),
        (r'["\'(),]', " "),
    )
)
_LICENSE_ALIASES = {"cc0": "cc0-1.0"}


def _license_key(text: str) -> str:
    """A license name reduced to what identifies it: ``Apache License, Version 2.0`` and
    ``apache-2.0`` both become ``apache2``."""
    lowered = text.strip().lower()
    for pattern, replacement in _LICENSE_PHRASES:
        lowered = pattern.sub(replacement, lowered)
    tokens = re.findall(r"[a-z]+|\d+(?:\.\d+)*", lowered)
    return "".join(re.sub(r"(?:\.0)+$", "", token) for token in tokens)


@cache
def _licenses_by_key() -> dict[str, str]:
    keys: dict[str, str] = {}
    for license_id in sorted(hub_licenses(), key=len):
        keys.setdefault(_license_key(license_id), license_id)
    return keys


def hub_license_id(text: str) -> str | None:
    """The Hub's license id for a license as people write it (an SPDX id in any case, ``MIT
    License``, ``Apache 2.0``, ``CC BY 4.0``, ``GPLv3``), or None when it names none.

    Example:
        >>> [hub_license_id(name) for name in ("MIT License", "Apache 2.0", "CC BY-NC 4.0")]
        ['mit', 'apache-2.0', 'cc-by-nc-4.0']
        >>> hub_license_id("GPL-3.0-or-later"), hub_license_id("CC0"), hub_license_id("Acme")
        ('gpl-3.0', 'cc0-1.0', None)
    """
    lowered = text.strip().lower()
    if lowered in hub_licenses():
        return lowered
    key = _license_key(text)
    return _LICENSE_ALIASES.get(key) or _licenses_by_key().get(key)


def closest_hub_licenses(text: str, count: int = 3) -> list[str]:
    """The Hub license ids closest to an unknown one, best first (possibly none).

    Example:
        >>> closest_hub_licenses("apache 3")
        ['apache-2.0']
    """
    keys = _licenses_by_key()
    close = difflib.get_close_matches(_license_key(text), keys, n=count, cutoff=0.6)
    return [keys[key] for key in close]


@cache
def hub_pipeline_tags() -> frozenset[str]:
    """Task ids the Hub accepts in ``pipeline_tag``.

    Example:
        >>> "text-classification" in hub_pipeline_tags()
        True
    """
    return _data_words("hub_pipeline_tags.txt")


@cache
def hub_libraries() -> frozenset[str]:
    """Library ids the Hub knows in ``library_name``.

    Example:
        >>> "sklearn" in hub_libraries()
        True
    """
    return _data_words("hub_libraries.txt")


@cache
def _iso639_1_names() -> dict[str, str]:
    return _data_pairs("iso639_1.tsv")


@cache
def hub_languages() -> frozenset[str]:
    """Codes the Hub accepts in ``language``: ISO 639-1 and 639-3, ``code``, ``multilingual``.

    Example:
        >>> {"en", "eng", "multilingual"} <= hub_languages(), "english" in hub_languages()
        (True, False)
    """
    return frozenset(_iso639_1_names()) | _data_words("iso639_3.txt") | SPECIAL_LANGUAGES


@cache
def _language_codes_by_name() -> dict[str, str]:
    return {name.lower(): code for code, name in _iso639_1_names().items()}


@cache
def _bibliographic_codes() -> dict[str, str]:
    return _data_pairs("iso639_2b.tsv")


# --- Reading the block ---------------------------------------------------------------------


def split_lines(text: str) -> list[str]:
    """The lines of a text without a byte-order mark, whatever its line endings.

    Example:
        >>> split_lines("\\ufeffa\\r\\nb\\rc")
        ['a', 'b', 'c']
    """
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def front_matter_lines(lines: list[str]) -> tuple[int, int | None] | None:
    """Where the ``---`` lines of the YAML front matter are: (opening, closing) indices.

    The first non-blank line must be ``---`` (else ``None``: no block); the block closes at the
    next ``---``, and ``closing`` is ``None`` when it never does.

    Example:
        >>> front_matter_lines(["", "---", "license: mit", "---", "# Card"])
        (1, 3)
    """
    opening = next((index for index, line in enumerate(lines) if line.strip()), None)
    if opening is None or lines[opening].strip() != "---":
        return None
    closing = next((i for i in range(opening + 1, len(lines)) if lines[i].rstrip() == "---"), None)
    return opening, closing


_LINE_WITH_ENDING = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_front_matter(text: str) -> tuple[str, str]:
    """The card cut after its metadata block: (everything up to and including the closing
    ``---`` line, the rest), found exactly as :func:`parse_front_matter` finds the block (a
    BOM, blank lines before it and any line endings accepted); ``("", text)`` without one.

    Example:
        >>> split_front_matter("\\ufeff\\n---\\nlicense: mit\\n---\\n# Card\\n")
        ('\\ufeff\\n---\\nlicense: mit\\n---\\n', '# Card\\n')
        >>> split_front_matter("# Card\\n")
        ('', '# Card\\n')
    """
    lines = _LINE_WITH_ENDING.findall(text)
    bare = [line.rstrip("\r\n") for line in lines]
    if bare:
        bare[0] = bare[0].removeprefix("\ufeff")
    bounds = front_matter_lines(bare)
    if bounds is None or bounds[1] is None:
        return "", text
    head = "".join(lines[: bounds[1] + 1])
    return head, text[len(head) :]


def parse_front_matter(text: str) -> FrontMatter:
    """Read the ``---`` delimited YAML block at the top of a card; never raises.

    A UTF-8 BOM and Windows line endings are accepted. YAML that does not parse, a block that
    is not a mapping or is never closed comes back as a problem with its file line (and column).

    Example:
        >>> front = parse_front_matter("---\\nlicense: mit\\ntags: [a, b\\n---\\n")
        >>> front.metadata, front.problems[0].line, front.problems[0].column
        ({}, 3, 12)
    """
    lines = split_lines(text)
    bounds = front_matter_lines(lines)
    if bounds is None:
        return FrontMatter(metadata={})
    opening, closing = bounds
    start_line = opening + 2
    if closing is None:
        message = (
            f"the metadata block opened at line {opening + 1} is never closed: "
            "add a line '---' after the metadata"
        )
        return FrontMatter({}, start_line, [_problem("---", "---", message, line=opening + 1)])
    return _load_block("\n".join(lines[opening + 1 : closing]), start_line)


def _load_block(block: str, start_line: int) -> FrontMatter:
    try:
        root, data = load_yaml(block)
    except yaml.YAMLError as error:
        return FrontMatter({}, start_line, [_yaml_error_problem(error, block, start_line)])
    if data is None:
        return FrontMatter({}, start_line)
    if not isinstance(data, dict):
        message = (
            f"the metadata block is {_describe(data)}, not a mapping: "
            "write 'key: value' lines between the two '---' lines"
        )
        return FrontMatter({}, start_line, [_problem("metadata", data, message, line=start_line)])
    key_lines, duplicates = _key_lines(root, start_line)
    return FrontMatter(data, start_line, duplicates, key_lines)


def _yaml_error_problem(error: yaml.YAMLError, block: str, start_line: int) -> MetadataProblem:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark is None:
        verdict, reason, fix = explain_yaml_error(error, "simplify the YAML block")
        message = f"the metadata {verdict}: {reason}; {fix}"
        return _problem("metadata", "", message, line=start_line)
    verdict, reason, fix = explain_yaml_error(
        error,
        "fix the YAML there (indentation, a ': ' after each key, quotes around values holding "
        "': ' or ' #')",
    )
    line, column = start_line + mark.line, mark.column + 1
    block_lines = block.split("\n")
    offending = block_lines[mark.line] if mark.line < len(block_lines) else ""
    message = f"the metadata {verdict} at line {line}, column {column}: {reason}; {fix}"
    return _problem("metadata", offending, message, line=line, column=column)


def _child_nodes(path: str, node: yaml.Node) -> Iterator[tuple[str, yaml.Node, yaml.Mark]]:
    """Yield (path, node, mark of its key or item) for the children of a mapping or sequence."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            yield (f"{path}.{key}" if path else key), value_node, key_node.start_mark
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield f"{path}[{index}]", item, item.start_mark


def _key_lines(root: yaml.Node, start_line: int) -> tuple[dict[str, int], list[MetadataProblem]]:
    """Map every key path to its file line; warn about keys written twice in one mapping."""
    lines: dict[str, int] = {}
    duplicates: list[MetadataProblem] = []
    visited: set[int] = set()
    pending: list[tuple[str, yaml.Node]] = [("", root)]
    while pending:
        path, node = pending.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        for child_path, child, mark in _child_nodes(path, node):
            line = start_line + mark.line
            if child_path in lines:
                message = (
                    f"{child_path} is written at line {lines[child_path]} and again at line "
                    f"{line}: YAML keeps only the last value; remove one of them"
                )
                duplicates.append(_problem(child_path, "", message, "warning", line=line))
            lines[child_path] = line
            pending.append((child_path, child))
    return lines, duplicates


# --- Checking the values -------------------------------------------------------------------


def validate_metadata(metadata: Mapping[str, Any]) -> list[MetadataProblem]:
    """Check card metadata against the Hub's rules; keys the Hub does not check are ignored.

    Example:
        >>> [p.message for p in validate_metadata({"license": "apache-2.0", "language": "english"})]
        ["language 'english' is not a language code the Hub accepts: use 'en'"]
    """
    return [
        problem for key, check in _CHECKS.items() if key in metadata for problem in check(metadata)
    ]


def validate_card_text(text: str) -> list[MetadataProblem]:
    """Read a card's metadata block and check it; problems come in file order, each with its line.

    Example:
        >>> card = "---\\nlicense: apache-2.0\\npipeline_tag: text-clasification\\n---\\n"
        >>> [(p.key, p.line) for p in validate_card_text(card)]
        [('pipeline_tag', 3)]
    """
    return validate_front_matter(parse_front_matter(text))


def validate_front_matter(front: FrontMatter) -> list[MetadataProblem]:
    """Check a card's parsed metadata block: :func:`validate_card_text` without reading it again.

    Example:
        >>> front = parse_front_matter("---\\nlicense: MIT\\n---\\n")
        >>> [p.line for p in validate_front_matter(front)]
        [2]
    """
    located = (
        replace(problem, line=_line_of(problem.key, front.key_lines))
        for problem in validate_metadata(front.metadata)
    )
    return sorted([*front.problems, *located], key=lambda problem: problem.line or 0)


def _line_of(path: str, key_lines: Mapping[str, int]) -> int | None:
    """The line of ``path``, or of its nearest written parent when ``path`` itself is missing."""
    while path:
        if path in key_lines:
            return key_lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


def _check_license(metadata: Mapping[str, Any]) -> list[MetadataProblem]:
    items, problems = _string_items(metadata, "license")
    for path, value in items:
        if value not in hub_licenses():
            fix = _use(hub_license_id(value) or _closest(value, hub_licenses())) or (
                f"use an id from {LICENSES_URL}, or 'other' with license_name and license_link"
            )
            message = f"{path} {_q(value)} is not a license id the Hub accepts: {fix}"
            problems.append(_problem(path, value, message))
    if "other" in _license_ids(metadata):
        problems.extend(_other_license_problems(metadata))
    return problems


def _other_license_problems(metadata: Mapping[str, Any]) -> list[MetadataProblem]:
    problems = []
    if "license_name" not in metadata:
        message = (
            "license 'other' needs a license_name: add license_name: <your-license-id> "
            "(lowercase, e.g. my-license-1.0) and put the license text in a LICENSE file"
        )
        problems.append(_problem("license", "other", message))
    if "license_link" not in metadata:
        message = (
            "license 'other' has no license_link: add license_link: LICENSE (a file in the "
            "repository) or the URL of the license text"
        )
        problems.append(_problem("license", "other", message, "warning"))
    return problems


def _check_license_name(metadata: Mapping[str, Any]) -> list[MetadataProblem]:
    name = metadata["license_name"]
    if not isinstance(name, str):
        return [_type_problem("license_name", name, "a string")]
    problems = []
    if not _LICENSE_NAME.fullmatch(name):
        suggestion = re.sub(r"[^a-z0-9.]+", "-", name.lower()).strip("-.")
        message = f"license_name {_q(name)} is not a lowercase id: use {suggestion!r}"
        problems.append(_problem("license_name", name, message, "warning"))
    if "other" not in _license_ids(metadata):
        message = (
            f"license_name {_q(name)} is only read when license is 'other': set license: other, "
            "or remove license_name"
        )
        problems.append(_problem("license_name", name, message, "warning"))
    return problems


def _license_ids(metadata: Mapping[str, Any]) -> list[str]:
    if "license" not in metadata:
        return []
    return [value for _, value in _string_items(metadata, "license")[0]]


def _check_language(metadata: Mapping[str, Any]) -> list[MetadataProblem]:
    items, problems = _string_items(metadata, "language")
    problems.extend(
        _language_problem(path, value) for path, value in items if value not in hub_languages()
    )
    return problems


def _language_problem(path: str, value: str) -> MetadataProblem:
    hub_code = _bibliographic_codes().get(value.lower())
    if hub_code:
        message = (
            f"{path} {_q(value)} is an ISO 639-2/B code the Hub does not list: use {hub_code!r}, "
            "the Hub's code for the same language"
        )
        return _problem(path, value, message, "warning")
    fix = _use(_language_suggestion(value)) or (
        "use an ISO 639-1 or 639-3 code such as 'en' or 'eng', or 'multilingual' "
        "(codes: https://huggingface.co/languages)"
    )
    message = f"{path} {_q(value)} is not a language code the Hub accepts: {fix}"
    return _problem(path, value, message)


def _language_suggestion(value: str) -> str | None:
    """The Hub code for a capitalised code, a region-tagged code (``en-US``) or an English name."""
    lowered = value.strip().lower()
    primary = re.split(r"[-_]", lowered, maxsplit=1)[0]
    for candidate in (lowered, primary):
        if candidate in hub_languages():
            return candidate
    return _language_codes_by_name().get(lowered)


def _check_pipeline_tag(metadata: Mapping[str, Any]) -> list[MetadataProblem]:
    return _check_known_id(
        metadata,
        "pipeline_tag",
        hub_pipeline_tags(),
        "a task the Hub knows",
        "use a task id from https://huggingface.co/tasks, e.g. 'text-classification'",
        "error",
    )


def _check_library_name(metadata: Mapping[str, Any]) -> list[MetadataProblem]:
    return _check_known_id(
        metadata,
        "library_name",
        hub_libraries(),
        "a library the Hub knows",
        "check the spelling against https://huggingface.co/docs/hub/models-libraries "
        "(an unknown library gets no usage snippet on the Hub)",
        "warning",
    )


def _check_known_id(
    metadata: Mapping[str, Any],
    key: str,
    known: frozenset[str],
    what: str,
    fallback_fix: str,
    severity: Severity,
) -> list[MetadataProblem]:
    value = metadata[key]
    if not isinstance(value, str):
        return [_type_problem(key, value, "a string")]
    if value in known:
        return []
    fix = _use(_closest(value, known)) or fallback_fix
    return [_problem(key, value, f"{key} {_q(value)} is not {what}: {fix}", severity)]


def _check_repo_ids(metadata: Mapping[str, Any], key: str, kind: str) -> list[MetadataProblem]:
    items, problems = _string_items(metadata, key)
    for path, value in items:
        try:
            validate_repo_id(value)
        except HFValidationError:
            message = (
                f"{path} {_q(value)} is not a Hub {kind} id: write 'name' or 'owner/name' as in "
                f"the {kind}'s Hub URL (letters, digits, '-', '_', '.'; at most 96 characters; "
                "no '--' or '..'; not starting or ending with '-' or '.')"
            )
            problems.append(_problem(path, value, message))
    return problems


def _check_strings(metadata: Mapping[str, Any], key: str) -> list[MetadataProblem]:
    return _string_items(metadata, key)[1]


# --- model-index ---------------------------------------------------------------------------

_Kind = Literal["text", "number_or_text", "flag", "mapping", "list"]


@dataclass(frozen=True)
class _Field:
    """What the model-index spec expects at one place: a kind, whether required, sub-fields."""

    kind: _Kind
    required: bool = False
    example: str = ""
    fields: Mapping[str, _Field] = field(default_factory=dict)
    legacy_text: bool = False
    """A string here is what the Hub's older spec allowed: a warning, not an error."""


_KINDS: dict[_Kind, tuple[Callable[[Any], bool], str]] = {
    "text": (lambda v: isinstance(v, str) and bool(v.strip()), "a string"),
    "number_or_text": (
        lambda v: isinstance(v, (int, float, str)) and not isinstance(v, bool),
        "a number or a string",
    ),
    "flag": (lambda v: isinstance(v, bool), "true or false"),
    "mapping": (lambda v: isinstance(v, Mapping), "a mapping of 'key: value' lines"),
    "list": (lambda v: isinstance(v, list) and bool(v), "a non-empty list of '- ' items"),
}

_METRIC = {
    "type": _Field("text", True, "accuracy"),
    "value": _Field("number_or_text", True, "0.91"),
    "name": _Field("text"),
    "config": _Field("text"),
    "args": _Field("mapping"),
    "verified": _Field("flag"),
    "verifyToken": _Field("text"),
}
_RESULT = {
    "task": _Field("mapping", True, "{type: text-classification}", {"type": _Field("text", True)}),
    "dataset": _Field(
        "mapping",
        True,
        "{type: imdb, name: IMDb, split: test}",
        {
            "type": _Field("text", True, "imdb"),
            "name": _Field("text", True, "IMDb"),
            "config": _Field("text"),
            "split": _Field("text"),
            "revision": _Field("text"),
            "args": _Field("mapping", legacy_text=True),
        },
    ),
    "metrics": _Field("list", True, "[{type: accuracy, value: 0.91}]", _METRIC),
    "source": _Field("mapping", False, "", {"name": _Field("text"), "url": _Field("text", True)}),
}
_MODEL_INDEX = _Field(
    "list",
    fields={
        "name": _Field("text", True, "<model name>"),
        "results": _Field("list", True, "[{task: ..., dataset: ..., metrics: ...}]", _RESULT),
    },
)


def _check_model_index(metadata: Mapping[str, Any]) -> list[MetadataProblem]:
    model_index = metadata["model-index"]
    problems = _check_node(model_index, "model-index", _MODEL_INDEX)
    if any(problem.severity == "error" for problem in problems):
        return problems
    try:
        model_index_to_eval_results(model_index)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        reason = " ".join(f"{type(error).__name__}: {error}".split())
        message = f"huggingface_hub cannot read model-index ({reason}): see {MODEL_INDEX_SPEC_URL}"
        return [*problems, _problem("model-index", model_index, message)]
    return [*problems, *_task_type_problems(model_index)]


def _check_node(value: Any, path: str, spec: _Field) -> list[MetadataProblem]:
    accepts, expected = _KINDS[spec.kind]
    if spec.legacy_text and isinstance(value, str):
        message = (
            f"{path} is the string {_q(value)}, as the Hub's older model-index spec allowed "
            f"(Trainer writes it): write {expected} instead, e.g. `config: {value}`, or remove it"
        )
        return [_problem(path, value, message, "warning")]
    if not accepts(value):
        return [_type_problem(path, value, expected)]
    if spec.kind == "list" and spec.fields:
        return [
            problem
            for index, item in enumerate(value)
            for problem in _check_fields(item, f"{path}[{index}]", spec.fields)
        ]
    if spec.kind == "mapping":
        return _check_fields(value, path, spec.fields)
    return []


def _check_fields(node: Any, path: str, fields: Mapping[str, _Field]) -> list[MetadataProblem]:
    if not isinstance(node, Mapping):
        return [_type_problem(path, node, _KINDS["mapping"][1])]
    problems = []
    for name, spec in fields.items():
        child = f"{path}.{name}"
        if name in node:
            problems.extend(_check_node(node[name], child, spec))
        elif spec.required:
            add = f"{name}: {spec.example}" if spec.example else name
            message = f"{child} is missing: add {add} (spec: {MODEL_INDEX_SPEC_URL})"
            problems.append(_problem(child, "", message))
    return problems


def _task_type_problems(model_index: list[dict[str, Any]]) -> list[MetadataProblem]:
    problems = []
    for model_number, model in enumerate(model_index):
        for result_number, result in enumerate(model["results"]):
            task_type = result["task"]["type"]
            if task_type in hub_pipeline_tags():
                continue
            path = f"model-index[{model_number}].results[{result_number}].task.type"
            fix = _use(_closest(task_type, hub_pipeline_tags())) or "use a task id of the Hub"
            message = f"{path} {_q(task_type)} is not a task the Hub knows: {fix}"
            problems.append(_problem(path, task_type, message, "warning"))
    return problems


_CHECKS: dict[str, Callable[[Mapping[str, Any]], list[MetadataProblem]]] = {
    "license": _check_license,
    "license_name": _check_license_name,
    "language": _check_language,
    "pipeline_tag": _check_pipeline_tag,
    "library_name": _check_library_name,
    "tags": partial(_check_strings, key="tags"),
    "metrics": partial(_check_strings, key="metrics"),
    "datasets": partial(_check_repo_ids, key="datasets", kind="dataset"),
    "base_model": partial(_check_repo_ids, key="base_model", kind="model"),
    "model-index": _check_model_index,
}


# --- Small helpers -------------------------------------------------------------------------


def _string_items(
    metadata: Mapping[str, Any], key: str
) -> tuple[list[tuple[str, str]], list[MetadataProblem]]:
    """Split a string-or-list value into (path, string) items and problems for the others."""
    value = metadata[key]
    if isinstance(value, str):
        return [(key, value)], []
    if not isinstance(value, list):
        return [], [_type_problem(key, value, "a string or a list of strings")]
    items, problems = [], []
    for index, item in enumerate(value):
        path = f"{key}[{index}]"
        if isinstance(item, str):
            items.append((path, item))
        else:
            problems.append(_type_problem(path, item, "a string"))
    return items, problems


def _closest(value: str, choices: frozenset[str]) -> str | None:
    lowered = value.strip().lower()
    if lowered in choices:
        return lowered
    matches = difflib.get_close_matches(lowered, choices, n=1, cutoff=0.8)
    return matches[0] if matches else None


def _q(text: str) -> str:
    """Quote a value for a message, shortened to :data:`MAX_VALUE_CHARS`."""
    return repr(shorten(text))


def _use(suggestion: str | None) -> str | None:
    return f"use {suggestion!r}" if suggestion else None


def _type_problem(path: str, value: Any, expected: str) -> MetadataProblem:
    if value is None:
        fix = "give it a value or remove it"
    elif isinstance(value, bool):
        fix = "quote the value ('no', not no): YAML reads bare yes, no, on, off as true/false"
    else:
        fix = f"write {expected}"
    return _problem(path, value, f"{path} is {_describe(value)}, not {expected}: {fix}")


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"the string {_q(value)}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__} ({shorten(str(value))})"


def shorten(text: str) -> str:
    """Whitespace collapsed, cut to :data:`MAX_VALUE_CHARS` with an ellipsis.

    Example:
        >>> shorten("a  b\\n" + "c" * 80)[-3:]
        'cc…'
    """
    text = " ".join(text.split())
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return shorten(value if isinstance(value, str) else repr(value))


def _problem(
    key: str,
    value: Any,
    message: str,
    severity: Severity = "error",
    *,
    line: int | None = None,
    column: int | None = None,
) -> MetadataProblem:
    return MetadataProblem(key, _show(value), message, severity, line, column)
