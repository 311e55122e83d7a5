"""LFS uploads: the batch answer, and the signed upload links it hands out.

huggingface_hub PUTs an LFS object to the link the batch answer gives, without an
``Authorization`` header, so the link itself carries the permission: an HMAC over the
object's sha256, size and expiry, with a key that exists only in the server process. A link
can store nothing but the content it was issued for, since the bytes must hash to its sha256.

Example:
    >>> tickets = UploadTickets()
    >>> query = tickets.issue("ab" * 32, 12)
    >>> tickets.check("ab" * 32, 12, **dict(part.split("=") for part in query.split("&")))
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

from pydantic import Field

from modelshare.server.errors import ApiError, RequestBody, bad_request, too_large
from modelshare.server.storage import BlobStore, Sha256

TICKET_LIFETIME = 3600
"""Seconds an upload link stays valid."""


class UploadTickets:
    """Issues and checks signed upload links for LFS objects."""

    def __init__(self, lifetime: int = TICKET_LIFETIME) -> None:
        self._key = secrets.token_bytes(32)
        self._lifetime = lifetime

    def _signature(self, oid: str, size: int, expires: int) -> str:
        message = f"{oid}:{size}:{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def issue(self, oid: str, size: int) -> str:
        """The query string that authorises one upload of ``oid`` with ``size`` bytes.

        Example:
            >>> UploadTickets().issue("ab" * 32, 12).startswith("expires=")
            True
        """
        expires = int(time.time()) + self._lifetime
        return f"expires={expires}&signature={self._signature(oid, size, expires)}"

    def check(self, oid: str, size: int, expires: str, signature: str) -> None:
        """Accept a link issued by this process that has not expired; else 403.

        Example:
            >>> UploadTickets().check("ab" * 32, 12, "0", "forged")
            Traceback (most recent call last):
            ...
            modelshare.server.errors.ApiError: this upload link is invalid or has expired
        """
        valid = expires.isdigit() and int(expires) >= time.time()
        expected = self._signature(oid, size, int(expires)) if valid else ""
        if not (valid and hmac.compare_digest(expected, signature)):
            raise ApiError(403, "this upload link is invalid or has expired")


class LfsObject(RequestBody):
    """One object of a batch request: its sha256 and size."""

    oid: Sha256
    size: int = Field(ge=0)


class LfsBatch(RequestBody):
    """``POST /{repo}.git/info/lfs/objects/batch`` as huggingface_hub sends it."""

    SHAPE = '{"operation": "upload", "objects": [{"oid": SHA256, "size": BYTES}, ...]}'
    operation: str
    objects: list[LfsObject]


def batch_answer(
    batch: LfsBatch, blobs: BlobStore, tickets: UploadTickets, base_url: str, max_bytes: int
) -> dict[str, Any]:
    """The answer to an LFS batch upload request.

    Objects already stored get no action (the client skips them); the others get a signed
    ``PUT`` link.

    Example:
        >>> blobs = BlobStore(Path("hub"))
        >>> stored = LfsObject(oid=blobs.put(b"abc"), size=3)
        >>> new = LfsObject(oid="ab" * 32, size=12)
        >>> batch = LfsBatch(operation="upload", objects=[stored, new])
        >>> answer = batch_answer(batch, blobs, UploadTickets(), "http://127.0.0.1:8000", 2**30)
        >>> [sorted(answer) for answer in answer["objects"]]
        [['authenticated', 'oid', 'size'], ['actions', 'authenticated', 'oid', 'size']]
        >>> answer["objects"][1]["actions"]["upload"]["href"]
        'http://127.0.0.1:8000/api/lfs/upload/abab...ab/12?expires=...&signature=...'

    Raises:
        ApiError: 400 for anything but an upload; 413 for an object over ``max_bytes``.
    """
    if batch.operation != "upload":
        raise bad_request("this server accepts LFS uploads only; download files with /resolve/")
    for lfs_object in batch.objects:
        if lfs_object.size > max_bytes:
            raise too_large(
                f"LFS object {lfs_object.oid} ({lfs_object.size:,} bytes)",
                max_bytes,
                "start the server with a larger --max-lfs-bytes",
            )
    return {
        "transfer": "basic",
        "objects": [_object_answer(o, blobs, tickets, base_url) for o in batch.objects],
    }


def _object_answer(
    lfs_object: LfsObject, blobs: BlobStore, tickets: UploadTickets, base_url: str
) -> dict[str, Any]:
    oid, size = lfs_object.oid, lfs_object.size
    answer: dict[str, Any] = {"oid": oid, "size": size, "authenticated": True}
    if not blobs.has(oid, size):
        href = f"{base_url}/api/lfs/upload/{oid}/{size}?{tickets.issue(oid, size)}"
        answer["actions"] = {"upload": {"href": href, "expires_in": TICKET_LIFETIME}}
    return answer
