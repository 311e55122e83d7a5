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
from modelshare.layout import RECORD_FILE
from modelshare.record import ReleaseRecord, read_record


@dataclass(frozen=True, repr=False)
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

    def __repr__(self) -> str:
        """One line: name, version, model and folder (``print(bundle)`` shows this).

        Example:
            >>> print(Bundle.open("releases/penguin-species"))
            Bundle(name='penguin-species', version='1.0.0', model='LogisticRegression', path=...)
        """
        record = self.record
        return (
            f"Bundle(name={record.name!r}, version={record.version!r}, "
            f"model={record.model.estimator!r}, path={str(self.path)!r})"
        )

    def _repr_html_(self) -> str:
        """A notebook's view: name, version, model, task, headline metrics and missing facts,
        in a few KB (the whole card is :func:`modelshare.card.html.render_html`).

        Example:
            >>> "LogisticRegression" in Bundle.open("releases/penguin-species")._repr_html_()
            True
        """
        from modelshare.card.html import summary_html

        record, model, data = self.record, self.record.model, self.record.training_data
        names: dict[str, str] = {}  # each headline metric's id and the name of its first value
        for metric in (m for e in record.evaluation for m in e.metrics):
            names.setdefault(metric.type, metric.name)
        return summary_html(
            f"{record.name} {record.version}",
            [
                ("Model", f"{model.estimator} ({model.framework}, {model.task})"),
                ("Task", model.pipeline_tag or model.task),
                ("Trained on", f"{data.name}, {data.n_samples} rows"),
                ("Missing facts", ", ".join(record.missing_facts()) or "none"),
                ("Folder", self.path),
            ],
            ["Evaluation", *names.values()],
            [
                [e.dataset.name, *(e.headline_metrics().get(m, "") for m in names)]
                for e in record.evaluation
            ],
        )

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
