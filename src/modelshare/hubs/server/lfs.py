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

from modelshare.hubs.server.errors import HubError, bad_request
from modelshare.hubs.server.storage import SHA256, BlobStore

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
            modelshare.hubs.server.errors.HubError: this upload link is invalid or has expired
        """
        valid = expires.isdigit() and int(expires) >= time.time()
        expected = self._signature(oid, size, int(expires)) if valid else ""
        if not (valid and hmac.compare_digest(expected, signature)):
            raise HubError(403, "this upload link is invalid or has expired")


def batch_answer(
    request: dict[str, Any], blobs: BlobStore, tickets: UploadTickets, base_url: str
) -> dict[str, Any]:
    """The answer to ``POST /{repo}.git/info/lfs/objects/batch`` for an upload.

    Objects already stored get no action (the client skips them); the others get a signed
    ``PUT`` link. A malformed object gets an error entry, as the Git LFS protocol says.

    Example:
        >>> batch_answer({"operation": "upload", "objects": [{"oid": oid, "size": 3}]},
        ...              blobs, tickets, "http://127.0.0.1:8000")["objects"][0]["actions"]
        {'upload': {'href': 'http://127.0.0.1:8000/api/lfs/upload/…', 'expires_in': 3600}}
    """
    if request.get("operation") != "upload":
        raise bad_request("this server accepts LFS uploads only; download files with /resolve/")
    objects = request.get("objects")
    if not isinstance(objects, list):
        raise bad_request("the LFS batch request has no 'objects' list")
    return {
        "transfer": "basic",
        "objects": [_object_answer(o, blobs, tickets, base_url) for o in objects],
    }


def _object_answer(
    entry: Any, blobs: BlobStore, tickets: UploadTickets, base_url: str
) -> dict[str, Any]:
    oid, size = (entry.get("oid"), entry.get("size")) if isinstance(entry, dict) else (None, None)
    if not (isinstance(oid, str) and SHA256.fullmatch(oid) and isinstance(size, int) and size >= 0):
        return {
            "oid": str(oid),
            "size": size if isinstance(size, int) else 0,
            "error": {"code": 422, "message": "an object needs a sha256 'oid' and a 'size'"},
        }
    answer: dict[str, Any] = {"oid": oid, "size": size, "authenticated": True}
    if not blobs.has(oid, size):
        href = f"{base_url}/api/lfs/upload/{oid}/{size}?{tickets.issue(oid, size)}"
        answer["actions"] = {"upload": {"href": href, "expires_in": TICKET_LIFETIME}}
    return answer
