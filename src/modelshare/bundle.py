"""``Bundle``: a saved release opened by its folder, read from its record alone.

Opening a release imports only the record's models, so commands that list, show, pull or
score releases start fast; the model is loaded only when asked for.

Example:
    >>> bundle = Bundle.open("releases/penguin-species")
    >>> bundle.record.model.estimator
    'LogisticRegression'
"""

from __future__ import annotations

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

    def load_model(self, trusted: list[str] | None = None) -> Any:
        """Load a scikit-learn model with skops, trusting the recorded types or a subset of
        them; :func:`modelshare.load` loads every framework.

        Example:
            >>> Bundle.open("releases/penguin-species").load_model()
        """
        if self.record.model.framework != "scikit-learn":
            raise ModelshareError(
                f"{self.path} holds a {self.record.model.framework} model: load it with "
                "modelshare.load(path)"
            )
        recorded = list(self.record.model.trusted_types)
        chosen = recorded if trusted is None else list(trusted)
        extra = sorted(set(chosen) - set(recorded))
        if extra:
            raise ModelshareError(
                f"trusted types not recorded for this release: {', '.join(extra)}; "
                "you may only restrict the recorded list"
            )
        from modelshare.models.sklearn import load_model

        return load_model(self.path / self.record.model.file, chosen)

    def print_audit_summary(self) -> None:
        """Print the one-line checklist summary of this release to stderr."""
        from rich.console import Console

        from modelshare.audit.check import check_path
        from modelshare.audit.report import summary_line

        Console(stderr=True, soft_wrap=True, highlight=False).print(
            f"checklist: {summary_line(check_path(self.path))}"
        )
