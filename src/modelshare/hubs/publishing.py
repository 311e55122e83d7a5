"""Publishing a release to any hub: audit first, and never edit the user's folder.

:func:`publish_release` runs ``modelshare check`` on the release and refuses to publish when
anything blocks (a required checklist item missing, a blocking risk, a Hub metadata error),
naming the ids, unless ``force`` is given. A forced or signed publish works on a verified
copy in a temporary folder: a forced copy gets a visible note at the top of its card and a
new manifest, a signed copy gets ``model.sig``, and that copy is what is published.

Example:
    >>> from modelshare.hubs.local import LocalRegistry
    >>> outcome = publish_release(Path("releases/penguin-species"), LocalRegistry().publish)
    >>> outcome.published.version, outcome.forced
    ('1.0.0', ())
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from modelshare.bundle import open_release
from modelshare.errors import InvalidInputError, ModelshareError
from modelshare.fsutil import write_file_durably
from modelshare.hubs.base import PublishedVersion
from modelshare.layout import CARD_FILE, SIGNATURE_FILE, SIGNATURE_FILES
from modelshare.manifest import copy_verified, require_verified, write_manifest
from modelshare.reports import Report
from modelshare.signing import check_private_key, sign_release

FORCED_TAG = "Published with `--force`."

Publish = Callable[[Path], PublishedVersion]
"""Publishes a verified release folder somewhere, e.g. ``LocalRegistry().publish``."""


@dataclass(frozen=True)
class PublishOutcome(Report):
    """What a publish did: where the version went, what was forced through, whether signed."""

    published: PublishedVersion
    forced: tuple[str, ...] = ()
    signed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The outcome as plain data, for ``--json`` output."""
        return {**asdict(self.published), "forced": list(self.forced), "signed": self.signed}


def blocking_problems(folder: str | Path) -> list[str]:
    """The ids ``modelshare check`` blocks a release on (empty when it may be published).

    Example:
        >>> blocking_problems(Path("releases/penguin-species"))
        []
        >>> _ = Path("draft.md").write_text("# Penguin classifier\\n")
        >>> blocking_problems(Path("draft.md"))
        ['environment', 'data.collection', ...]
    """
    from modelshare.audit.check import check_path

    return check_path(folder).blocking


def refuse_unsafe_content(folder: Path) -> None:
    """Refuse a release any of whose files could run code when loaded, whatever its name:
    a pickle, a polyglot, damaged content, or a skops model needing types its record does
    not declare. ``--force`` does not override this.

    Example:
        >>> refuse_unsafe_content(Path("releases/penguin-species"))

    Raises:
        UnsafeContentError: naming the first such file and why.
        NotAReleaseError: the folder is not a release.
    """
    from modelshare.safety.policy import refuse_unsafe_release

    declared = open_release(folder).record.model.trusted_types
    refuse_unsafe_release(folder, "nothing was published", trusted=declared)


def mark_forced(card: str, problems: Sequence[str]) -> str:
    """The card with a visible note that it was published with ``--force``: after the
    metadata block, under the title when the card starts with one.

    Example:
        >>> print(mark_forced("# Penguins\\n\\nText.\\n", ["contact"]))
        # Penguins
        <BLANKLINE>
        > **Published with `--force`.** `modelshare check` blocked this release on: contact. ...
        <BLANKLINE>
        Text.
    """
    from modelshare.audit.hub_metadata import split_front_matter

    head, body = split_front_matter(card)
    if head and not head.endswith(("\n", "\r")):
        head += "\n"
    body = body.lstrip("\n")
    if body.startswith("# "):
        title, _, body = body.partition("\n")
        head += f"{title}\n\n"
        body = body.lstrip("\n")
    note = (
        f"> **{FORCED_TAG}** `modelshare check` blocked this release on: "
        f"{', '.join(problems)}. The information these items stand for is missing or unresolved "
        "in this card; read it with that in mind."
    )
    return f"{head}{note}\n\n{body}"


@contextmanager
def staged_copy(folder: Path) -> Iterator[Path]:
    """A verified copy of a release in a temporary folder, removed afterwards.

    Example:
        >>> with staged_copy(Path("releases/penguin-species")) as copy:
        ...     (copy / "README.md").exists()
        True
    """
    with tempfile.TemporaryDirectory(prefix="modelshare-publish-") as scratch:
        copy = Path(scratch) / folder.name
        copy_verified(folder, copy).require_match("nothing was published")
        yield copy


def _mark_copy_forced(copy: Path, problems: Sequence[str]) -> None:
    """Add the forced note to a staged copy's card, drop its stale signature, re-manifest it."""
    card = copy / CARD_FILE
    write_file_durably(card, mark_forced(card.read_text(encoding="utf-8"), problems).encode())
    for name in SIGNATURE_FILES:
        (copy / name).unlink(missing_ok=True)
    write_manifest(copy)


def _refusal(folder: Path, problems: Sequence[str]) -> ModelshareError:
    return ModelshareError(
        f"{folder} is not ready to publish: `modelshare check` blocks it on "
        f"{', '.join(problems)}; complete the release (`modelshare check {folder}` says how) "
        "or pass --force to publish it with a note in its card that it was forced"
    )


def publish_release(
    folder: str | Path,
    publish: Publish,
    *,
    force: bool = False,
    sign_key: str | Path | None = None,
    password: str | None = None,
) -> PublishOutcome:
    """Audit a release, then publish it (or a forced and/or signed copy of it) with ``publish``.

    Refuses a release that does not match its manifest, or holds content that could run
    code (:func:`refuse_unsafe_content`), always; and when ``modelshare check`` blocks the
    release, unless ``force``: a forced release is published with a note in its card naming
    what blocked it. ``sign_key`` signs the published copy. The folder itself is never
    changed.

    Example:
        >>> from modelshare.hubs.references import publisher_for
        >>> publish = publisher_for("hf:lab/penguins")
        >>> publish_release("rel", publish, force=True).forced  # doctest: +SKIP
        ('contact',)

    Raises:
        NotAReleaseError: ``folder`` holds no release.
        IntegrityError: the folder differs from its manifest, or has none.
        UnsafeContentError: a file could run code (:func:`refuse_unsafe_content`).
        InvalidInputError: a signed release forced without ``sign_key``, or an unusable key.
        HubError: the destination could not be reached, refused the token, or failed.
        ModelshareError: ``modelshare check`` blocks the release and ``force`` is False, or
            the version is already published with other content.
    """
    folder = open_release(folder).path
    require_verified(folder, "nothing was published")
    refuse_unsafe_content(folder)
    problems = tuple(blocking_problems(folder))
    if problems and not force:
        raise _refusal(folder, problems)
    if sign_key is not None:
        check_private_key(sign_key, password)
    already_signed = (folder / SIGNATURE_FILE).is_file()
    if not problems and sign_key is None:
        return PublishOutcome(publish(folder), signed=already_signed)
    if problems and already_signed and sign_key is None:
        raise InvalidInputError(
            f"{folder} is signed, and a forced publish adds a note to its card, which breaks "
            "the signature: pass --sign-key to sign the published copy"
        )
    with staged_copy(folder) as copy:
        if problems:
            _mark_copy_forced(copy, problems)
        if sign_key is not None:
            sign_release(copy, sign_key, password=password)
        return PublishOutcome(
            publish(copy), forced=problems, signed=(copy / SIGNATURE_FILE).is_file()
        )
