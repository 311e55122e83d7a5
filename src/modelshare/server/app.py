"""The HTTP side of ``modelshare serve``: the part of the Hub's API huggingface_hub uses.

Every route answers the way the Hub does, so ``HfApi``, ``hf_hub_download``,
``snapshot_download``, ``ModelCard.push_to_hub``, ``PyTorchModelHubMixin`` and transformers'
``from_pretrained`` work unchanged with ``HF_ENDPOINT`` pointing here. docs/hub-server.md
lists the routes.

Access: every write needs ``Authorization: Bearer TOKEN`` with a token from the token file.
A request carrying any other token gets 401. A private repository answers 404
``RepoNotFound`` to a request without a valid token, exactly as a missing one does.

Limits: a JSON body is read up to :data:`JSON_BODY_BYTES`, a commit up to
``max_commit_bytes``, an LFS object up to ``max_lfs_bytes``; a larger one is refused (413) as
soon as its announced length or the bytes received pass the limit. Every body is typed: a
wrong type, a null, a negative size or JSON nested too deep is a 400 naming the first problem.
A card's metadata is parsed on a worker thread, one card at a time, only within a budget
(:data:`MAX_METADATA_MARKS`), once per content: ``model_info`` serves it from
:class:`.storage.CardCache`. ``validate-yaml`` without a token is rate-limited per address.

Example:
    >>> import uvicorn
    >>> app = create_app(Path("hub"), tokens=frozenset({"s3cret"}))
    >>> [route.path for route in app.routes][:3]
    ['/api/repos/create', '/api/validate-yaml', '/api/models/{namespace}/{name}']
    >>> uvicorn.run(app, host="127.0.0.1", port=8000)  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import math
import mimetypes
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import anyio
from pydantic import Field, RootModel
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from modelshare.audit.hub_metadata import (
    MetadataProblem,
    front_matter_lines,
    parse_front_matter,
    split_lines,
    validate_front_matter,
)
from modelshare.layout import CARD_FILE
from modelshare.server import MAX_COMMIT_BYTES, MAX_LFS_BYTES
from modelshare.server.errors import (
    INVALID_CREDENTIALS,
    ApiError,
    RequestBody,
    bad_request,
    entry_not_found,
    parse_body,
    repo_not_found,
    too_large,
)
from modelshare.server.lfs import LfsBatch, UploadTickets, batch_answer
from modelshare.server.security import SecurityScans
from modelshare.server.storage import (
    AddFile,
    BlobWriter,
    Commit,
    CommitOid,
    DeleteFile,
    DeleteFolder,
    Operation,
    RepoInfo,
    RepoStore,
    Sha256,
    StoredFile,
    checked_path,
    checked_repo_id,
    git_blob_oid,
    list_tree,
)

TREE_PAGE_SIZE = 1000
"""Entries per page of a tree listing; more are reached through ``Link: rel="next"``."""
JSON_BODY_BYTES = 1024 * 1024
"""The most a JSON request body may hold; what huggingface_hub sends is far smaller."""
MAX_CARD_BYTES = 1024 * 1024
"""A README.md larger than this is served but not read for ``cardData``."""
MAX_METADATA_CHARS = 256 * 1024
"""The longest metadata block of a card that is parsed."""
MAX_METADATA_MARKS = 20_000
"""The most YAML indicators (:data:`YAML_MARKS`, about one per key or item) a parsed metadata
block may hold: parsing costs about 50 µs per indicator, so this bounds it to about a second."""
YAML_MARKS = ":,-?[{"
UPLOAD_BLOCK = 1024 * 1024
"""LFS upload bytes gathered before a worker thread hashes and writes them."""
SMALL_JSON = 64 * 1024
"""JSON (a body, a commit line) up to this size is parsed on the event loop; longer JSON, on a
worker thread."""
ANONYMOUS_CHECKS = 30
"""``validate-yaml`` calls a client address may make at once without a token."""
ANONYMOUS_CHECKS_PER_MINUTE = 30
"""How fast those calls come back: one every two seconds."""

BodyT = TypeVar("BodyT", bound=RequestBody)


# --- request bodies ------------------------------------------------------------------------------


class CreateRepoBody(RequestBody):
    """``POST /api/repos/create``."""

    SHAPE = '{"organization": ORG, "name": NAME, "private"?: BOOL}'
    organization: str | None = None
    name: str
    type: str | None = None
    private: bool | None = None
    visibility: str | None = None


class ValidateYamlBody(RequestBody):
    """``POST /api/validate-yaml``."""

    SHAPE = '{"content": CARD_TEXT}'
    content: str


class TagBody(RequestBody):
    """``POST /api/models/{repo}/tag/{rev}``."""

    SHAPE = '{"tag": NAME}'
    tag: str


class PreuploadFile(RequestBody):
    """One file of a preupload request."""

    path: str
    size: int = Field(ge=0)


class PreuploadBody(RequestBody):
    """``POST /api/models/{repo}/preupload/{rev}``."""

    SHAPE = '{"files": [{"path": PATH, "size": BYTES, "sample": BASE64}, ...]}'
    files: list[PreuploadFile]


class CommitHeader(RequestBody):
    """The first line of a commit."""

    summary: str | None = None
    description: str | None = None
    parentCommit: CommitOid | None = None


class PathValue(RequestBody):
    """A commit operation naming one path."""

    path: str


class InlineFile(PathValue):
    """A file sent inside the commit, base64-encoded."""

    content: str
    encoding: Literal["base64"] = "base64"


class LfsFile(PathValue):
    """A file uploaded through LFS before the commit."""

    algo: Literal["sha256"] = "sha256"
    oid: Sha256
    size: int = Field(ge=0)


class HeaderLine(RequestBody):
    """``header``: the commit's summary, description and expected parent."""

    key: Literal["header"]
    value: CommitHeader


