"""``Bundle``: a saved release opened by its folder, read from its record alone.

Opening a release imports only the record's models, so commands that list, show, pull or
score releases start fast; the model is loaded only when asked for.

Example:
    >>> bundle = Bundle.open("releases/penguin-species")
    >>> bundle.record.model.estimator
    'LogisticRegression'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelshare.errors import ModelshareError
from modelshare.record import RECORD_FILE, ReleaseRecord, read_record


@dataclass(frozen=True)
class Bundle:
    """A saved release: its folder and its record.

    Example:
        >>> bundle = Bundle.open("releases/penguin-species")
        >>> bundle.load_model().predict(X_test)[:3]
    """

    path: Path
    record: ReleaseRecord

    @classmethod
    def open(cls, path: str | Path) -> Bundle:
        """Open a release folder by reading its record."""
        folder = Path(path)
        record_file = folder / RECORD_FILE
        if not record_file.is_file():
            raise ModelshareError(f"{folder} is not a modelshare release: {RECORD_FILE} not found")
        return cls(folder, read_record(record_file))

    def load_model(self, trusted: Iterable[str] = ()) -> Any:
        """The release's model, loaded by :func:`modelshare.load` with all its checks;
        ``trusted`` names the skops types you grant beyond modelshare's default list (the
        record's ``model.trusted_types`` is the publisher's request, not a grant).

        Example:
            >>> Bundle.open("releases/penguin-species").load_model()

        Raises:
            IntegrityError: the folder differs from its manifest, or has none.
            UnsafeContentError: a file could run code, or needs a type nobody trusted.
        """
        from modelshare.loading import load

        return load(self.path, trusted=trusted)

    def print_audit_summary(self) -> None:
        """Print the one-line checklist summary of this release to stderr."""
        from rich.console import Console

        from modelshare.audit.check import check_path
        from modelshare.audit.report import summary_line

        Console(stderr=True, soft_wrap=True, highlight=False).print(
            f"checklist: {summary_line(check_path(self.path))}"
        )
