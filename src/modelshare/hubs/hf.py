"""Publishing to and pulling from the Hugging Face Hub, or any server that speaks its API.

Everything goes through huggingface_hub's ``HfApi``. Publishing creates the repository if
needed, uploads the release as one commit that makes the branch ``main`` hold exactly the
release, and tags that commit with the release's version; a version that is already tagged
is immutable. Listing reads the version tags of the repositories of an organisation; showing
downloads the manifest and the release record at one version; pulling downloads the files
the release's manifest lists into a temporary folder, checks every one, and only then moves
a complete copy into place.

The token comes from ``HF_TOKEN`` or the stored login (``hf auth login``); it is handed to
huggingface_hub and never printed, logged or written, and it is only ever sent to the Hub
``HF_ENDPOINT`` names (huggingface.co by default), which ``modelshare serve`` can be. A hub at
another address is read without a token and cannot be published to.

Example:
    >>> hub = HuggingFaceHub(namespace="lab")
    >>> hub.publish(Path("releases/penguin-species")).location  # doctest: +SKIP
    'https://huggingface.co/lab/penguin-species/tree/1.0.0'
    >>> hub.pull("lab/penguin-species", "1.0.0", to=Path("penguins"))  # doctest: +SKIP
    PosixPath('penguins')
"""

from __future__ import annotations

import glob
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from modelshare.bundle import open_release
from modelshare.errors import (
    HubError,
    IntegrityError,
    InvalidInputError,
    ModelshareError,
    NotAReleaseError,
)
from modelshare.fsutil import atomic_directory, ensure_free_target
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
from modelshare.layout import MANIFEST_FILE, RECORD_FILE, SIGNATURE_FILES
from modelshare.manifest import (
    Manifest,
    copy_verified,
    read_manifest,
    unverified_files,
    verify_folder,
)
from modelshare.record import is_version
from modelshare.release_folder import not_a_release

if TYPE_CHECKING:
    from huggingface_hub import HfApi, ModelInfo

MAIN = "main"
"""The branch a release reference without ``@REVISION`` names: the last version published."""
DEFAULT_PORTS = {"http": 80, "https": 443}


def configured_endpoint() -> str:
    """The Hub the environment names now: ``HF_ENDPOINT``, else huggingface_hub's default.

    Example:
        >>> configured_endpoint()
        'https://huggingface.co'
    """
    from huggingface_hub import constants

    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def _origin(url: str) -> tuple[str, str | None, int | None]:
    """The scheme, host and port of ``url``, the port made explicit."""
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port or DEFAULT_PORTS.get(parts.scheme)


def same_origin(first: str, second: str) -> bool:
    """Whether two endpoints are one server: the same scheme, host and port.

    Example:
        >>> same_origin("http://LOCALHOST:80", "http://localhost/")
        True
        >>> same_origin("http://127.0.0.1:8000", "https://127.0.0.1:8000")
        False
    """
    try:
        return _origin(first) == _origin(second)
    except ValueError:  # a port that is no number: only the very same text is the same
        return first == second


def check_repo_id(repo: str) -> str:
    """A repository id the Hub accepts, in the form ``ORG/NAME``; else an invalid-input error.

    Example:
        >>> check_repo_id("lab/penguin-species")
        'lab/penguin-species'

    Raises:
        InvalidInputError: ``repo`` is not a valid ``ORG/NAME``.
    """
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(repo)
    except HFValidationError as error:
        raise InvalidInputError(f"invalid Hub repository {repo!r}: use ORG/NAME") from error
    if "/" not in repo:
        raise InvalidInputError(f"invalid Hub repository {repo!r}: use ORG/NAME, e.g. lab/{repo}")
    return repo


def _release_patterns(source: Path, manifest: Manifest) -> list[str]:
    """Patterns that match exactly the files of a verified release: every file the manifest
    lists, the manifest, and each signature file that is a regular file, never a link."""
    signatures = [
        name
        for name in SIGNATURE_FILES
        if (source / name).is_file() and not (source / name).is_symlink()
    ]
    paths = [*(entry.path for entry in manifest.files), MANIFEST_FILE, *signatures]
    return [glob.escape(path) for path in paths]


