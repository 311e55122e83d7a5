"""The one visible line a card shows for a human fact nobody has given.

Example:
    >>> placeholder("describe.intended_use").startswith("> **Missing: describe.intended_use**")
    True
"""

from __future__ import annotations

from modelshare.record import fact_question

MARKER = "> **Missing: "
"""How every placeholder line starts; ``modelshare check`` recognises it."""


def how_to_give(field: str) -> str:
    """Where the author writes a missing fact: modelshare.yaml or the Python API.

    Example:
        >>> how_to_give("contact")
        'Add `contact:` to modelshare.yaml or pass `Release(..., contact=...)`'
    """
    group, _, key = field.rpartition(".")
    if group == "describe":
        return f"Add it under `describe:` in modelshare.yaml or with `Release.describe({key}=...)`"
    if group == "training_data":
        return (
            "Add it under `training_data:` in modelshare.yaml "
            f"or with `Release.training_data(..., {key}=...)`"
        )
    return f"Add `{key}:` to modelshare.yaml or pass `Release(..., {key}=...)`"


def placeholder(field: str, question: str | None = None, how: str | None = None) -> str:
    """The placeholder line for a missing human fact, naming the field and how to give it
    (``question`` and ``how`` for a fact given by a call rather than a text field).

    Example:
        >>> placeholder("split", "how the data was split", "Pass `Release.split(...)`")[:40]
        '> **Missing: split** — how the data was '
    """
    return (
        f"{MARKER}{field}** — {question or fact_question(field)}. "
        f"{how or how_to_give(field)}; `modelshare check` lists every missing fact."
    )


def fact_or_placeholder(value: str | None, field: str) -> str:
    """The fact itself when given, else its placeholder line.

    Example:
        >>> fact_or_placeholder("Species research.", "describe.intended_use")
        'Species research.'
    """
    return value.strip() if value and value.strip() else placeholder(field)
