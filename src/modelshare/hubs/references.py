"""Which hub a command-line reference names, and what it names there.

::

    a release         NAME[@VERSION]                             in the local registry
                      hf:ORG/NAME[@REVISION]                     on the Hub at HF_ENDPOINT
                      http(s)://HOST[:PORT]/ORG/NAME[@REVISION]  on the Hub at that address,
                                                                 e.g. a `modelshare serve`
    what to list      nothing (the local registry), NAME, hf:ORG[/NAME],
                      http(s)://HOST[:PORT]/ORG[/NAME]
    where to publish  local (the default), hf:ORG[/NAME], http(s)://HOST[:PORT]/ORG[/NAME]

``VERSION`` defaults to ``latest`` (on a Hub: the branch ``main``); a Hub ``REVISION`` is a
version tag, a branch or a commit id. Names are held to the rules ``Release()`` holds a
release to, Hub repositories to the Hub's ``ORG/NAME``; where to publish and what to list take
no version. A release published to ``hf:ORG`` goes to ``ORG/NAME``, ``NAME`` from its record.

Example:
    >>> hub, reference = hub_for("http://127.0.0.1:8000/lab/penguin-species@1.0.0")
    >>> hub.where, reference
    ('http://127.0.0.1:8000', Reference(name='lab/penguin-species', version='1.0.0'))
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

from modelshare.errors import InvalidInputError
from modelshare.hubs.base import LATEST, Hub, Reference, parse_reference
from modelshare.hubs.hf import HuggingFaceHub, check_repo_id, configured_endpoint
from modelshare.hubs.local import LocalRegistry
from modelshare.record import NAME_RULE, is_hub_name

if TYPE_CHECKING:
    from modelshare.hubs.publishing import Publish

HUB_PREFIX = "hf:"
URL_SCHEMES = ("http://", "https://")
LOCAL_DESTINATION = "local"
HUB_FORM = "hf:ORG/NAME or hf:ORG/NAME@REVISION, e.g. hf:lab/penguin-species@1.0.0"
URL_FORM = "http(s)://HOST[:PORT]/ORG/NAME[@REVISION], e.g. http://127.0.0.1:8000/lab/penguins"
DESTINATIONS = "local (the default), hf:ORG[/NAME] or http(s)://HOST[:PORT]/ORG[/NAME]"


class Address(NamedTuple):
    """What a reference points at: a hub's endpoint (None: the local registry), a path in
    it (``NAME``, ``ORG`` or ``ORG/NAME``, not yet validated) and a version."""

    endpoint: str | None
    path: str
    version: str


def _check_url(text: str) -> None:
    """Refuse a hub address that is not plain ``http(s)://HOST[:PORT]/PATH``; credentials
    in it are refused without being repeated.

    Raises:
        InvalidInputError: a user name or password, no host, a bad port, a query or a fragment.
    """
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (raises ValueError for a port that is no number)
    except ValueError as error:
        raise InvalidInputError(f"invalid hub address {text!r}: {error}; use {URL_FORM}") from error
    if "@" in parts.netloc:
        raise InvalidInputError(
            "a hub address carries no user name or password: set HF_TOKEN instead"
        )
    if not parts.hostname or parts.query or parts.fragment:
        raise InvalidInputError(f"invalid hub address {text!r}: use {URL_FORM}")


def parse_address(text: str) -> Address:
    """Split a reference into the hub it names, the path in that hub, and the version.

    Example:
        >>> parse_address("hf:lab/penguin-species@1.0.0")
        Address(endpoint='https://huggingface.co', path='lab/penguin-species', version='1.0.0')
        >>> parse_address("penguin-species")
        Address(endpoint=None, path='penguin-species', version='latest')

    Raises:
        InvalidInputError: an empty name or version, or a hub address that is not plain.
    """
    if text.startswith(HUB_PREFIX):
        path, version = parse_reference(text, HUB_FORM)
        return Address(configured_endpoint(), path.removeprefix(HUB_PREFIX), version)
    if text.lower().startswith(URL_SCHEMES):
        _check_url(text)
        url, version = parse_reference(text, URL_FORM)
        parts = urlsplit(url)
        endpoint = f"{parts.scheme}://{parts.netloc.lower()}"
        return Address(endpoint, parts.path.removeprefix("/"), version)
    return Address(None, *parse_reference(text))


def _hub_path(path: str) -> tuple[str, str | None]:
    """The organisation and the repository (None for a bare ``ORG``) of a Hub path.

    Raises:
        InvalidInputError: not a valid ``ORG`` or ``ORG/NAME``.
    """
    if "/" in path:
        repo = check_repo_id(path)
        return repo.partition("/")[0], repo
    if not is_hub_name(path):
        raise InvalidInputError(
            f"invalid Hub organisation {path!r}: use ORG or ORG/NAME, {NAME_RULE}"
        )
    return path, None


def _refuse_version(address: Address, text: str, why: str) -> None:
    """Refuse a reference that names a version where none is taken, saying ``why``."""
    if address.version != LATEST:
        raise InvalidInputError(f"{text!r} names a version, which is not taken here: {why}")


def hub_for(reference: str) -> tuple[Hub, Reference]:
    """The hub a release reference names, and the release and version in it.

    Example:
        >>> hub_for("penguin-species")[1]
        Reference(name='penguin-species', version='latest')
        >>> hub, reference = hub_for("hf:lab/penguin-species@1.0.0")
        >>> hub.endpoint, reference
        ('https://huggingface.co', Reference(name='lab/penguin-species', version='1.0.0'))

    Raises:
        InvalidInputError: the reference breaks the grammar (see the module), or a Hub repository is
            not ``ORG/NAME``.
    """
    address = parse_address(reference)
    if address.endpoint is None:
        return LocalRegistry(), Reference(address.path, address.version)
    hub = HuggingFaceHub(endpoint=address.endpoint)
    return hub, Reference(check_repo_id(address.path), address.version)


def hub_to_list(where: str | None) -> tuple[Hub, str | None]:
    """The hub to list and the one release to list in it (None: all of them), from nothing
    (the local registry), ``NAME``, ``hf:ORG[/NAME]`` or ``http(s)://HOST[:PORT]/ORG[/NAME]``.

    Example:
        >>> hub, name = hub_to_list("hf:lab")
        >>> hub.where, name
        ('https://huggingface.co/lab', None)

    Raises:
        InvalidInputError: the text breaks the grammar, or names a version.
    """
    if where is None:
        return LocalRegistry(), None
    address = parse_address(where)
    _refuse_version(address, where, "a listing shows every version; `show` shows one")
    if address.endpoint is None:
        return LocalRegistry(), address.path
    namespace, repo = _hub_path(address.path)
    return HuggingFaceHub(endpoint=address.endpoint, namespace=namespace), repo


def publisher_for(destination: str, *, private: bool = False) -> Publish:
    """The function that publishes a release folder to ``destination``: ``local``,
    ``hf:ORG[/NAME]`` or ``http(s)://HOST[:PORT]/ORG[/NAME]``; ``private`` creates a Hub
    repository private.

    Example:
        >>> publish = publisher_for("hf:lab/penguins")
        >>> publish(Path("releases/penguin-species")).location  # doctest: +SKIP
        'https://huggingface.co/lab/penguins/tree/1.0.0'

    Raises:
        InvalidInputError: an unknown destination, a version in it, or ``private`` for the local
            registry.
    """
    if destination == LOCAL_DESTINATION:
        if private:
            raise InvalidInputError(
                f"--private goes with a Hub destination: publish to {DESTINATIONS}"
            )
        return LocalRegistry().publish
    address = parse_address(destination)
    if address.endpoint is None:
        raise InvalidInputError(f"invalid destination {destination!r}: publish to {DESTINATIONS}")
    _refuse_version(address, destination, "a release is published as the version it records")
    namespace, repo = _hub_path(address.path)
    hub = HuggingFaceHub(endpoint=address.endpoint, namespace=namespace, private=private)
    return hub.publish if repo is None else partial(hub.publish, repo=repo)