class FileLine(RequestBody):
    """``file``: add or replace a file sent inline."""

    key: Literal["file"]
    value: InlineFile


class LfsFileLine(RequestBody):
    """``lfsFile``: add or replace a file uploaded through LFS."""

    key: Literal["lfsFile"]
    value: LfsFile


class DeletedFileLine(RequestBody):
    """``deletedFile``: delete one file."""

    key: Literal["deletedFile"]
    value: PathValue


class DeletedFolderLine(RequestBody):
    """``deletedFolder``: delete every file under a folder."""

    key: Literal["deletedFolder"]
    value: PathValue


OperationLine = FileLine | LfsFileLine | DeletedFileLine | DeletedFolderLine
CommitItem = HeaderLine | OperationLine


class CommitLine(RootModel[Annotated[CommitItem, Field(discriminator="key")]]):
    """One NDJSON line of a commit, told apart by its ``key``."""


COMMIT_LINE_SHAPE = (
    '{"key": "header"|"file"|"lfsFile"|"deletedFile"|"deletedFolder", "value": {...}}'
)


async def _limited(request: Request, limit: int, what: str, remedy: str) -> AsyncIterator[bytes]:
    """The body of ``request`` as it streams in, refused (413) as soon as it is known to be over
    ``limit`` bytes: from its ``Content-Length``, else from the bytes received so far."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(what, limit, remedy)
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise too_large(what, limit, remedy)
        yield chunk


async def _json_body(request: Request, model: type[BodyT]) -> BodyT:
    """The typed JSON body of a request; 413 over :data:`JSON_BODY_BYTES`, 400 when malformed.

    Example:
        >>> async def receive():
        ...     return {"type": "http.request", "body": b'{"tag": "1.0.0"}'}
        >>> request = Request({"type": "http", "headers": []}, receive)
        >>> anyio.run(_json_body, request, TagBody).tag
        '1.0.0'

    Raises:
        ApiError: 413 for a body over the limit, 400 for one that is not ``model``.
    """
    remedy = f"send a small JSON object, {model.SHAPE}"
    body = _limited(request, JSON_BODY_BYTES, "the request body", remedy)
    data = b"".join([chunk async for chunk in body])
    if len(data) <= SMALL_JSON:
        return parse_body(model, data, expected=model.SHAPE)
    return await run_in_threadpool(parse_body, model, data, expected=model.SHAPE)


async def _ndjson_lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The non-blank lines of an NDJSON body, one at a time, as the body streams in."""
    buffer = bytearray()
    searched = 0
    async for chunk in chunks:
        buffer += chunk
        while (end := buffer.find(b"\n", searched)) >= 0:
            line, searched = bytes(buffer[:end]), 0
            del buffer[: end + 1]
            if line.strip():
                yield line
        searched = len(buffer)
    if bytes(buffer).strip():
        yield bytes(buffer)


