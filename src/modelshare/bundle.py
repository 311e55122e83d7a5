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
from os import PathLike
from pathlib import Path
from typing import Any

from modelshare.errors import InvalidInputError, ModelshareError
from modelshare.layout import RECORD_FILE
from modelshare.record import ReleaseRecord, read_record
from modelshare.release_folder import require_release

NOT_LOADED = "it was not loaded"
"""How a refused load ends its message."""


def open_release(release: str | PathLike[str] | Bundle) -> Bundle:
    """The release at a folder, read from its record (an opened :class:`Bundle` is returned as
    it is): how every command and function that takes a release opens it.

    Example:
        >>> open_release("releases/penguin-species").record.version
        '1.0.0'

    Raises:
        NotAReleaseError: the path is no folder, or holds no modelshare.json.
        InvalidInputError: modelshare.json is not a valid release record.
    """
    if isinstance(release, Bundle):
        return release
    folder = require_release(release)
    return Bundle(folder, read_record(folder / RECORD_FILE))


@dataclass(frozen=True, repr=False)
class Bundle:
    """A saved release: its folder and its record.

    Example:
        >>> bundle = Bundle.open("releases/penguin-species")
        >>> bundle.load_model().predict(X_test)[:3]
        array(['Gentoo', 'Chinstrap', 'Gentoo'], dtype=object)
    """

    path: Path
    record: ReleaseRecord

    @classmethod
    def open(cls, path: str | PathLike[str]) -> Bundle:
        """Open a release folder by reading its record, as :func:`open_release` does.

        Raises:
            NotAReleaseError: the path is no folder, or holds no modelshare.json.
            InvalidInputError: modelshare.json is not a valid release record.
        """
        return open_release(path)

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

    def load_model(
        self,
        trusted: Iterable[str] = (),
        *,
        model_class: type | None = None,
        allow_pickle: bool = False,
        allow_unverified: bool = False,
        require_signature: str | PathLike[str] | None = None,
    ) -> Any:
        """The release's model, after every check of :func:`modelshare.load` (whose arguments
        these are); ``trusted`` names the skops types you grant beyond modelshare's default
        list (the record's ``model.trusted_types`` is the publisher's request, not a grant).

        Example:
            >>> Bundle.open("releases/penguin-species").load_model()
            Pipeline(steps=[('features', ...

        Raises:
            IntegrityError: a file differs from the manifest, or there is none and
                ``allow_unverified`` is False, or the signature does not match.
            UnsafeContentError: a file could run code, or needs a type nobody trusted.
            InvalidInputError: ``trusted`` for a release that is not scikit-learn, or a
                ``model_class`` that cannot build the model.
            ModelshareError: the release lacks its model file, or the model cannot be built.
        """
        from modelshare.imports import imports_outside

        with imports_outside(self.path):
            return self._load_model(
                list(trusted), model_class, allow_pickle, allow_unverified, require_signature
            )

    def _load_model(
        self,
        trusted: list[str],
        model_class: type | None,
        allow_pickle: bool,
        allow_unverified: bool,
        require_signature: str | PathLike[str] | None,
    ) -> Any:
        from modelshare.manifest import require_verified
        from modelshare.safety import refuse_pickle

        folder, facts = self.path, self.record.model
        require_verified(folder, NOT_LOADED, allow_unverified=allow_unverified)
        if require_signature is not None:
            from modelshare.signing import verify_signature

            verify_signature(folder, require_signature)
        scans = {
            file.name: refuse_pickle(file, allow_pickle=allow_pickle, trusted=trusted)
            for file in _read_files(folder)
        }
        if facts.file not in scans:
            raise ModelshareError(f"{folder} has no {facts.file}: the release is incomplete")
        weights_format = scans[facts.file].format
        if facts.framework == "scikit-learn":
            from modelshare.models.sklearn import load_model

            return load_model(folder / facts.file, trusted)
        if trusted:
            raise InvalidInputError(
                "trusted= lists skops types; it applies to scikit-learn releases"
            )
        if facts.framework == "pytorch":
            from modelshare.models.pytorch import load_network

            return load_network(folder, facts, model_class, weights_format)
        from modelshare.models.transformers import load_pretrained

        return load_pretrained(folder, facts, weights_format)


def _read_files(folder: Path) -> list[Path]:
    """The files loaders read: every regular file at the top of the release folder (the
    manifest check has refused links and special files)."""
    return sorted(path for path in folder.iterdir() if path.is_file() and not path.is_symlink())
