"""Publish and pull in one call, wherever the release goes or comes from: the functions behind
``modelshare.publish`` and ``modelshare.pull`` (and the ``publish`` and ``pull`` commands).

Example:
    >>> outcome = publish("releases/penguin-species")
    >>> outcome.published.name, outcome.published.version
    ('penguin-species', '1.0.0')
    >>> pull("penguin-species@1.0.0", to=Path("downloads/penguin-species")).name
    'penguin-species'
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from modelshare.hubs.base import Hub, Reference
from modelshare.hubs.publishing import PublishOutcome, publish_release
from modelshare.hubs.references import LOCAL_DESTINATION, hub_for, publisher_for


def publish(
    release: str | Path,
    to: str = LOCAL_DESTINATION,
    *,
    force: bool = False,
    private: bool = False,
    sign_key: str | Path | None = None,
    password: str | None = None,
) -> PublishOutcome:
    """Audit the release folder ``release`` with ``check``, then publish it ``to`` the local
    registry (``"local"``, the default), ``"hf:ORG[/NAME]"`` or
    ``"http(s)://HOST[:PORT]/ORG[/NAME]"`` (:func:`~modelshare.hubs.publishing.publish_release`
    says what ``force`` and ``sign_key`` do). The Hub token comes from ``HF_TOKEN`` or the
    Hugging Face login, and is sent only to that Hub.

    Raises:
        NotAReleaseError: ``release`` is not a release folder.
        IntegrityError: it does not match its manifest.
        UnsafeContentError: a file in it could run code.
        InvalidInputError: an unknown destination, or ``check`` blocks the release and
            ``force`` is not set.
        HubError: the hub cannot be reached or refuses the token.
    """
    target = publisher_for(to, private=private)
    return publish_release(release, target, force=force, sign_key=sign_key, password=password)


def pull(
    reference: str,
    to: str | Path | None = None,
    *,
    overwrite: bool = False,
    trusted: Iterable[str] = (),
    require_signature: str | Path | None = None,
) -> Path:
    """Copy the release ``reference`` names (``NAME[@VERSION]``, ``hf:ORG/NAME[@REV]`` or
    ``http(s)://HOST[:PORT]/ORG/NAME[@REV]``) into ``to`` (default ``./NAME-VERSION``), every
    file checked against the published manifest and scanned before the folder appears.

    ``trusted`` grants skops types beyond modelshare's default list; ``require_signature``, a
    PEM public key, refuses a release its owner did not sign.

    Raises:
        InvalidInputError: the reference breaks the grammar, or ``to`` exists without
            ``overwrite``.
        NotAReleaseError: no such release or version is published there.
        IntegrityError: a file differs from the manifest, or the signature does not match.
        UnsafeContentError: a file could run code, or needs a type nobody trusted.
        HubError: the hub cannot be reached or refuses the token.
    """
    hub, release = hub_for(reference)
    return pull_resolved(
        hub,
        hub.resolve(*release),
        to=to,
        overwrite=overwrite,
        trusted=trusted,
        require_signature=require_signature,
    )


def pull_resolved(
    hub: Hub,
    release: Reference,
    *,
    to: str | Path | None = None,
    overwrite: bool = False,
    trusted: Iterable[str] = (),
    require_signature: str | Path | None = None,
) -> Path:
    """:func:`pull` of a release already resolved on ``hub`` (its version made explicit)."""
    from modelshare.signing import signature_check

    accept = signature_check(require_signature, name=str(release)) if require_signature else None
    destination = None if to is None else Path(to)
    return hub.pull(
        *release, to=destination, overwrite=overwrite, accept=accept, trusted=tuple(trusted)
    )
