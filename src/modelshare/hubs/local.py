"""The local registry: published releases in a folder, no account, no server.

It lives under ``$MODELSHARE_HOME/registry`` (default ``~/.modelshare/registry``)::

    registry/NAME/VERSION/               one complete, verified, immutable release
    registry/NAME/.lock                  locked (flock) by whoever is publishing NAME
    registry/NAME/.VERSION.XXXX.partial  a publish in progress, or killed: never listed or
                                         pulled, removed by the next publish of NAME

A version appears by renaming its finished, synced folder into place, so readers see all of
it or nothing of it and need no lock.

Example:
    >>> registry = LocalRegistry()
    >>> registry.publish(Path("releases/penguin-species")).created
    True
    >>> [(r.name, r.latest) for r in registry.list_releases()]
    [('penguin-species', '1.0.0')]
    >>> registry.pull("penguin-species", to=Path("penguins"))
    PosixPath('penguins')
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from modelshare.bundle import open_release
from modelshare.errors import HubError, InvalidInputError, ModelshareError, NotAReleaseError
from modelshare.fsutil import atomic_directory, fsync_directory, fsync_tree, locked
from modelshare.hubs.base import (
    LATEST,
    Accept,
    PublishedVersion,
    Reference,
    ReleaseSummary,
    ReleaseVersion,
    in_version_order,
    receive,
)
from modelshare.manifest import Manifest, copy_verified, read_manifest, verify_folder
from modelshare.record import NAME_RULE, VERSION_RULE, is_hub_name, is_version

HOME_VARIABLE = "MODELSHARE_HOME"
REGISTRY_DIR = "registry"
LOCK_FILE = ".lock"
PARTIAL_PATTERN = ".*.partial"


def default_home() -> Path:
    """``$MODELSHARE_HOME``, or ``~/.modelshare`` when it is not set.

    Example:
        >>> os.environ["MODELSHARE_HOME"] = "/srv/modelshare"
        >>> default_home()
        PosixPath('/srv/modelshare')
    """
    return Path(os.environ.get(HOME_VARIABLE) or "~/.modelshare").expanduser()


Part = Literal["name", "version"]
PART_RULES = {"name": (is_hub_name, NAME_RULE), "version": (is_version, VERSION_RULE)}
"""The rules ``Release()`` holds names and versions to, which the registry holds them to too."""


def _checked_part(kind: Part, value: str) -> str:
    """A release name or version as ``Release()`` accepts it, so also one plain registry folder.

    Example:
        >>> _checked_part("name", "penguin-species")
        'penguin-species'
        >>> _checked_part("version", "1.0.0 ")
        Traceback (most recent call last):
        modelshare.errors.InvalidInputError: invalid release version '1.0.0 ': use letters, ...

    Raises:
        InvalidInputError: ``value`` breaks the rule of its ``kind``.
    """
    rule, text = PART_RULES[kind]
    if not rule(value):
        raise InvalidInputError(f"invalid release {kind} {value!r}: use {text}")
    return value


def _is_entry(path: Path, kind: Part) -> bool:
    """A published name or version folder: a real folder named by the rule of its ``kind``."""
    rule, _ = PART_RULES[kind]
    return rule(path.name) and not path.is_symlink() and path.is_dir()


def _ordered_versions(folder: Path) -> list[str]:
    """The published versions of one name, oldest first: in PEP 440 order when every version
    parses, otherwise in the order they were published; none when ``folder`` is no name."""
    if not _is_entry(folder, "name"):
        return []
    published = {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if _is_entry(p, "version")}
    return in_version_order(published, lambda version: (published[version], version))


class LocalRegistry:
    """Releases published into a folder on this machine (see the module for the layout).

    Example:
        >>> registry = LocalRegistry(Path("models"))
        >>> _ = registry.publish(Path("releases/penguin-species"))
        >>> registry.show("penguin-species", "1.0.0").record.license
        'mit'
    """

    def __init__(self, home: str | Path | None = None) -> None:
        self.home = Path(home) if home is not None else default_home()
        self.root = self.home / REGISTRY_DIR
        self.where = f"the local registry ({self.root})"

    def publish(self, release_dir: str | Path) -> PublishedVersion:
        """Verify the release folder and publish it as the name and version it records.

        Publishing the same version again with identical content changes nothing
        (``created`` is False); with different content it is refused.

        Example:
            >>> LocalRegistry().publish(Path("releases/penguin-species")).location
            '/.../.modelshare/registry/penguin-species/1.0.0'

        Raises:
            NotAReleaseError: ``release_dir`` holds no release.
            IntegrityError: the folder differs from its manifest, or has none.
            InvalidInputError: the name or version breaks the naming rule.
            HubError: the registry cannot be written.
            ModelshareError: the version is already published with other content.
        """
        source = Path(release_dir)
        record = open_release(source).record
        manifest = read_manifest(source)
        reference = Reference(
            _checked_part("name", record.name), _checked_part("version", record.version)
        )
        if reference.version == LATEST:
            raise InvalidInputError(
                f"version {LATEST!r} is reserved to mean the newest version; "
                "give the release another version"
            )
        with self._writing():
            return self._publish_into(source, reference, manifest)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Say in one line that the registry cannot be written, e.g. a read-only home."""
        try:
            yield
        except ModelshareError:
            raise
        except OSError as error:
            raise HubError(
                f"cannot write to the local registry ({self.root}): {error.strerror or error}; "
                f"set {HOME_VARIABLE} to a folder you may write"
            ) from error

    def _publish_into(
        self, source: Path, reference: Reference, manifest: Manifest
    ) -> PublishedVersion:
        """Publish a verified release as ``reference``, or find it already published."""
        folder = self._name_folder(reference.name)
        target = folder / reference.version
        with locked(folder / LOCK_FILE):
            for partial in folder.glob(PARTIAL_PATTERN):
                shutil.rmtree(partial, ignore_errors=True)
            if target.exists():
                self._check_republish(source, target, reference, manifest)
                return PublishedVersion(*reference, location=str(target), created=False)
            self._copy_in(source, target)
        return PublishedVersion(*reference, location=str(target), created=True)

    def list_releases(self, name: str | None = None) -> list[ReleaseSummary]:
        """Every release with at least one published version, by name; only ``name``'s
        when given.

        Example:
            >>> _ = LocalRegistry().publish(Path("releases/penguin-species"))
            >>> LocalRegistry().list_releases("penguin-species")[0].versions
            ('1.0.0',)

        Raises:
            InvalidInputError: ``name`` breaks the naming rule.
            NotAReleaseError: ``name`` has no published version.
        """
        if name is not None:
            folders = [self.root / self.resolve(name).name]
        elif self.root.is_dir():
            folders = sorted(self.root.iterdir())
        else:
            return []
        summaries = []
        for folder in folders:
            versions = _ordered_versions(folder)
            if versions:
                summaries.append(ReleaseSummary(folder.name, tuple(versions), versions[-1]))
        return summaries

    def show(self, name: str, version: str = LATEST) -> ReleaseVersion:
        """The record and manifest of one published version (``latest`` by default).

        Example:
            >>> _ = LocalRegistry().publish(Path("releases/penguin-species"))
            >>> LocalRegistry().show("penguin-species").version
            '1.0.0'

        Raises:
            InvalidInputError: the name or version breaks the naming rule.
            NotAReleaseError: no such name or version is published.
        """
        reference = self.resolve(name, version)
        folder = self.root / reference.name / reference.version
        published_at = datetime.fromtimestamp(folder.stat().st_mtime, tz=timezone.utc)
        return ReleaseVersion(
            *reference,
            location=str(folder),
            published_at=published_at,
            record=open_release(folder).record,
            manifest=read_manifest(folder),
        )

    def pull(
        self,
        name: str,
        version: str = LATEST,
        *,
        to: str | Path | None = None,
        overwrite: bool = False,
        accept: Accept | None = None,
        trusted: Iterable[str] = (),
    ) -> Path:
        """Copy one published version into ``to`` (default ``./NAME-VERSION``), checking every
        file against the published manifest and scanning it (:func:`receive`); on any
        difference or unsafe file nothing is left at ``to``. ``accept``, when given, checks
        the complete copy before it is moved into place; ``trusted`` names the skops types
        the receiver grants beyond modelshare's default list.

        Example:
            >>> _ = LocalRegistry().publish(Path("releases/penguin-species"))
            >>> LocalRegistry().pull("penguin-species", "1.0.0")
            PosixPath('penguin-species-1.0.0')

        Raises:
            InvalidInputError: the name or version breaks the naming rule, or ``to`` may not
                be written.
            NotAReleaseError: no such name or version is published.
            IntegrityError: a file differs from the published manifest.
            UnsafeContentError: a file could run code, or needs a type nobody trusted.
        """
        reference = self.resolve(name, version)
        source = self.root / reference.name / reference.version
        destination = Path(to) if to is not None else Path(f"{reference.name}-{reference.version}")
        with atomic_directory(destination, overwrite=overwrite, inputs=(source,)) as staging:
            receive(
                copy_verified(source, staging),
                staging,
                f"{reference} in the local registry",
                trusted=trusted,
                accept=accept,
            )
        return destination

    def resolve(self, name: str, version: str = LATEST) -> Reference:
        """The published version ``NAME@VERSION`` names, ``latest`` made explicit.

        ``latest`` is the highest version in PEP 440 order when every version of the name
        parses as one, otherwise the most recently published.

        Example:
            >>> _ = LocalRegistry().publish(Path("releases/penguin-species"))
            >>> LocalRegistry().resolve("penguin-species")
            Reference(name='penguin-species', version='1.0.0')

        Raises:
            InvalidInputError: the name or version breaks the naming rule.
            NotAReleaseError: no such name or version is published.
        """
        _checked_part("name", name)
        if version != LATEST:
            _checked_part("version", version)
        versions = _ordered_versions(self.root / name)
        if not versions:
            raise NotAReleaseError(
                f"no release named {name!r} in the local registry ({self.root}); "
                "`modelshare list` shows the published releases"
            )
        if version == LATEST:
            return Reference(name, versions[-1])
        if version not in versions:
            raise NotAReleaseError(
                f"{name} has no version {version!r} in the local registry; "
                f"published versions: {', '.join(versions)}"
            )
        return Reference(name, version)

    def _name_folder(self, name: str) -> Path:
        """The folder of one release name, created (durably) on first publish."""
        folder = self.root / name
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            fsync_directory(self.root)
        return folder

    def _check_republish(
        self, source: Path, target: Path, reference: Reference, manifest: Manifest
    ) -> None:
        """Accept publishing an existing version again only with identical, intact content."""
        changed = read_manifest(target).differences(manifest)
        if changed:
            raise ModelshareError(
                f"{reference} is already published with different content "
                f"({', '.join(changed)} differ); published versions are immutable: "
                "give this release a new version"
            )
        verify_folder(source).require_match("nothing was published")

    def _copy_in(self, source: Path, target: Path) -> None:
        """Copy a release into the registry, verified and synced, then rename it into place."""
        with atomic_directory(target) as staging:
            copy_verified(source, staging).require_match("nothing was published")
            os.utime(staging)
            fsync_tree(staging)
        fsync_directory(target.parent)
