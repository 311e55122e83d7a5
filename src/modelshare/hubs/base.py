"""The Hub protocol: what every place a release is published to offers.

A backend (the local registry, the Hugging Face Hub, a modelshare server) publishes verified
release folders as immutable versions named ``NAME@VERSION``, lists them, shows one, and pulls
one back into a folder whose every file was checked against the published manifest.
:func:`modelshare.hubs.references.hub_for` picks the backend a command-line reference names.

Example:
    >>> from modelshare.hubs.local import LocalRegistry
    >>> hub: Hub = LocalRegistry()
    >>> hub.publish(Path("releases/penguin-species")).version
    '1.0.0'
    >>> hub.pull(*parse_reference("penguin-species@1.0.0"), to=Path("penguins"))
    PosixPath('penguins')
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from packaging.version import InvalidVersion, Version

from modelshare.errors import InvalidInputError
from modelshare.manifest import Manifest, Verification
from modelshare.record import ReleaseRecord
from modelshare.reports import Report
from modelshare.safety.trust import decide_trust

LATEST = "latest"
"""The version meaning "the newest published one"; no release may be published as it."""
LOCAL_FORM = "NAME or NAME@VERSION, e.g. penguin-species@1.0.0"
"""How a release in the local registry is named on the command line."""

Accept = Callable[[Path], None]
"""A last check of a complete, verified copy before a pull moves it into place; raising
refuses the pull and leaves nothing at the destination (e.g. a signature check)."""


def receive(
    copied: Verification,
    staging: Path,
    name: str,
    *,
    trusted: Iterable[str] = (),
    accept: Accept | None = None,
) -> None:
    """What every pull checks in ``staging``, its complete copy, before it is moved into
    place: every file matched the published manifest while it was copied (``copied``; files
    the manifest does not list were not copied), no file could run code or needs a skops type
    the receiver has not trusted, and ``accept`` (a signature check) passes. ``name`` is how
    messages call the release.

    Example:
        >>> from modelshare.manifest import copy_verified
        >>> copied = copy_verified(Path("releases/penguin-species"), Path("staging"))
        >>> receive(copied, Path("staging"), "penguin-species@1.0.0")

    Raises:
        IntegrityError: a listed file differs or is missing.
        UnsafeContentError: a file could run code, or needs a type nobody trusted.
    """
    from modelshare.safety.policy import refuse_unsafe_release

    replace(copied, extra=()).require_match(
        "it was damaged or changed after publishing; nothing was pulled", name=name
    )
    refuse_unsafe_release(staging, "nothing was pulled", trusted=trusted, name=name)
    if accept is not None:
        accept(staging)


class Reference(NamedTuple):
    """A published release as a user names it: ``NAME`` or ``NAME@VERSION``."""

    name: str
    version: str = LATEST

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"


def parse_reference(text: str, form: str = LOCAL_FORM) -> Reference:
    """Split ``NAME[@VERSION]`` at its first ``@``; the version defaults to ``latest``.
    ``form`` is how the error message says to write the reference.

    Example:
        >>> parse_reference("penguin-species@1.0.0")
        Reference(name='penguin-species', version='1.0.0')
        >>> parse_reference("penguin-species").version
        'latest'

    Raises:
        InvalidInputError: the name is empty, or ``@`` is followed by nothing.
    """
    name, at, version = text.partition("@")
    if not name or (at and not version):
        raise InvalidInputError(f"invalid release reference {text!r}: use {form}")
    return Reference(name, version or LATEST)


def in_version_order(versions: Collection[str], fallback: Callable[[str], Any] = str) -> list[str]:
    """``versions`` oldest first: in PEP 440 order when every one parses as a version,
    otherwise by ``fallback`` (e.g. the publish time), by name by default.

    Example:
        >>> in_version_order(["1.10.0", "1.9.0"])
        ['1.9.0', '1.10.0']
        >>> in_version_order(["draft", "1.0.0"])
        ['1.0.0', 'draft']
    """
    try:
        return sorted(versions, key=Version)
    except InvalidVersion:
        return sorted(versions, key=fallback)


@dataclass(frozen=True)
class PublishedVersion:
    """The outcome of a publish: where the version lives, and whether it was new.

    ``created`` is False when the same version with identical content was already there.
    """

    name: str
    version: str
    location: str
    created: bool


@dataclass(frozen=True)
class ReleaseSummary:
    """One published release: its versions, oldest first, and the one ``latest`` means."""

    name: str
    versions: tuple[str, ...]
    latest: str


@dataclass(frozen=True)
class ReleaseVersion(Report):
    """One published version: its record and its manifest, where it is and since when
    (``published_at`` is None when the hub does not say)."""

    name: str
    version: str
    location: str
    published_at: datetime | None
    record: ReleaseRecord
    manifest: Manifest

    def to_dict(self) -> dict[str, Any]:
        """What ``show`` prints, as plain data.

        Example:
            >>> from modelshare.hubs.local import LocalRegistry
            >>> registry = LocalRegistry()
            >>> registry.publish(Path("releases/penguin-species")).created
            True
            >>> registry.show("penguin-species").to_dict()["model"]
            {'estimator': 'LogisticRegression', 'task': 'classification'}
        """
        record = self.record
        return {
            "name": self.name,
            "version": self.version,
            "location": self.location,
            "published_at": None if self.published_at is None else self.published_at.isoformat(),
            "description": record.description,
            "license": record.license,
            "authors": record.authors,
            "model": {"estimator": record.model.estimator, "task": record.model.task},
            "trusted_types": {
                "requested": record.model.trusted_types,
                "not_trusted_by_default": decide_trust(record.model.trusted_types).risks(),
            },
            "metrics": {
                result.dataset.name: result.headline_metrics() for result in record.evaluation
            },
            "missing_facts": record.missing_facts(),
            "manifest": self.manifest.model_dump(),
        }


class Hub(Protocol):
    """A place releases are published to and pulled from.

    A release is named as the hub names it: ``penguin-species`` in the local registry,
    ``lab/penguin-species`` (the repository) on a Hugging Face Hub; ``latest`` is the
    newest version, or what the Hub's branch ``main`` holds.
    """

    where: str
    """The hub as messages name it, e.g. ``the local registry (/home/me/.modelshare/registry)``
    or ``http://127.0.0.1:8000/lab``."""

    def publish(self, release_dir: Path) -> PublishedVersion:
        """Publish the verified release folder as its recorded ``VERSION``, under its
        recorded ``NAME`` (or whatever name the hub was set to publish it under)."""
        ...

    def list_releases(self, name: str | None = None) -> list[ReleaseSummary]:
        """Every published release, by name; only ``name``'s when given (an error when
        ``name`` has no published version)."""
        ...

    def resolve(self, name: str, version: str = LATEST) -> Reference:
        """The published version ``NAME@VERSION`` names, ``latest`` made explicit."""
        ...

    def show(self, name: str, version: str = LATEST) -> ReleaseVersion:
        """One published version's record and manifest, where it is and since when."""
        ...

    def pull(
        self,
        name: str,
        version: str = LATEST,
        *,
        to: Path | None = None,
        overwrite: bool = False,
        accept: Accept | None = None,
        trusted: Iterable[str] = (),
    ) -> Path:
        """Copy one published version into ``to`` (default ``./NAME-VERSION``), verified and
        scanned (:func:`receive`); ``accept``, when given, checks the complete copy before it
        is moved into place; ``trusted`` names the skops types the receiver grants."""
        ...