def _commit_line(number: int, line: bytes) -> CommitItem:
    """Line ``number`` of a commit, typed.

    Raises:
        ApiError: 400 naming the line and its first problem.
    """
    what = f"commit line {number}"
    return parse_body(CommitLine, line, expected=COMMIT_LINE_SHAPE, what=what).root


def _base64_content(path: str, content: str) -> bytes:
    """The bytes of a file sent inline.

    Raises:
        ApiError: 400 when ``content`` is not base64.
    """
    try:
        return base64.b64decode(content, validate=True)
    except binascii.Error as error:
        raise bad_request(f"file {path!r}: the content is not valid base64") from error


# --- cards ---------------------------------------------------------------------------------------


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def _json_values(metadata: dict[str, Any]) -> dict[str, Any]:
    """Card metadata as JSON values: dates and bytes as text, ``.nan`` as ``"NaN"``, keys that
    are not text, numbers, booleans or null left out."""
    text = json.dumps(metadata, default=str, skipkeys=True)
    return json.loads(text, parse_constant=str)


def card_fields(metadata: dict[str, Any]) -> bytes:
    """What ``model_info`` reports of a card's metadata, as one encoded JSON object.

    Example:
        >>> card_fields({"license": "mit", "tags": ["demo"]})
        b'{"tags":["demo"],"pipeline_tag":null,"library_name":null,"cardData":{"license":...}}'
    """
    tags = metadata.get("tags")
    return _json_bytes(
        {
            "tags": [str(tag) for tag in tags] if isinstance(tags, list) else [],
            "pipeline_tag": metadata.get("pipeline_tag"),
            "library_name": metadata.get("library_name"),
            "cardData": metadata or None,
        }
    )


NO_CARD = card_fields({})
"""The card fields of a commit without a readable README.md."""


@dataclass(frozen=True)
class CardReading:
    """A card as the server reads it: its metadata problems and its ``model_info`` fields."""

    problems: list[MetadataProblem]
    fields: bytes

    @property
    def errors(self) -> list[MetadataProblem]:
        """The problems the Hub would refuse the card for."""
        return [problem for problem in self.problems if problem.severity == "error"]


def read_card(text: str) -> CardReading:
    """Check a card's metadata as the Hub does, and encode what ``model_info`` reports of it.

    Metadata over the budget is not parsed: it is one error, and the card has no fields.
    CPU-bound (about a second at most): the server calls it on one worker thread at a time,
    since parsing threads hold the GIL and two would slow the event loop down.

    Example:
        >>> [p.key for p in read_card("---\\nlicense: not-a-license\\n---\\n").errors]
        ['license']
    """
    over_budget = _over_budget(text)
    if over_budget is not None:
        return CardReading([over_budget], NO_CARD)
    front = parse_front_matter(text)
    return CardReading(validate_front_matter(front), card_fields(_json_values(front.metadata)))


def _over_budget(text: str) -> MetadataProblem | None:
    """The problem of a metadata block too large to parse, found by counting, not parsing."""
    lines = split_lines(text)
    bounds = front_matter_lines(lines)
    if bounds is None or bounds[1] is None:
        return None
    block = "\n".join(lines[bounds[0] + 1 : bounds[1]])
    marks = sum(block.count(mark) for mark in YAML_MARKS)
    if len(block) <= MAX_METADATA_CHARS and marks <= MAX_METADATA_MARKS:
        return None
    message = (
        f"the metadata block holds {len(block):,} characters and {marks:,} YAML indicators "
        f"({' '.join(YAML_MARKS)}); this server checks at most {MAX_METADATA_CHARS:,} and "
        f"{MAX_METADATA_MARKS:,}: shorten the metadata, e.g. move long lists into the card's text"
    )
    return MetadataProblem("metadata", "", message, line=bounds[0] + 2)


