"""The HTTP side of ``modelshare serve``: the part of the Hub's API huggingface_hub uses.

Every route answers the way the Hub does, so ``HfApi``, ``hf_hub_download``,
``snapshot_download``, ``ModelCard.push_to_hub``, ``PyTorchModelHubMixin`` and transformers'
``from_pretrained`` work unchanged with ``HF_ENDPOINT`` pointing here. docs/hub-server.md
lists the routes.

Access: every write needs ``Authorization: Bearer TOKEN`` with a token from the token file.
A request carrying any other token gets 401. A private repository answers 404
``RepoNotFound`` to a request without a valid token, exactly as a missing one does.

Example:
    >>> app = create_app(Path("/srv/modelshare"), tokens=frozenset({"s3cret"}))
    >>> uvicorn.run(app, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import mimetypes
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from modelshare.audit.hub_metadata import MetadataProblem, parse_front_matter, validate_card_text
from modelshare.hubs.server.errors import (
    INVALID_CREDENTIALS,
    HubError,
    bad_request,
    entry_not_found,
    repo_not_found,
)
from modelshare.hubs.server.lfs import UploadTickets, batch_answer
from modelshare.hubs.server.security import SecurityScans
from modelshare.hubs.server.storage import (
    COMMIT_OID,
    SHA256,
    AddFile,
    BlobWriter,
    Commit,
    DeleteFile,
    DeleteFolder,
    Operation,
    RepoInfo,
    RepoStore,
    StoredFile,
    checked_path,
    checked_repo_id,
    git_blob_oid,
    list_tree,
)
from modelshare.record import CARD_FILE

TREE_PAGE_SIZE = 1000
"""Entries per page of a tree listing; more are reached through ``Link: rel="next"``."""
MAX_CARD_BYTES = 1024 * 1024
"""A README.md larger than this is served but not read for ``cardData``."""


def _error_response(_: Request, error: Exception) -> Response:
    """A :class:`HubError` as the Hub sends it: JSON body and ``X-Error-*`` headers."""
    hub_error = error if isinstance(error, HubError) else HubError(500, "internal server error")
    headers = {"X-Error-Message": hub_error.message.encode("ascii", "replace").decode()}
    if hub_error.code:
        headers["X-Error-Code"] = hub_error.code
    return JSONResponse({"error": hub_error.message}, hub_error.status, headers=headers)


def _problem(problem: MetadataProblem) -> dict[str, Any]:
    return {"message": problem.message, "key": problem.key, "line": problem.line}


def card_errors(text: str) -> list[MetadataProblem]:
    """The metadata problems of a card that the Hub would refuse it for.

    Example:
        >>> [p.key for p in card_errors("---\\nlicense: not-a-license\\n---\\n")]
        ['license']
    """
    return [problem for problem in validate_card_text(text) if problem.severity == "error"]


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _repo_id(request: Request) -> str:
    params = request.path_params
    return checked_repo_id(f"{params['namespace']}/{params['name']}")


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as error:
        raise bad_request("the request body is not JSON") from error
    if not isinstance(body, dict):
        raise bad_request("the request body is not a JSON object")
    return body


async def _ndjson_lines(request: Request) -> AsyncIterator[dict[str, Any]]:
    """The JSON objects of an NDJSON body, one line at a time, as the body streams in."""
    buffer = bytearray()
    searched = 0
    async for chunk in request.stream():
        buffer += chunk
        while (end := buffer.find(b"\n", searched)) >= 0:
            line, searched = bytes(buffer[:end]), 0
            del buffer[: end + 1]
            if line.strip():
                yield _json_line(line)
        searched = len(buffer)
    if bytes(buffer).strip():
        yield _json_line(bytes(buffer))


def _json_line(line: bytes) -> dict[str, Any]:
    try:
        item = json.loads(line)
    except ValueError as error:
        raise bad_request("a commit line is not JSON") from error
    if not isinstance(item, dict) or not isinstance(item.get("value"), dict):
        raise bad_request('a commit line must be {"key": ..., "value": {...}}')
    return item


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


class HubServer:
    """The request handlers, sharing one store, the accepted tokens and the LFS policy."""

    def __init__(self, store: RepoStore, tokens: frozenset[str], lfs_threshold: int | None) -> None:
        self.store = store
        self._tokens = [token.encode() for token in tokens]
        self._lfs_threshold = lfs_threshold
        self._tickets = UploadTickets()
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
            raise HubError(401, INVALID_CREDENTIALS)
        return True

    def _require_writer(self, request: Request) -> None:
        if not self._authenticated(request):
            raise HubError(401, "writing needs a token: send Authorization: Bearer TOKEN")

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
        body = await _json_body(request)
        if body.get("type") not in (None, "model"):
            raise bad_request("this server holds model repositories only")
        if not body.get("organization"):
            raise bad_request("name the repository as ORG/NAME")
        repo_id = checked_repo_id(f"{body['organization']}/{body.get('name')}")
        private = body.get("private") is True or body.get("visibility") == "private"
        created = await run_in_threadpool(self.store.create_repo, repo_id, private=private)
        url = f"{_base_url(request)}/{repo_id}"
        if not created:
            return JSONResponse({"error": "You already created this model repo", "url": url}, 409)
        return JSONResponse({"url": url, "name": repo_id, "id": repo_id})

    async def validate_yaml(self, request: Request) -> Response:
        """``POST /api/validate-yaml``: the card's metadata checked as the Hub checks it."""
        content = (await _json_body(request)).get("content")
        if not isinstance(content, str):
            raise bad_request("send the card as {'content': TEXT}")
        problems = validate_card_text(content)
        errors = [_problem(p) for p in problems if p.severity == "error"]
        warnings = [_problem(p) for p in problems if p.severity == "warning"]
        return JSONResponse({"errors": errors, "warnings": warnings}, 400 if errors else 200)

    async def model_info(self, request: Request) -> Response:
        """``GET /api/models/{repo}[/revision/{rev}]``: id, sha, files, card metadata; with
        ``?securityStatus=1``, every file's scan verdict (:mod:`.security`)."""
        info = self._readable(request)
        commit = self.store.resolve(info.repo_id, request.path_params.get("revision", "main"))
        card = self._card_data(commit)
        tags = card.get("tags") if isinstance(card.get("tags"), list) else []
        security = {}
        if request.query_params.get("securityStatus", "").lower() in {"1", "true"}:
            security["securityRepoStatus"] = await run_in_threadpool(self.scans.status, commit)
        return JSONResponse(
            {
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
                "tags": [str(tag) for tag in tags],
                "pipeline_tag": card.get("pipeline_tag"),
                "library_name": card.get("library_name"),
                "cardData": card or None,
                "siblings": [_sibling(path, file) for path, file in commit.files.items()],
            }
        )

    def _card_data(self, commit: Commit) -> dict[str, Any]:
        """The card's metadata as JSON values (empty without a readable README.md)."""
        card = commit.files.get(CARD_FILE)
        if card is None or card.size > MAX_CARD_BYTES:
            return {}
        text = self.store.blobs.path(card.sha256).read_bytes().decode("utf-8", "replace")
        return json.loads(json.dumps(parse_front_matter(text).metadata, default=str))

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
        tag = (await _json_body(request)).get("tag")
        if not isinstance(tag, str):
            raise bad_request("send the tag as {'tag': NAME}")
        revision = request.path_params["revision"]
        await run_in_threadpool(self.store.tag, info.repo_id, tag, revision)
        return JSONResponse({})

    # --- uploads -------------------------------------------------------------------------------

    async def preupload(self, request: Request) -> Response:
        """``POST /api/models/{repo}/preupload/{rev}``: ``regular`` or ``lfs`` for each file."""
        info = self._writable(request)
        commit = self.store.resolve(info.repo_id, request.path_params["revision"])
        files = (await _json_body(request)).get("files")
        if not isinstance(files, list):
            raise bad_request("send the files as {'files': [{path, size, sample}, ...]}")
        return JSONResponse({"files": [self._upload_mode(commit, file) for file in files]})

    def _upload_mode(self, commit: Commit, file: Any) -> dict[str, Any]:
        if not isinstance(file, dict) or not isinstance(file.get("size"), int):
            raise bad_request("each file needs a 'path' and a 'size'")
        path = checked_path(str(file.get("path", "")))
        threshold = self._lfs_threshold
        lfs = threshold is not None and file["size"] > threshold
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
        answer = batch_answer(
            await _json_body(request), self.store.blobs, self._tickets, _base_url(request)
        )
        return JSONResponse(answer, media_type="application/vnd.git-lfs+json")

    async def lfs_upload(self, request: Request) -> Response:
        """``PUT /api/lfs/upload/{oid}/{size}?expires&signature``: one LFS object's bytes."""
        oid, size = request.path_params["oid"], request.path_params["size"]
        params = request.query_params
        self._tickets.check(oid, size, params.get("expires", ""), params.get("signature", ""))
        writer = BlobWriter(self.store.blobs)
        try:
            async for chunk in request.stream():
                writer.write(chunk)
                if writer.size > size:
                    raise bad_request(f"the upload is larger than the announced {size} bytes")
            await run_in_threadpool(writer.finish, oid, size)
        finally:
            writer.discard()
        return Response(status_code=200)

    async def commit(self, request: Request) -> Response:
        """``POST /api/models/{repo}/commit/{rev}``: an NDJSON commit, inline or LFS files."""
        info = self._writable(request)
        if request.query_params.get("create_pr", "").lower() in ("1", "true"):
            raise bad_request("this server has no pull requests: commit to the branch")
        header, operations = await self._read_commit(request, info.repo_id)
        parent = header.get("parentCommit")
        if parent is not None and not (isinstance(parent, str) and COMMIT_OID.fullmatch(parent)):
            raise bad_request("parentCommit must be a 40-character commit id")
        commit = await run_in_threadpool(
            lambda: self.store.commit(
                info.repo_id,
                request.path_params["revision"],
                operations,
                summary=str(header.get("summary") or "Upload files"),
                description=str(header.get("description") or ""),
                parent=parent,
            )
        )
        url = f"{_base_url(request)}/{info.repo_id}/commit/{commit.oid}"
        return JSONResponse({"commitUrl": url, "commitOid": commit.oid, "pullRequestUrl": None})

    async def _read_commit(
        self, request: Request, repo_id: str
    ) -> tuple[dict[str, Any], list[Operation]]:
        """The header and operations of an NDJSON commit; inline files are stored as they come."""
        header: dict[str, Any] | None = None
        operations: list[Operation] = []
        async for item in _ndjson_lines(request):
            key, value = item.get("key"), item["value"]
            if header is None:
                if key != "header":
                    raise bad_request("a commit starts with its header line")
                header = value
                continue
            operations.append(await self._operation(repo_id, key, value))
        if header is None:
            raise bad_request("the commit is empty: it needs a header line")
        return header, operations

    async def _operation(self, repo_id: str, key: Any, value: dict[str, Any]) -> Operation:
        path = str(value.get("path", ""))
        path = checked_path(path.rstrip("/") if key == "deletedFolder" else path)
        if key == "file":
            return AddFile(path, await self._inline_file(path, value))
        if key == "lfsFile":
            oid, size = value.get("oid"), value.get("size")
            valid = isinstance(oid, str) and SHA256.fullmatch(oid) and isinstance(size, int)
            if not (valid and value.get("algo", "sha256") == "sha256"):
                raise bad_request(f"lfsFile {path!r} needs a sha256 'oid' and a 'size'")
            if not self.store.blobs.has(oid, size):
                raise bad_request(f"lfsFile {path!r}: its content was not uploaded first")
            return AddFile(path, StoredFile.large(oid, size))
        if key == "deletedFile":
            return DeleteFile(path)
        if key == "deletedFolder":
            return DeleteFolder(path)
        raise bad_request(f"unknown commit operation {key!r}")

    async def _inline_file(self, path: str, value: dict[str, Any]) -> StoredFile:
        """Decode and store a file sent inline; a card with invalid metadata is refused."""
        if value.get("encoding", "base64") != "base64":
            raise bad_request(f"file {path!r}: only base64 content is accepted")
        try:
            data = base64.b64decode(str(value.get("content", "")), validate=True)
        except binascii.Error as error:
            raise bad_request(f"file {path!r}: the content is not valid base64") from error
        if path == CARD_FILE:
            errors = card_errors(data.decode("utf-8", "replace"))
            if errors:
                raise bad_request(f"{CARD_FILE}: " + "; ".join(p.message for p in errors))
        sha256 = await run_in_threadpool(self.store.blobs.put, data)
        return StoredFile.regular(data, sha256)

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
    root: Path, *, tokens: frozenset[str] = frozenset(), lfs_threshold: int | None = None
) -> Starlette:
    """The server's ASGI application over the repositories stored under ``root``.

    ``tokens`` are the bearer tokens that may write (none: the server is read-only).
    ``lfs_threshold``: files larger than this many bytes are asked for through LFS, which
    only clients with Xet disabled (``HF_HUB_DISABLE_XET=1``) can send; by default every file
    comes inline, which every client can send.

    Example:
        >>> app = create_app(Path("/srv/modelshare"), tokens=frozenset({"s3cret"}))
    """
    server = HubServer(RepoStore(root), tokens, lfs_threshold)
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
    return Starlette(routes=routes, exception_handlers={HubError: _error_response})
