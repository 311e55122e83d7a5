"""Publishing to and pulling from the Hugging Face Hub, or any server that speaks its API.

Everything goes through huggingface_hub's ``HfApi``. Publishing creates the repository if
needed, uploads the release as one commit that makes the branch ``main`` hold exactly the
release, and tags that commit with the release's version; a version that is already tagged
is immutable. Pulling downloads the files the release's manifest lists into a temporary
folder, checks every one, and only then moves a complete copy into place.

The token comes from ``HF_TOKEN`` or the stored login (``hf auth login``); it is handed to
huggingface_hub and never printed, logged or written. ``HF_ENDPOINT`` is honoured, so the
same commands work against ``modelshare serve``.

Example:
    >>> hub = HuggingFaceHub()
    >>> hub.publish(Path("releases/penguin-species"), repo="lab/penguin-species").location
    'https://huggingface.co/lab/penguin-species/tree/1.0.0'
    >>> hub.pull("lab/penguin-species", "1.0.0", to=Path("penguins"))
    PosixPath('penguins')
"""

from __future__ import annotations

import glob
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from modelshare.errors import ModelshareError, UsageError
from modelshare.fsutil import atomic_directory, ensure_free_target
from modelshare.hubs.base import (
    LATEST,
    Accept,
    PublishedVersion,
    parse_reference,
    read_release_record,
    receive,
)
from modelshare.manifest import (
    MANIFEST_FILE,
    SIGNATURE_FILES,
    Manifest,
    copy_verified,
    read_manifest,
    verify_folder,
)

if TYPE_CHECKING:
    from huggingface_hub import HfApi

HUB_PREFIX = "hf:"
"""How a release on the Hub is named on the command line: ``hf:ORG/NAME[@REVISION]``."""
MAIN = "main"


def is_hub_reference(text: str) -> bool:
    """Whether a command-line reference names a repository on the Hub.

    Example:
        >>> is_hub_reference("hf:lab/penguin-species"), is_hub_reference("penguin-species")
        (True, False)
    """
    return text.startswith(HUB_PREFIX)


def check_repo_id(repo: str) -> str:
    """A repository id the Hub accepts, in the form ``ORG/NAME``; else a usage error.

    Example:
        >>> check_repo_id("lab/penguin-species")
        'lab/penguin-species'
    """
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(repo)
    except HFValidationError as error:
        raise UsageError(f"invalid Hub repository {repo!r}: use ORG/NAME") from error
    if "/" not in repo:
        raise UsageError(f"invalid Hub repository {repo!r}: use ORG/NAME, e.g. lab/{repo}")
    return repo


def parse_hub_reference(text: str) -> tuple[str, str]:
    """Split ``hf:ORG/NAME[@REVISION]`` into the repository and revision (``main`` by default).

    Example:
        >>> parse_hub_reference("hf:lab/penguin-species@1.0.0")
        ('lab/penguin-species', '1.0.0')
    """
    repo, revision = parse_reference(text.removeprefix(HUB_PREFIX))
    return check_repo_id(repo), MAIN if revision == LATEST else revision


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