def _problem(problem: MetadataProblem) -> dict[str, Any]:
    return {"message": problem.message, "key": problem.key, "line": problem.line}


# --- answers -------------------------------------------------------------------------------------


def _error_headers(error: ApiError) -> dict[str, str]:
    message = error.message.encode("ascii", "replace").decode()
    headers = {**error.headers, "X-Error-Message": message}
    if error.code:
        headers["X-Error-Code"] = error.code
    return headers


def _error_response(request: Request, error: Exception) -> Response:
    """A :class:`ApiError` as the Hub sends it: JSON body and ``X-Error-*`` headers.

    The answer to a request that sends a body closes the connection: the server may have
    refused it before reading all of it, and will not receive the rest.
    """
    api_error = error if isinstance(error, ApiError) else ApiError(500, "internal server error")
    headers = _error_headers(api_error)
    declared = request.headers.get("content-length", "0")
    if declared != "0" or "transfer-encoding" in request.headers:
        headers["Connection"] = "close"
    return JSONResponse({"error": api_error.message}, api_error.status, headers=headers)


def _http_error(request: Request, error: Exception) -> Response:
    """Starlette's own errors (no such route, wrong method) in the Hub's shape."""
    assert isinstance(error, HTTPException)
    return _error_response(request, ApiError(error.status_code, error.detail, None, error.headers))


def _merged(first: bytes, second: bytes) -> bytes:
    """Two encoded JSON objects with distinct keys as one, without decoding either.

    Example:
        >>> _merged(b'{"a":1}', b'{"b":2}')
        b'{"a":1,"b":2}'
    """
    return first[:-1] + b"," + second[1:]


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _repo_id(request: Request) -> str:
    params = request.path_params
    return checked_repo_id(f"{params['namespace']}/{params['name']}")


def _tree_entry(path: str, file: StoredFile | None) -> dict[str, Any]:
    if file is None:
        return {"type": "directory", "oid": git_blob_oid(path.encode()), "size": 0, "path": path}
    entry: dict[str, Any] = {"type": "file", "oid": file.git_oid, "size": file.size, "path": path}
    if file.lfs:
        entry["lfs"] = {"oid": file.sha256, "size": file.size, "pointerSize": file.pointer_size}
    return entry


def _sibling(path: str, file: StoredFile) -> dict[str, Any]:
    sibling: dict[str, Any] = {"rfilename": path, "size": file.size, "blobId": file.git_oid}
    if file.lfs:
        sibling["lfs"] = {
            "size": file.size,
            "sha256": file.sha256,
            "pointerSize": file.pointer_size,
        }
    return sibling


def _ref_list(kind: str, refs: dict[str, str]) -> list[dict[str, str]]:
    return [{"name": n, "ref": f"refs/{kind}/{n}", "targetCommit": oid} for n, oid in refs.items()]


class RateLimit:
    """A token bucket per client address: ``burst`` requests at once, then ``per_minute``.

    Example:
        >>> limit = RateLimit(burst=1, per_minute=60)
        >>> limit.take("127.0.0.1")
        >>> limit.take("127.0.0.1")
        Traceback (most recent call last):
        ...
        modelshare.server.errors.ApiError: too many requests without a token from 127.0.0.1: ...
    """

    def __init__(self, burst: int, per_minute: float) -> None:
        self._burst = burst
        self._per_second = per_minute / 60
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, address: str) -> None:
        """Spend one request of ``address``.

        Raises:
            ApiError: 429 with ``Retry-After`` when the address has none left.
        """
        now = time.monotonic()
        left, since = self._buckets.get(address, (self._burst, now))
        left = min(self._burst, left + (now - since) * self._per_second)
        if left < 1:
            wait = math.ceil((1 - left) / self._per_second)
            raise ApiError(
                429,
                f"too many requests without a token from {address}: retry in {wait} s, or "
                "send Authorization: Bearer TOKEN",
                headers={"Retry-After": str(wait)},
            )
        self._buckets[address] = (left - 1, now)
        self._forget_refilled(now)

    def _forget_refilled(self, now: float) -> None:
        """Drop the addresses whose bucket is full again, so the table stays small."""
        refill = self._burst / self._per_second
        self._buckets = {a: b for a, b in self._buckets.items() if now - b[1] < refill}