def _status(error: Exception) -> int | None:
    """The HTTP status of a huggingface_hub error, when it carries an answer."""
    return getattr(getattr(error, "response", None), "status_code", None)


class HuggingFaceHub:
    """The Hugging Face Hub at ``endpoint`` (default: ``HF_ENDPOINT`` or huggingface.co), or
    any server speaking its API, such as ``modelshare serve``.

    A release is named by its repository, ``ORG/NAME``, and ``latest`` is what the branch
    ``main`` holds. ``namespace`` (an ORG) is whose repositories :meth:`list_releases` lists
    and where :meth:`publish` puts a release, under its own name, when no ``repo`` is given;
    ``private`` creates the repositories it publishes to private. The token goes to
    ``endpoint`` only when ``HF_ENDPOINT`` names the same server (:func:`same_origin`): any
    other endpoint is read without a token and refuses publishing.

    Example:
        >>> HuggingFaceHub(endpoint="http://127.0.0.1:8000", namespace="lab").where
        'http://127.0.0.1:8000/lab'
    """

    def __init__(
        self, *, endpoint: str | None = None, namespace: str | None = None, private: bool = False
    ) -> None:
        self.endpoint = (endpoint or configured_endpoint()).rstrip("/")
        self.namespace = namespace
        self.private = private
        self.where = f"{self.endpoint}/{namespace}" if namespace else self.endpoint

    def publish(self, release_dir: str | Path, *, repo: str | None = None) -> PublishedVersion:
        """Publish a verified release folder to ``repo`` (default ``NAMESPACE/NAME``, ``NAME``
        from its record), tagged with its version.

        Only what was verified is uploaded: the files the manifest lists, the manifest and
        the signature files that are regular files; the branch then holds exactly those.
        Publishing a version that is already tagged with identical content changes nothing
        (``created`` is False); with different content it is refused. A private hub creates
        the repository private, and refuses an existing public one.

        Example:
            >>> hub = HuggingFaceHub()
            >>> hub.publish(Path("rel"), repo="lab/penguins").location  # doctest: +SKIP
            'https://huggingface.co/lab/penguins/tree/1.0.0'

        Raises:
            NotAReleaseError: ``release_dir`` holds no release.
            InvalidInputError: an invalid or no repository id, or ``--private`` for an
                existing public repository.
            IntegrityError: the folder differs from its manifest (a signature that is a link
                included).
            HubError: no token for this endpoint, or the Hub refused it, failed or could not
                be reached.
            ModelshareError: the version is published with other content.
        """
        source = Path(release_dir)
        record = open_release(source).record  # no release: said before hashing anything
        repo = check_repo_id(repo or self._repository_for(record.name))
        verification = verify_folder(source)
        verification.require_match("nothing was published")
        manifest = verification.manifest
        api = self._api(writing=True)
        location = f"{self.endpoint}/{repo}/tree/{record.version}"
        with self._translated_errors(repo, record.version):
            api.create_repo(repo, private=True if self.private else None, exist_ok=True)
            if self.private and not api.repo_info(repo).private:
                raise InvalidInputError(
                    f"{repo} exists on {self.endpoint} and is public; --private does not change "
                    "an existing repository: make it private first, or publish without --private"
                )
            published = self._tagged_manifest(api, repo, record.version)
            if published is not None:
                self._check_republish(repo, record.version, published, manifest)
                return PublishedVersion(record.name, record.version, location, created=False)
            commit = api.upload_folder(
                repo_id=repo,
                folder_path=source,
                commit_message=f"Publish {record.name} {record.version}",
                allow_patterns=_release_patterns(source, manifest),
                delete_patterns="*",
            )
            api.create_tag(
                repo, tag=record.version, revision=commit.oid, tag_message=record.version
            )
        return PublishedVersion(record.name, record.version, location, created=True)

    def list_releases(self, name: str | None = None) -> list[ReleaseSummary]:
        """The releases of the namespace's repositories, by repository (only ``name``'s when
        given): each repository's version tags, oldest first, and the version on ``main``
        as ``latest`` (``main`` itself when it carries no version tag). Repositories without
        a version tag hold no release and are left out.

        Example:
            >>> HuggingFaceHub(namespace="lab").list_releases()[0]  # doctest: +SKIP
            ReleaseSummary(name='lab/penguins', versions=('1.0.0', '1.1.0'), latest='1.1.0')

        Raises:
            InvalidInputError: no namespace and no ``name``, or an invalid repository id.
            NotAReleaseError: ``name`` has no version tag, or no such repository.
            HubError: the hub lists no repositories, or it refused or could not be reached.
        """
        api = self._api(writing=False)
        if name is None:
            namespace = self._namespace_to_list()
            with self._translated_errors(namespace):
                repos = self._repositories(api, namespace)
                summaries = [self._summary(api, repo) for repo in repos]
            return [summary for summary in summaries if summary is not None]
        repo = check_repo_id(name)
        with self._translated_errors(repo):
            summary = self._summary(api, repo)
        if summary is None:
            raise NotAReleaseError(
                f"{repo} on {self.endpoint} has no version tag: no release was published there"
            )
        return [summary]

    def resolve(self, name: str, version: str = LATEST) -> Reference:
        """The repository and revision ``NAME@VERSION`` names: ``latest`` is the branch
        ``main``; a version tag, another branch or a commit id is kept as it is.

        Example:
            >>> HuggingFaceHub().resolve("lab/penguins")
            Reference(name='lab/penguins', version='main')

        Raises:
            InvalidInputError: ``name`` is not a valid ``ORG/NAME``.
        """
        return Reference(check_repo_id(name), MAIN if version == LATEST else version)

    def show(self, name: str, version: str = LATEST) -> ReleaseVersion:
        """The record and manifest of the release ``name`` holds at ``version`` (``main`` by
        default): the manifest and the record are downloaded at one commit, and the record is
        checked against the manifest.

        Example:
            >>> HuggingFaceHub().show("lab/penguins", "1.0.0").record.license  # doctest: +SKIP
            'mit'

        Raises:
            NotAReleaseError: no such repository or revision, or it holds no release.
            IntegrityError: the record differs from the published manifest.
            HubError: the Hub refused or could not be reached.
        """
        repo, revision = self.resolve(name, version)
        api = self._api(writing=False)
        with (
            tempfile.TemporaryDirectory(prefix="modelshare-show-") as scratch,
            self._translated_errors(repo, revision),
        ):
            folder = Path(scratch)
            info = self._download(api, repo, revision, folder, only=RECORD_FILE)
            problems = unverified_files(folder, [RECORD_FILE])
            if problems:
                raise IntegrityError(
                    f"{self._where(repo, revision)} does not match its manifest: "
                    f"{', '.join(problems)}; it was damaged or changed after publishing"
                )
            record, manifest = open_release(folder).record, read_manifest(folder)
        return ReleaseVersion(
            repo,
            record.version,
            location=f"{self.endpoint}/{repo}/tree/{revision}",
            published_at=info.last_modified,
            record=record,
            manifest=manifest,
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
        """Download the release the repository ``name`` holds at ``version`` (``main`` by
        default) into ``to`` (default ``./NAME-VERSION`` from its record, whose name and
        version are validated like ``Release()``'s), checking every file against its manifest
        and scanning it (:func:`~modelshare.hubs.base.receive`).

        Only the files the manifest lists are kept; on any difference, unsafe file, or when
        ``accept`` raises, nothing is left at ``to``.

        Example:
            >>> hub = HuggingFaceHub()
            >>> hub.pull("lab/penguins", "1.0.0", to=Path("penguins"))  # doctest: +SKIP
            PosixPath('penguins')

        Raises:
            IntegrityError: a file differs from the published manifest.
            UnsafeContentError: a file could run code, or needs a type nobody trusted.
            NotAReleaseError: no such repository or revision, or it holds no release.
            HubError: the Hub refused or could not be reached.
        """
        repo, revision = self.resolve(name, version)
        if to is not None:
            ensure_free_target(Path(to), overwrite=overwrite)
        api = self._api(writing=False)
        with (
            tempfile.TemporaryDirectory(prefix="modelshare-pull-") as scratch,
            self._translated_errors(repo, revision),
        ):
            download = Path(scratch)
            self._download(api, repo, revision, download)
            record = open_release(download).record
            destination = Path(to or f"{record.name}-{record.version}")
            with atomic_directory(destination, overwrite=overwrite) as staging:
                receive(
                    copy_verified(download, staging),
                    staging,
                    self._where(repo, revision),
                    trusted=trusted,
                    accept=accept,
                )
        return destination

    def _repository_for(self, name: str) -> str:
        """The repository a release named ``name`` is published to without a ``repo``."""
        if self.namespace is None:
            raise InvalidInputError(
                f"say which repository of {self.endpoint} to publish to, as ORG/NAME "
                f"(e.g. hf:lab/{name})"
            )
        return f"{self.namespace}/{name}"

    def _sends_token(self) -> bool:
        """Whether the token goes to this endpoint: only when it is the one ``HF_ENDPOINT``
        names, so a reference to another server never receives a Hub login."""
        return same_origin(self.endpoint, configured_endpoint())

    def _api(self, *, writing: bool) -> HfApi:
        """A client for this endpoint; the token is resolved by huggingface_hub itself, and
        withheld from an endpoint it does not belong to."""
        from huggingface_hub import HfApi, get_token

        if not self._sends_token():
            if writing:
                raise HubError(
                    f"publishing to {self.endpoint} needs its token, and a token is only sent to "
                    f"HF_ENDPOINT ({configured_endpoint()}): set HF_ENDPOINT={self.endpoint} "
                    "and HF_TOKEN to a token of that server"
                )
            return HfApi(endpoint=self.endpoint, token=False)
        if writing and not get_token():
            raise HubError(
                "publishing to the Hub needs a token: set HF_TOKEN or log in with `hf auth login`"
            )
        return HfApi(endpoint=self.endpoint)

    def _namespace_to_list(self) -> str:
        """The organisation whose releases :meth:`list_releases` lists."""
        if self.namespace is None:
            raise InvalidInputError(
                f"say whose releases to list: an organisation of {self.endpoint}, e.g. hf:lab"
            )
        return self.namespace

    def _repositories(self, api: HfApi, namespace: str) -> list[str]:
        """The model repositories of ``namespace``, from the Hub's model listing."""
        from huggingface_hub import errors

        try:
            return [model.id for model in api.list_models(author=namespace)]
        except errors.HfHubHTTPError as error:
            if _status(error) not in (404, 405):
                raise
            raise HubError(
                f"{self.endpoint} does not list repositories ({_status(error)} for "
                f"GET /api/models); list one repository instead: {self.where}/NAME"
            ) from error

    def _summary(self, api: HfApi, repo: str) -> ReleaseSummary | None:
        """A repository's version tags, and the one on ``main``; None when it has none."""
        refs = api.list_repo_refs(repo)
        tags = {tag.name: tag.target_commit for tag in refs.tags if is_version(tag.name)}
        if not tags:
            return None
        versions = in_version_order(tags)
        head = {branch.name: branch.target_commit for branch in refs.branches}.get(MAIN)
        on_main = [version for version in versions if tags[version] == head]
        return ReleaseSummary(repo, tuple(versions), on_main[-1] if on_main else MAIN)

    def _download(
        self, api: HfApi, repo: str, revision: str, folder: Path, *, only: str | None = None
    ) -> ModelInfo:
        """Download, at the one commit ``revision`` names, the manifest, then every file it
        lists and any signature (or only the release file ``only``); returns that commit's
        information. A listed file the repository lacks is left for the manifest check."""
        info = api.model_info(repo, revision=revision)
        listed = [entry.path for entry in self._manifest_at(api, repo, info.sha, folder).files]
        wanted = [only] if only else [*listed, *SIGNATURE_FILES]
        patterns = [glob.escape(path) for path in wanted]
        api.snapshot_download(repo, revision=info.sha, local_dir=folder, allow_patterns=patterns)
        return info

    @staticmethod
    def _manifest_at(api: HfApi, repo: str, revision: str | None, folder: Path) -> Manifest:
        """The manifest ``repo`` holds at ``revision``, downloaded into ``folder``."""
        api.hf_hub_download(repo, MANIFEST_FILE, revision=revision, local_dir=folder)
        return read_manifest(folder)

    def _tagged_manifest(self, api: HfApi, repo: str, tag: str) -> Manifest | None:
        """The manifest published under the version tag ``tag``, or None when not tagged."""
        if tag not in {ref.name for ref in api.list_repo_refs(repo).tags}:
            return None
        with tempfile.TemporaryDirectory(prefix="modelshare-tag-") as scratch:
            return self._manifest_at(api, repo, tag, Path(scratch))

    def _check_republish(
        self, repo: str, version: str, published: Manifest, manifest: Manifest
    ) -> None:
        changed = published.differences(manifest)
        if changed:
            raise ModelshareError(
                f"{repo}@{version} is already published on {self.endpoint} with different "
                f"content ({', '.join(changed)} differ); published versions are immutable: "
                "give this release a new version"
            )

    def _where(self, repo: str, revision: str | None = None) -> str:
        """How messages name a repository, or one revision of it, on this hub."""
        return f"{repo}@{revision} on {self.endpoint}" if revision else f"{repo} on {self.endpoint}"

    @contextmanager
    def _translated_errors(self, repo: str, revision: str | None = None) -> Iterator[None]:
        """Turn huggingface_hub's errors into one line that never contains the token."""
        import httpx2
        from huggingface_hub import errors

        where = self._where(repo, revision)
        try:
            yield
        except errors.RevisionNotFoundError as error:
            raise NotAReleaseError(
                f"{repo} has no revision {revision!r} on {self.endpoint}"
            ) from error
        except errors.RepositoryNotFoundError as error:
            withheld = "" if self._sends_token() else " (no token is sent to it: see HF_ENDPOINT)"
            raise NotAReleaseError(
                f"no model repository {repo} on {self.endpoint}, or the token may not read "
                f"it{withheld}"
            ) from error
        except errors.RemoteEntryNotFoundError as error:
            raise not_a_release(where, f"{MANIFEST_FILE} not found") from error
        except errors.HfHubHTTPError as error:
            raise HubError(self._http_failure(error, where)) from error
        except (httpx2.TransportError, errors.LocalEntryNotFoundError) as error:
            raise HubError(
                f"cannot reach the Hub at {self.endpoint} ({type(error).__name__}); "
                "check HF_ENDPOINT and the network"
            ) from error
        except errors.OfflineModeIsEnabled as error:
            raise HubError(f"HF_HUB_OFFLINE is set: unset it to reach {self.endpoint}") from error

    def _http_failure(self, error: Exception, where: str) -> str:
        """One line for an HTTP error answer from the Hub."""
        from huggingface_hub import get_token

        status = _status(error)
        if status == 401:
            return (
                f"{self.endpoint} refused the token (401 Unauthorized): set HF_TOKEN to a valid "
                "token or log in again with `hf auth login`"
            )
        if status == 403:
            return f"the token may not write to {where} (403 Forbidden)"
        detail = " ".join(str(getattr(error, "server_message", "") or "").split())
        token = get_token()
        if token:
            detail = detail.replace(token, "***")
        return (
            f"{self.endpoint} refused the request for {where} ({status}): {detail or 'no detail'}"
        )
