"""How every report becomes plain data: ``to_dict()`` (JSON-able values) and ``to_json()``.

A report is what a command prints and what ``--json`` writes: a check, a scan, a drift test, a
verification, a publish. Dataclass reports define :meth:`Report.to_dict`; pydantic ones
inherit both verbs from :class:`ReportModel`.

Example:
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Count(Report):
    ...     rows: int
    ...     def to_dict(self) -> dict[str, Any]:
    ...         return {"rows": self.rows}
    >>> Count(3).to_json(indent=None)
    '{"rows": 3}'
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from typing import Any

from pydantic import BaseModel


class Report(ABC):
    """A report built as a dataclass: it says what it holds in :meth:`to_dict`."""

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-able data."""

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON (``indent=None``: one line)."""
        return json.dumps(self.to_dict(), indent=indent)


class ReportModel(BaseModel):
    """A report built as a pydantic model: its fields are the data."""

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-able data."""
        return self.model_dump(mode="json")

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON (``indent=None``: one line)."""
        return self.model_dump_json(indent=indent)