class HubServer:
    """The request handlers, sharing one store, the accepted tokens, the LFS policy and limits."""

    def __init__(
        self,
        store: RepoStore,
        tokens: frozenset[str],
        lfs_threshold: int | None,
        max_commit_bytes: int,
        max_lfs_bytes: int,
    ) -> None:
        self.store = store
        self._tokens = [token.encode() for token in tokens]
        self._lfs_threshold = lfs_threshold
        self._max_commit_bytes = max_commit_bytes
        self._max_lfs_bytes = max_lfs_bytes
        self._tickets = UploadTickets()
        self._anonymous_checks = RateLimit(ANONYMOUS_CHECKS, ANONYMOUS_CHECKS_PER_MINUTE)
        self._card_reader = anyio.CapacityLimiter(1)
        self.scans = SecurityScans(store.blobs)

    # --- access ------------------------------------------------------------------------------

    def _authenticated(self, request: Request) -> bool:
        """Whether the request carries a valid token; 401 when it carries an invalid one."""
        header = request.headers.get("authorization")
        if header is None:
            return False
        scheme, _, token = header.partition(" ")
        given = token.strip().encode()
        if scheme.lower() != "bearer" or not any(
            hmac.compare_digest(given, t) for t in self._tokens
        ):
            raise ApiError(401, INVALID_CREDENTIALS)
        return True

    def _require_writer(self, request: Request) -> None:
        if not self._authenticated(request):
            raise ApiError(401, "writing needs a token: send Authorization: Bearer TOKEN")

    def _readable(self, request: Request) -> RepoInfo:
        """The repository of the request, hidden (404) when private and unauthenticated."""
        repo_id = _repo_id(request)
        authenticated = self._authenticated(request)
        info = self.store.info(repo_id)
        if info.private and not authenticated:
            raise repo_not_found(repo_id)
        return info

    def _writable(self, request: Request) -> RepoInfo:
        self._require_writer(request)
        return self.store.info(_repo_id(request))

    # --- repositories and metadata -------------------------------------------------------------

    async def create_repo(self, request: Request) -> Response:
        """``POST /api/repos/create``: a new repository with an empty first commit."""
        self._require_writer(request)
        body = await _json_body(request, CreateRepoBody)
        if body.type not in (None, "model"):
            raise bad_request("this server holds model repositories only")
        if not body.organization:
            raise bad_request("name the repository as ORG/NAME")
        repo_id = checked_repo_id(f"{body.organization}/{body.name}")
        private = body.private is True or body.visibility == "private"
        created = await run_in_threadpool(self.store.create_repo, repo_id, private=private)
        url = f"{_base_url(request)}/{repo_id}"
        if not created:
            return JSONResponse({"error": "You already created this model repo", "url": url}, 409)
        return JSONResponse({"url": url, "name": repo_id, "id": repo_id})

    async def validate_yaml(self, request: Request) -> Response:
        """``POST /api/validate-yaml``: the card's metadata checked as the Hub checks it;
        rate-limited per address without a token."""
        if not self._authenticated(request):
            self._anonymous_checks.take(request.client.host if request.client else "")
        body = await _json_body(request, ValidateYamlBody)
        reading = await self._read_card(body.content)
        errors = [_problem(p) for p in reading.errors]
        warnings = [_problem(p) for p in reading.problems if p.severity == "warning"]
        if not errors:
            return JSONResponse({"errors": [], "warnings": warnings})
        headers = _error_headers(bad_request(errors[0]["message"]))
        return JSONResponse({"errors": errors, "warnings": warnings}, 400, headers=headers)

    async def model_info(self, request: Request) -> Response:
        """``GET /api/models/{repo}[/revision/{rev}]``: id, sha, files, card metadata; with
        ``?securityStatus=1``, every file's scan verdict (:mod:`.security`)."""
        info = self._readable(request)
        commit = self.store.resolve(info.repo_id, request.path_params.get("revision", "main"))
        fields = await self._card_fields(commit)
        security = {}
        if request.query_params.get("securityStatus", "").lower() in {"1", "true"}:
            security["securityRepoStatus"] = await run_in_threadpool(self.scans.status, commit)
        described = {
            **security,
            "id": info.repo_id,
            "modelId": info.repo_id,
            "author": info.repo_id.split("/")[0],
            "sha": commit.oid,
            "lastModified": commit.date,
            "createdAt": info.created_at,
            "private": info.private,
            "disabled": False,
            "gated": False,
            "downloads": 0,
            "likes": 0,
            "siblings": [_sibling(path, file) for path, file in commit.files.items()],
        }
        return Response(_merged(_json_bytes(described), fields), media_type="application/json")

    async def _read_card(self, text: str) -> CardReading:
        """:func:`read_card` on a worker thread, one card at a time."""
        return await anyio.to_thread.run_sync(read_card, text, limiter=self._card_reader)

    async def _card_fields(self, commit: Commit) -> bytes:
        """The card fields of a commit: from the cache, else read once and kept."""
        card = commit.files.get(CARD_FILE)
        if card is None:
            return NO_CARD
        fields = self.store.cards.get(card.sha256)
        if fields is None:
            fields = NO_CARD
            if card.size <= MAX_CARD_BYTES:
                data = await run_in_threadpool(self.store.blobs.path(card.sha256).read_bytes)
                fields = (await self._read_card(data.decode("utf-8", "replace"))).fields
            await run_in_threadpool(self.store.cards.put, card.sha256, fields)
        return fields

    async def tree(self, request: Request) -> Response:
        """``GET /api/models/{repo}/tree/{rev}[/{path}]``, paginated with ``Link: rel=next``."""
        info = self._readable(request)
        commit = self.store.resolve(info.repo_id, request.path_params["revision"])
        path = request.path_params.get("path", "")
        if path:
            checked_path(path.rstrip("/"))
        params = request.query_params
        recursive = params.get("recursive", "false").lower() in ("1", "true")
        start, limit = self._page(params.get("cursor", "0"), params.get("limit"))
        entries = list_tree(info.repo_id, commit, path, recursive=recursive)
        page = [_tree_entry(p, f) for p, f in entries[start : start + limit]]
        headers = {}
        if start + limit < len(entries):
            fixed = f"/api/models/{info.repo_id}/tree/{commit.oid}" + (f"/{path}" if path else "")
            following = request.url.replace(path=fixed).include_query_params(
                cursor=start + limit, limit=limit
            )
            headers["Link"] = f'<{following}>; rel="next"'
        return JSONResponse(page, headers=headers)

    @staticmethod
    def _page(cursor: str, limit: str | None) -> tuple[int, int]:
        if not cursor.isdigit() or (limit is not None and not limit.isdigit()):
            raise bad_request("cursor and limit must be whole numbers")
        return int(cursor), min(max(int(limit or TREE_PAGE_SIZE), 1), TREE_PAGE_SIZE)

    async def refs(self, request: Request) -> Response:
        """``GET /api/models/{repo}/refs``: branches and tags."""
        refs = self.store.refs(self._readable(request).repo_id)
        return JSONResponse(
            {
                "branches": _ref_list("heads", refs.branches),
                "tags": _ref_list("tags", refs.tags),
                "converts": [],
                "pullRequests": [],
            }
        )

    async def create_tag(self, request: Request) -> Response:
        """``POST /api/models/{repo}/tag/{rev}`` ``{tag}``: a tag that never moves (409 if set)."""
        info = self._writable(request)
        tag = (await _json_body(request, TagBody)).tag
        revision = request.path_params["revision"]
        await run_in_threadpool(self.store.tag, info.repo_id, tag, revision)
        return JSONResponse({})

    # --- uploads -------------------------------------------------------------------------------

    async def preupload(self, request: Request) -> Response:
        """``POST /api/models/{repo}/preupload/{rev}``: ``regular`` or ``lfs`` for each file."""
        info = self._writable(request)
        commit = self.store.resolve(info.repo_id, request.path_params["revision"])
        files = (await _json_body(request, PreuploadBody)).files
        return JSONResponse({"files": [self._upload_mode(commit, file) for file in files]})

    def _upload_mode(self, commit: Commit, file: PreuploadFile) -> dict[str, Any]:
        path = checked_path(file.path)
        lfs = self._lfs_threshold is not None and file.size > self._lfs_threshold
        existing = commit.files.get(path)
        same_mode = existing is not None and existing.lfs == lfs
        return {
            "path": path,
            "uploadMode": "lfs" if lfs else "regular",
            "shouldIgnore": False,
            "oid": existing.upload_oid if existing is not None and same_mode else None,
        }

    async def lfs_batch(self, request: Request) -> Response:
        """``POST /{repo}.git/info/lfs/objects/batch``: signed upload links for new objects."""
        self._writable(request)
        batch = await _json_body(request, LfsBatch)
        answer = await run_in_threadpool(
            batch_answer,
            batch,
            self.store.blobs,
            self._tickets,
            _base_url(request),
            self._max_lfs_bytes,
        )
        return JSONResponse(answer, media_type="application/vnd.git-lfs+json")

    async def lfs_upload(self, request: Request) -> Response:
        """``PUT /api/lfs/upload/{oid}/{size}?expires&signature``: one LFS object's bytes,
        hashed and written on a worker thread a block at a time."""
        oid, size = request.path_params["oid"], request.path_params["size"]
        params = request.query_params
        self._tickets.check(oid, size, params.get("expires", ""), params.get("signature", ""))
        remedy = "send exactly the bytes the upload link was issued for"
        writer = BlobWriter(self.store.blobs)
        try:
            block = bytearray()
            async for chunk in _limited(request, size, "the upload", remedy):
                block += chunk
                if len(block) >= UPLOAD_BLOCK:
                    await run_in_threadpool(writer.write, block)
                    block = bytearray()
            await run_in_threadpool(writer.write, block)
            await run_in_threadpool(writer.finish, oid, size)
        finally:
            writer.discard()
        return Response(status_code=200)

    async def commit(self, request: Request) -> Response:
        """``POST /api/models/{repo}/commit/{rev}``: an NDJSON commit, inline or LFS files."""
        info = self._writable(request)
        if request.query_params.get("create_pr", "").lower() in ("1", "true"):
            raise bad_request("this server has no pull requests: commit to the branch")
        header, operations = await self._read_commit(request)
        commit = await run_in_threadpool(
            lambda: self.store.commit(
                info.repo_id,
                request.path_params["revision"],
                operations,
                summary=header.summary or "Upload files",
                description=header.description or "",
                parent=header.parentCommit,
            )
        )
        await self._card_fields(commit)  # a card that came through LFS is read now
        url = f"{_base_url(request)}/{info.repo_id}/commit/{commit.oid}"
        return JSONResponse({"commitUrl": url, "commitOid": commit.oid, "pullRequestUrl": None})

    async def _read_commit(self, request: Request) -> tuple[CommitHeader, list[Operation]]:
        """The header and operations of an NDJSON commit; inline files are stored as they come."""
        remedy = "split it into commits, or start the server with a larger --max-commit-bytes"
        body = _limited(request, self._max_commit_bytes, "the commit", remedy)
        header: CommitHeader | None = None
        operations: list[Operation] = []
        number = 0
        async for line in _ndjson_lines(body):
            number += 1
            if len(line) <= SMALL_JSON:
                item = _commit_line(number, line)
            else:  # an inline file: parsed off the event loop
                item = await run_in_threadpool(_commit_line, number, line)
            if isinstance(item, HeaderLine) == (header is not None):
                raise bad_request("a commit has one header line, and it comes first")
            if isinstance(item, HeaderLine):
                header = item.value
            else:
                operations.append(await self._operation(item))
        if header is None:
            raise bad_request("the commit is empty: it needs a header line")
        return header, operations

    async def _operation(self, item: OperationLine) -> Operation:
        """The operation of a commit line other than the header."""
        match item:
            case FileLine(value=file):
                path = checked_path(file.path)
                return AddFile(path, await self._inline_file(path, file.content))
            case LfsFileLine(value=file):
                if not self.store.blobs.has(file.oid, file.size):
                    raise bad_request(f"lfsFile {file.path!r}: its content was not uploaded first")
                return AddFile(checked_path(file.path), StoredFile.large(file.oid, file.size))
            case DeletedFileLine(value=target):
                return DeleteFile(checked_path(target.path))
            case _:
                return DeleteFolder(checked_path(item.value.path.rstrip("/")))

    async def _inline_file(self, path: str, content: str) -> StoredFile:
        """Decode and store a file sent inline; a card with invalid metadata is refused."""
        data = await run_in_threadpool(_base64_content, path, content)
        fields = await self._accepted_card_fields(data) if path == CARD_FILE else None
        sha256 = await run_in_threadpool(self.store.blobs.put, data)
        if fields is not None:
            await run_in_threadpool(self.store.cards.put, sha256, fields)
        return StoredFile.regular(data, sha256)

    async def _accepted_card_fields(self, data: bytes) -> bytes:
        """The fields of a card the Hub would accept; 400 naming the errors of one it refuses."""
        reading = await self._read_card(data.decode("utf-8", "replace"))
        if reading.errors:
            raise bad_request(f"{CARD_FILE}: " + "; ".join(p.message for p in reading.errors))
        return reading.fields

    # --- downloads -----------------------------------------------------------------------------

    async def resolve(self, request: Request) -> Response:
        """``GET``/``HEAD /{repo}/resolve/{rev}/{path}``: the file, with ETag and X-Repo-Commit."""
        info = self._readable(request)
        revision, path = request.path_params["revision"], request.path_params["path"]
        checked_path(path)
        commit = self.store.resolve(info.repo_id, revision)
        file = commit.files.get(path)
        if file is None:
            raise entry_not_found(info.repo_id, revision, path)
        headers = {"ETag": f'"{file.sha256}"', "X-Repo-Commit": commit.oid}
        media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return FileResponse(
            self.store.blobs.path(file.sha256), headers=headers, media_type=media_type
        )


