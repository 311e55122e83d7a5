"""Hostile input: `modelshare serve` stays up, answers everyone else on time, and says one line.

A visitor (or a careless writer) sends what no client sends: bodies of hundreds of megabytes,
YAML with tens of thousands of keys, JSON nested a hundred thousand levels deep, numbers where
names belong. The server refuses each with a 4xx naming the problem, before reading more than
its limit, and keeps answering normal requests meanwhile. Every case runs against a real
`modelshare serve` process on a loopback port, through the helpers of tests/test_server.py.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import json
import random
import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from email.message import Message
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.test_server import Server, commit, create_repo, request, running_server

MIB = 1024 * 1024
JSON_LIMIT = MIB
"""What every JSON endpoint reads at most (docs/hub-server.md, "Limits")."""
METADATA_MARKS = 20_000
"""The most YAML indicators (``: , - ? [ {``) the metadata of a card may hold."""
HUGE = 48 * MIB
"""A body far over every default JSON limit, and more than loopback buffers absorb."""
REPO = "lab/limits"
LFS_BATCH = f"/{REPO}.git/info/lfs/objects/batch"
JSON_ENDPOINTS = [
    "/api/repos/create",
    "/api/validate-yaml",
    f"/api/models/{REPO}/tag/main",
    f"/api/models/{REPO}/preupload/main",
    LFS_BATCH,
]
COMMIT = f"/api/models/{REPO}/commit/main"
NDJSON = {"Content-Type": "application/x-ndjson"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("limits")) as running:
        create_repo(running, REPO)
        yield running


@pytest.fixture()
def small_server(tmp_path: Path) -> Iterator[Server]:
    """A fresh server with small commit and LFS limits, nothing received yet."""
    options = ("--max-commit-bytes", "200000", "--max-lfs-bytes", "100000")
    with running_server(tmp_path, *options) as running:
        create_repo(running, REPO)
        yield running


# --- talking to the server ---------------------------------------------------------------------


def exchange(
    server: Server,
    path: str,
    chunks: Iterable[bytes],
    *,
    length: int | None,
    token: str | None = None,
    method: str = "POST",
) -> tuple[int, Message, bytes, int]:
    """Send a request whose body streams from ``chunks`` (chunked when ``length`` is None) and
    read the answer while still sending: status, headers, body, and the body bytes the server
    let in before it closed the connection."""
    host, port = server.url.removeprefix("http://").split(":")
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Content-Type: application/json"]
    head.append(f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked")
    if token:
        head.append(f"Authorization: Bearer {token}")
    connection = socket.create_connection((host, int(port)), timeout=20)
    connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    sent = [0]

    def send() -> None:
        try:
            for chunk in chunks:
                framed = chunk if length is not None else b"%x\r\n%s\r\n" % (len(chunk), chunk)
                connection.sendall(framed)
                sent[0] += len(chunk)
            if length is None:
                connection.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed: the rest is not wanted

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    answer = http.client.HTTPResponse(connection, method=method)
    try:
        answer.begin()
        body = answer.read()
        sender.join(timeout=20)
    finally:
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)  # wakes the sender if it is still blocked
        connection.close()
        sender.join(timeout=20)
    return answer.status, answer.headers, body, sent[0]


def zeros(total: int, chunk: int = MIB) -> Iterator[bytes]:
    """``total`` bytes of spaces in chunks: valid JSON whitespace, so only the size can offend."""
    for start in range(0, total, chunk):
        yield b" " * min(chunk, total - start)


def trickle(total: int, chunk: int = 256 * 1024) -> Iterator[bytes]:
    """``total`` bytes of spaces sent slowly, as a slow client uploads a huge body."""
    for start in range(0, total, chunk):
        yield b" " * min(chunk, total - start)
        time.sleep(0.005)


def post_json(server: Server, path: str, value: Any, token: str | None) -> tuple[int, Message, Any]:
    status, headers, body = request(
        server, "POST", path, body=json.dumps(value).encode(), token=token
    )
    return status, headers, json.loads(body) if body else None


def one_line_error(headers: Message, body: bytes | Any) -> str:
    """The Hub-style error of an answer: one line in X-Error-Message, the same in the body."""
    message = headers.get("X-Error-Message", "")
    assert message and "\n" not in message, f"no one-line X-Error-Message: {body!r}"
    return message


def many_keys_card(keys: int) -> str:
    """A card whose metadata block holds ``keys`` keys, as short as they come."""
    return "---\n" + "".join(f"k{i}: v\n" for i in range(keys)) + "---\n# Model\n"


def ndjson(*lines: Any) -> bytes:
    return "\n".join(json.dumps(line) for line in lines).encode()


def inline(path: str, content: bytes) -> dict[str, Any]:
    encoded = base64.b64encode(content).decode()
    return {"key": "file", "value": {"path": path, "content": encoded, "encoding": "base64"}}


HEADER = {"key": "header", "value": {"summary": "add", "description": ""}}


def seconds(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def median_get(server: Server, path: str, count: int) -> float:
    return statistics.median(seconds(lambda: request(server, "GET", path)) for _ in range(count))


def server_pid(server: Server) -> int:
    """The process id of the `modelshare serve` behind ``server``, found by its port."""
    port = server.url.rsplit(":", 1)[1].encode()
    for entry in Path("/proc").iterdir():
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in arguments and port in arguments:
            return int(entry.name)
    pytest.skip("the server process cannot be found in /proc")


def peak_memory(pid: int) -> int:
    """The most resident memory the process has used so far, in bytes (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    pytest.skip("this system reports no VmHWM")


def upload_through_lfs(server: Server, content: bytes) -> str:
    """Store ``content`` through the LFS batch API and the signed PUT link; its sha256."""
    oid = hashlib.sha256(content).hexdigest()
    batch = {"operation": "upload", "objects": [{"oid": oid, "size": len(content)}]}
    status, _, answer = post_json(server, LFS_BATCH, batch, server.token)
    assert status == 200, answer
    actions = answer["objects"][0].get("actions")
    if actions:
        href = actions["upload"]["href"].removeprefix(server.url)
        assert request(server, "PUT", href, body=content)[0] == 200
    return oid


# --- 1. sizes: refused at the limit, before the body is read -----------------------------------


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
def test_a_json_body_over_the_limit_is_refused_before_it_is_read(server: Server, path: str) -> None:
    status, headers, body, sent = exchange(
        server, path, zeros(HUGE), length=HUGE, token=server.token
    )

    assert status == 413
    assert "bytes" in one_line_error(headers, body)
    assert json.loads(body)["error"] == headers["X-Error-Message"]
    assert sent < HUGE, "the server read the whole body before refusing it"


def test_a_chunked_body_is_counted_as_it_streams(server: Server) -> None:
    status, headers, body, sent = exchange(
        server, "/api/validate-yaml", zeros(HUGE, 64 * 1024), length=None, token=server.token
    )

    assert status == 413
    one_line_error(headers, body)
    assert sent < HUGE


def test_the_body_of_a_refused_request_is_not_received(server: Server) -> None:
    status, headers, body, sent = exchange(server, "/api/repos/create", zeros(HUGE), length=HUGE)

    assert status == 401
    one_line_error(headers, body)
    assert sent < HUGE, "the server kept receiving a body it had refused"


def test_commit_and_lfs_limits_are_configurable_and_memory_stays_flat(
    small_server: Server,
) -> None:
    pid = server_pid(small_server)
    before = peak_memory(pid)
    for path in ("/api/validate-yaml", COMMIT):
        status, headers, body, _ = exchange(
            small_server, path, zeros(HUGE), length=HUGE, token=small_server.token
        )
        assert status == 413, body
    grown = peak_memory(pid) - before

    too_big = ndjson(HEADER, inline("weights.bin", bytes(300_000)))
    status, headers, body = request(
        small_server, "POST", COMMIT, body=too_big, token=small_server.token, headers=NDJSON
    )
    assert status == 413 and "--max-commit-bytes" in one_line_error(headers, body)
    assert commit(small_server, REPO, {"weights.bin": bytes(100_000)}, small_server.token) == 200
    batch = {"operation": "upload", "objects": [{"oid": "ab" * 32, "size": 100_001}]}
    status, headers, body = post_json(small_server, LFS_BATCH, batch, small_server.token)
    assert status == 413 and "--max-lfs-bytes" in one_line_error(headers, body)
    assert grown < 16 * MIB, f"the server's memory grew by {grown / MIB:.0f} MiB"


def test_an_lfs_upload_longer_than_announced_is_refused_at_once(server: Server) -> None:
    oid = hashlib.sha256(b"abc").hexdigest()
    batch = {"operation": "upload", "objects": [{"oid": oid, "size": 3}]}
    _, _, answer = post_json(server, LFS_BATCH, batch, server.token)
    href = answer["objects"][0]["actions"]["upload"]["href"].removeprefix(server.url)

    status, headers, body, sent = exchange(server, href, zeros(HUGE), length=HUGE, method="PUT")

    assert status == 413 and "3 bytes" in one_line_error(headers, body)
    assert sent < HUGE


# --- 2. CPU: YAML is bounded, off the event loop, and rate-limited for visitors ----------------


def test_metadata_over_the_budget_is_refused_without_parsing_it(server: Server) -> None:
    card = many_keys_card(50_000)
    assert len(json.dumps({"content": card})) < JSON_LIMIT

    status, _, answer = post_json(server, "/api/validate-yaml", {"content": card}, server.token)

    assert status == 400
    [error] = answer["errors"]
    assert error["key"] == "metadata" and f"{METADATA_MARKS:,}" in error["message"]


def test_anonymous_yaml_validation_is_rate_limited_per_address(server: Server) -> None:
    card = {"content": "---\nlicense: mit\n---\n"}
    statuses = [post_json(server, "/api/validate-yaml", card, None)[0] for _ in range(40)]

    assert set(statuses) == {200, 429}, statuses
    status, headers, _ = request(
        server, "POST", "/api/validate-yaml", body=json.dumps(card).encode()
    )
    assert status == 429 and int(headers["Retry-After"]) >= 1
    one_line_error(headers, b"")
    assert post_json(server, "/api/validate-yaml", card, server.token)[0] == 200


def test_normal_requests_stay_fast_while_hostile_ones_are_in_flight(server: Server) -> None:
    path = f"/api/models/{REPO}"
    unloaded = median_get(server, path, 20)
    heaviest_card = json.dumps({"content": many_keys_card(METADATA_MARKS - 10)}).encode()
    over_budget = json.dumps({"content": many_keys_card(50_000)}).encode()
    stop = threading.Event()

    def keep_sending(send: Callable[[], object]) -> None:
        while not stop.is_set():
            send()

    validate = partial(request, server, "POST", "/api/validate-yaml", token=server.token)
    upload = partial(exchange, server, token=server.token)
    senders = [
        partial(validate, body=heaviest_card),
        partial(validate, body=heaviest_card),
        partial(validate, body=over_budget),
        lambda: upload("/api/repos/create", trickle(HUGE), length=HUGE),
        lambda: upload(LFS_BATCH, trickle(HUGE), length=None),
    ]
    threads = [threading.Thread(target=keep_sending, args=(s,), daemon=True) for s in senders]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    loaded: list[float] = []
    deadline = time.monotonic() + 10
    try:
        while len(loaded) < 20 and time.monotonic() < deadline:
            loaded.append(seconds(lambda: request(server, "GET", path)))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    assert len(loaded) == 20, f"only {len(loaded)} GETs were answered in 10 s"
    median = statistics.median(loaded)
    assert median <= 5 * unloaded + 0.01, f"GET took {median:.3f}s under load, {unloaded:.3f}s idle"
    assert request(server, "GET", path)[0] == 200


# --- 3. a card is parsed once, at commit time --------------------------------------------------


def test_a_card_over_the_budget_is_refused_at_commit(server: Server) -> None:
    create_repo(server, "lab/big-card")
    card = many_keys_card(50_000).encode()

    status, headers, body = request(
        server,
        "POST",
        "/api/models/lab/big-card/commit/main",
        body=ndjson(HEADER, inline("README.md", card)),
        token=server.token,
        headers=NDJSON,
    )

    assert status == 400 and "README.md" in one_line_error(headers, body)


def test_model_info_stays_cheap_whatever_the_card(server: Server) -> None:
    for repo in ("lab/no-card", "lab/lfs-card", "lab/wide-card"):
        create_repo(server, repo)
    huge = many_keys_card(50_000).encode()
    oid = upload_through_lfs(server, huge)
    card = {"path": "README.md", "algo": "sha256", "oid": oid, "size": len(huge)}
    lines = ndjson(HEADER, {"key": "lfsFile", "value": card})
    path = "/api/models/lab/lfs-card/commit/main"
    assert request(server, "POST", path, body=lines, token=server.token, headers=NDJSON)[0] == 200
    wide = many_keys_card(5_000).encode()
    assert commit(server, "lab/wide-card", {"README.md": wide}, server.token) == 200

    plain = median_get(server, "/api/models/lab/no-card", 5)
    for repo in ("lab/lfs-card", "lab/wide-card"):
        assert median_get(server, f"/api/models/{repo}", 5) <= 5 * plain + 0.01, repo
    _, _, info = request(server, "GET", "/api/models/lab/wide-card")
    assert len(json.loads(info)["cardData"]) == 5_000
    _, _, info = request(server, "GET", "/api/models/lab/lfs-card")
    assert json.loads(info)["cardData"] is None


def test_card_values_json_cannot_hold_are_served_as_text(server: Server) -> None:
    create_repo(server, "lab/odd-card")
    card = b"---\nlicense: mit\naccuracy: .nan\n2020-01-01: a date as a key\n---\n# Model\n"
    assert commit(server, "lab/odd-card", {"README.md": card}, server.token) == 200

    status, _, info = request(server, "GET", "/api/models/lab/odd-card")

    assert status == 200
    assert json.loads(info)["cardData"] == {"license": "mit", "accuracy": "NaN"}


# --- 4. typed bodies: the first problem, in one line, never a 500 -----------------------------


@pytest.mark.parametrize("path", [*JSON_ENDPOINTS, COMMIT])
def test_deeply_nested_json_is_a_400(server: Server, path: str) -> None:
    status, headers, body = request(server, "POST", path, body=b"[" * 100_000, token=server.token)

    assert status == 400
    one_line_error(headers, body)


WRONG_BODIES = [
    ("/api/repos/create", {"organization": 123, "name": None}),
    ("/api/repos/create", {"organization": "lab", "name": ["x"]}),
    ("/api/repos/create", {"organization": "lab", "name": "x", "private": "yes"}),
    ("/api/repos/create", [1, 2]),
    ("/api/validate-yaml", {"content": 5}),
    (f"/api/models/{REPO}/tag/main", {"tag": None}),
    (f"/api/models/{REPO}/preupload/main", {"files": [{"path": "a.txt", "size": -1}]}),
    (f"/api/models/{REPO}/preupload/main", {"files": [{"path": 5, "size": 1}]}),
    (f"/api/models/{REPO}/preupload/main", {"files": {"path": "a.txt"}}),
    (LFS_BATCH, {"operation": "upload", "objects": "all"}),
    (LFS_BATCH, {"operation": "upload", "objects": [{"size": -1}]}),
]


@pytest.mark.parametrize(("path", "value"), WRONG_BODIES)
def test_a_body_of_the_wrong_shape_is_a_400(server: Server, path: str, value: Any) -> None:
    status, headers, answer = post_json(server, path, value, server.token)

    assert status == 400, answer
    one_line_error(headers, answer)


def test_names_of_the_wrong_type_create_no_repository(server: Server) -> None:
    value = {"organization": 123, "name": None}

    assert post_json(server, "/api/repos/create", value, server.token)[0] == 400
    assert request(server, "GET", "/api/models/123/None")[0] == 404


WRONG_COMMITS = [
    [{"key": "header", "value": ["summary"]}],
    [{"key": "header", "value": {"summary": 5}}],
    [HEADER, {"key": "file", "value": {"path": "a.txt", "content": 5}}],
    [HEADER, {"key": "lfsFile", "value": {"path": "a.bin", "oid": "ab" * 32, "size": -1}}],
    [HEADER, {"key": "copyFile", "value": {"path": "a.txt"}}],
    [HEADER, {"key": "deletedFile", "value": {}}],
    [HEADER, {"key": "x" * 100_000, "value": {}}],
]


@pytest.mark.parametrize("lines", WRONG_COMMITS)
def test_a_commit_line_of_the_wrong_shape_is_a_400(
    server: Server, lines: list[dict[str, Any]]
) -> None:
    status, headers, body = request(
        server, "POST", COMMIT, body=ndjson(*lines), token=server.token, headers=NDJSON
    )

    assert status == 400, body
    one_line_error(headers, body)


# --- 5. a seeded fuzz over every JSON endpoint -------------------------------------------------


VALID_BODIES: dict[str, Any] = {
    "/api/repos/create": {"organization": "lab", "name": "fuzzed", "private": False},
    "/api/validate-yaml": {"content": "---\nlicense: mit\ntags: [a]\n---\n# Card\n"},
    f"/api/models/{REPO}/tag/main": {"tag": "fuzzed"},
    f"/api/models/{REPO}/preupload/main": {"files": [{"path": "a.txt", "size": 3, "sample": ""}]},
    LFS_BATCH: {
        "operation": "upload",
        "transfers": ["basic"],
        "objects": [{"oid": "ab" * 32, "size": 3}],
        "hash_algo": "sha256",
    },
}
VALID_COMMIT = [
    {"key": "header", "value": {"summary": "fuzz", "description": "", "parentCommit": None}},
    inline("notes/a.txt", b"abc"),
    {"key": "lfsFile", "value": {"path": "b.bin", "algo": "sha256", "oid": "ab" * 32, "size": 3}},
    {"key": "deletedFile", "value": {"path": "notes/a.txt"}},
]


def random_value(rng: random.Random, depth: int = 0) -> Any:
    """Any JSON value: scalars of every type, and lists and objects a few levels deep."""
    kinds = ["null", "bool", "int", "float", "str"] + (["list", "dict"] if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "list":
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == "dict":
        keys = ["path", "size", "oid", "tag", "files", "objects", "content", "x"]
        return {rng.choice(keys): random_value(rng, depth + 1) for _ in range(rng.randrange(4))}
    scalars = {
        "null": None,
        "bool": rng.random() < 0.5,
        "int": rng.choice([-1, 0, 2**70, -(2**63), rng.randrange(10**6)]),
        "float": rng.choice([0.5, -1e308, 1e308]),
        "str": rng.choice(["", "../x", "a" * 300, "\x00", "lab/x", "ab" * 32]),
    }
    return scalars[kind]


def mutated(value: Any, rng: random.Random) -> Any:
    """``value`` with one randomly chosen part replaced by a random JSON value."""
    if isinstance(value, dict) and value and rng.random() < 0.7:
        key = rng.choice(list(value))
        return {**value, key: mutated(value[key], rng)}
    if isinstance(value, list) and value and rng.random() < 0.7:
        index = rng.randrange(len(value))
        return [*value[:index], mutated(value[index], rng), *value[index + 1 :]]
    return random_value(rng)


def fuzz_bodies(
    value: Any, encode: Callable[[Any], bytes], rng: random.Random, count: int
) -> Iterator[bytes]:
    """Random bytes, random JSON, JSON nested thousands deep, the valid body with a part
    changed, the valid body cut short."""
    valid = encode(value)
    for _ in range(count):
        choice = rng.randrange(5)
        if choice == 0:
            yield rng.randbytes(rng.randrange(200))
        elif choice == 1:
            yield encode(random_value(rng))
        elif choice == 2:
            yield rng.choice([b"[", b'{"a":']) * rng.randrange(1_000, 50_000)
        elif choice == 3:
            yield encode(mutated(value, rng))
        else:
            yield valid[: rng.randrange(len(valid))]


def as_json(value: Any) -> bytes:
    return json.dumps(value).encode()


def as_ndjson(value: Any) -> bytes:
    """A list as one JSON line per item, as a commit is sent; anything else as one line."""
    return ndjson(*value) if isinstance(value, list) else json.dumps(value).encode()


def test_a_seeded_fuzz_never_gets_a_500_and_the_server_stays_up(server: Server) -> None:
    rng = random.Random(20250501)
    targets = [(path, value, as_json, {}) for path, value in VALID_BODIES.items()]
    targets.append((COMMIT, VALID_COMMIT, as_ndjson, NDJSON))
    for path, value, encode, headers in targets:
        for body in fuzz_bodies(value, encode, rng, 40):
            status, answer_headers, answer = request(
                server, "POST", path, body=body, token=server.token, headers=headers
            )
            assert status < 500, (path, body[:200], answer[:200])
            if status in (400, 413):
                one_line_error(answer_headers, answer)

    assert request(server, "GET", f"/api/models/{REPO}")[0] == 200