class HuggingFaceHub:
    """The Hugging Face Hub at ``endpoint`` (default: ``HF_ENDPOINT`` or huggingface.co).

    Example:
        >>> HuggingFaceHub(endpoint="http://127.0.0.1:8000").endpoint
        'http://127.0.0.1:8000'
    """

    def __init__(self, *, endpoint: str | None = None) -> None:
        from huggingface_hub import constants

        self.endpoint = (endpoint or constants.ENDPOINT).rstrip("/")

    def publish(
        self, release_dir: str | Path, *, repo: str, private: bool = False
    ) -> PublishedVersion:
        """Publish a verified release folder to ``repo``, tagged with its version.

        Only what was verified is uploaded: the files the manifest lists, the manifest and
        the signature files that are regular files; the branch then holds exactly those.
        Publishing a version that is already tagged with identical content changes nothing
        (``created`` is False); with different content it is refused. ``private`` creates
        the repository private, and refuses an existing public one.

        Example:
            >>> HuggingFaceHub().publish(Path("rel"), repo="lab/penguins").location
            'https://huggingface.co/lab/penguins/tree/1.0.0'

        Raises:
            UsageError: not a release, an invalid repository id, or no token.
            IntegrityError: the folder differs from its manifest (a signature that is a link
                included).
            ModelshareError: the version is published with other content, or the Hub
                refused or could not be reached.
        """
        source = Path(release_dir)
        read_manifest(source)  # no release: said first, before the cheaper checks and hashing
        record = read_release_record(source)
        check_repo_id(repo)
        verification = verify_folder(source)
        verification.require_match("nothing was published")
        manifest = verification.manifest
        api = self._api(require_token=True)
        location = f"{self.endpoint}/{repo}/tree/{record.version}"
        with self._translated_errors(repo, record.version):
            api.create_repo(repo, private=True if private else None, exist_ok=True)
            if private and not api.repo_info(repo).private:
                raise ModelshareError(
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

    def pull(
        self,
        repo: str,
        revision: str = MAIN,
        *,
        to: str | Path | None = None,
        overwrite: bool = False,
        accept: Accept | None = None,
        trusted: Iterable[str] = (),
    ) -> Path:
        """Download a release from ``repo`` at ``revision`` into ``to`` (default
        ``./NAME-VERSION`` from its record, whose name and version are validated like
        ``Release()``'s), checking every file against its manifest and scanning it
        (:func:`~modelshare.hubs.base.receive`).

        Only the files the manifest lists are kept; on any difference, unsafe file, or when
        ``accept`` raises, nothing is left at ``to``.

        Example:
            >>> HuggingFaceHub().pull("lab/penguins", "1.0.0", to=Path("penguins"))
            PosixPath('penguins')

        Raises:
            IntegrityError: a file differs from the published manifest.
            UnsafeContentError: a file could run code, or needs a type nobody trusted.
            ModelshareError: the Hub refused or could not be reached, or no such release.
        """
        check_repo_id(repo)
        revision = MAIN if revision == LATEST else revision
        if to is not None:
            ensure_free_target(Path(to), overwrite=overwrite)
        api = self._api(require_token=False)
        with (
            tempfile.TemporaryDirectory(prefix="modelshare-pull-") as scratch,
            self._translated_errors(repo, revision),
        ):
            download = self._download(api, repo, revision, Path(scratch))
            record = read_release_record(download)
            destination = Path(to or f"{record.name}-{record.version}")
            with atomic_directory(destination, overwrite=overwrite) as staging:
                receive(
                    copy_verified(download, staging),
                    staging,
                    f"{repo}@{revision} on {self.endpoint}",
                    trusted=trusted,
                    accept=accept,
                )
        return destination

    def _api(self, *, require_token: bool) -> HfApi:
        """A client for this endpoint; the token is resolved by huggingface_hub itself."""
        from huggingface_hub import HfApi, get_token

        if require_token and not get_token():
            raise UsageError(
                "publishing to the Hub needs a token: set HF_TOKEN or log in with `hf auth login`"
            )
        return HfApi(endpoint=self.endpoint)

    def _download(self, api: HfApi, repo: str, revision: str, folder: Path) -> Path:
        """Download the manifest, then every file it lists and any signature, at one commit."""
        commit = api.repo_info(repo, revision=revision).sha
        api.hf_hub_download(repo, MANIFEST_FILE, revision=commit, local_dir=folder)
        listed = [entry.path for entry in read_manifest(folder).files]
        patterns = [glob.escape(path) for path in [*listed, *SIGNATURE_FILES]]
        api.snapshot_download(repo, revision=commit, local_dir=folder, allow_patterns=patterns)
        return folder

    def _tagged_manifest(self, api: HfApi, repo: str, tag: str) -> Manifest | None:
        """The manifest published under the version tag ``tag``, or None when not tagged."""
        if tag not in {ref.name for ref in api.list_repo_refs(repo).tags}:
            return None
        with tempfile.TemporaryDirectory(prefix="modelshare-tag-") as scratch:
            api.hf_hub_download(repo, MANIFEST_FILE, revision=tag, local_dir=scratch)
            return read_manifest(scratch)

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

    @contextmanager
    def _translated_errors(self, repo: str, revision: str) -> Iterator[None]:
        """Turn huggingface_hub's errors into one line that never contains the token."""
        import httpx2
        from huggingface_hub import errors

        where = f"{repo}@{revision} on {self.endpoint}"
        try:
            yield
        except errors.RevisionNotFoundError as error:
            raise ModelshareError(
                f"{repo} has no revision {revision!r} on {self.endpoint}"
            ) from error
        except errors.RepositoryNotFoundError as error:
            raise ModelshareError(
                f"no model repository {repo} on {self.endpoint}, or the token may not read it"
            ) from error
        except errors.RemoteEntryNotFoundError as error:
            raise ModelshareError(
                f"{where} is not a modelshare release: {MANIFEST_FILE} not found"
            ) from error
        except errors.HfHubHTTPError as error:
            raise ModelshareError(self._http_failure(error, where)) from error
        except (httpx2.TransportError, errors.LocalEntryNotFoundError) as error:
            raise ModelshareError(
                f"cannot reach the Hub at {self.endpoint} ({type(error).__name__}); "
                "check HF_ENDPOINT and the network"
            ) from error
        except errors.OfflineModeIsEnabled as error:
            raise ModelshareError(
                f"HF_HUB_OFFLINE is set: unset it to reach {self.endpoint}"
            ) from error

    def _http_failure(self, error: Exception, where: str) -> str:
        """One line for an HTTP error answer from the Hub."""
        from huggingface_hub import get_token

        status = getattr(getattr(error, "response", None), "status_code", None)
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