def create_app(
    root: Path,
    *,
    tokens: frozenset[str] = frozenset(),
    lfs_threshold: int | None = None,
    max_commit_bytes: int = MAX_COMMIT_BYTES,
    max_lfs_bytes: int = MAX_LFS_BYTES,
) -> Starlette:
    """The server's ASGI application over the repositories stored under ``root``.

    ``tokens`` are the bearer tokens that may write (none: the server is read-only).
    ``lfs_threshold``: files larger than this many bytes are asked for through LFS, which
    only clients with Xet disabled (``HF_HUB_DISABLE_XET=1``) can send; by default every file
    comes inline, which every client can send. ``max_commit_bytes`` and ``max_lfs_bytes``
    bound a commit's NDJSON body and one LFS object.

    Example:
        >>> app = create_app(Path("/srv/modelshare"), tokens=frozenset({"s3cret"}))
    """
    server = HubServer(RepoStore(root), tokens, lfs_threshold, max_commit_bytes, max_lfs_bytes)
    repo = "/api/models/{namespace}/{name}"
    routes = [
        Route("/api/repos/create", server.create_repo, methods=["POST"]),
        Route("/api/validate-yaml", server.validate_yaml, methods=["POST"]),
        Route(repo, server.model_info, methods=["GET"]),
        Route(repo + "/revision/{revision:path}", server.model_info, methods=["GET"]),
        Route(repo + "/tree/{revision}", server.tree, methods=["GET"]),
        Route(repo + "/tree/{revision}/{path:path}", server.tree, methods=["GET"]),
        Route(repo + "/refs", server.refs, methods=["GET"]),
        Route(repo + "/tag/{revision}", server.create_tag, methods=["POST"]),
        Route(repo + "/preupload/{revision}", server.preupload, methods=["POST"]),
        Route(repo + "/commit/{revision}", server.commit, methods=["POST"]),
        Route("/{namespace}/{name}.git/info/lfs/objects/batch", server.lfs_batch, methods=["POST"]),
        Route("/api/lfs/upload/{oid}/{size:int}", server.lfs_upload, methods=["PUT"]),
        Route(
            "/{namespace}/{name}/resolve/{revision}/{path:path}",
            server.resolve,
            methods=["GET", "HEAD"],
        ),
    ]
    handlers = {ApiError: _error_response, HTTPException: _http_error}
    return Starlette(routes=routes, exception_handlers=handlers)
