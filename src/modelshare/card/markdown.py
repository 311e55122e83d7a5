"""Small Markdown builders shared by the card sections.

Example:
    >>> print(table(["Class", "Samples"], [["Adelie", 80]]))
    | Class | Samples |
    |---|---|
    | Adelie | 80 |
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def cell(value: Any) -> str:
    """One table cell: pipes escaped, line breaks flattened, floats shortened.

    Example:
        >>> cell("a|b")
        'a\\\\|b'
    """
    if isinstance(value, float):
        text = f"{value:.4g}"
    elif isinstance(value, (list, tuple)):
        text = ", ".join(str(item) for item in value)
    else:
        text = str(value)
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ").strip()


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table whose first column labels the rows.

    Example:
        >>> table(["Metric", "test"], [["Accuracy", 0.97]]).splitlines()[2]
        '| Accuracy | 0.97 |'
    """
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def human_size(size: int) -> str:
    """Bytes as a short human-readable size.

    Example:
        >>> human_size(12_345)
        '12.1 KB'
    """
    units = ["B", "KB", "MB", "GB", "TB"]
    value, index = float(size), 0
    while value >= 1024 and index < len(units) - 1:
        value, index = value / 1024, index + 1
    return f"{size} B" if index == 0 else f"{value:.1f} {units[index]}"
