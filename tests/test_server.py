"""A lab runs `modelshare serve` and uses it through huggingface_hub as if it were the Hub.

The server runs as a real process on a free loopback port; clients run in their own
processes with HF_ENDPOINT pointing at it and a private HF_HOME, so no real login is used.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest

LFS_THRESHOLD = 10_000_000


@dataclass(frozen=True)
class Server:
    """A running `modelshare serve` process and how to reach it."""

    url: str
    root: Path
    token: str
    log: Path

    def client_env(self, home: Path, **extra: str) -> dict[str, str]:
        """The environment of a huggingface_hub client pointed at this server."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
        return {
            **env,
            "HF_ENDPOINT": self.url,
            "HF_HOME": str(home),
            "HF_TOKEN": self.token,
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            **extra,
        }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_answering(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited: {log.read_text()}")
        try:
            urllib.request.urlopen(f"{url}/api/models/probe/probe", timeout=1)
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail("the server did not answer within 30 s")


@contextmanager
def running_server(folder: Path, *options: str) -> Iterator[Server]:
    """Start `python -m modelshare serve` on a free loopback port; stop it afterwards."""
    token = f"hf_test_{secrets.token_hex(16)}"
    (folder / "tokens").write_text(f"# who may write\n{token}\n")
    port = free_port()
    log = folder / "server.log"
    command = [sys.executable, "-m", "modelshare", "serve", "--port", str(port)]
    command += ["--root", str(folder / "root"), "--token-file", str(folder / "tokens"), *options]
    with open(log, "wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(url, process, log)
        yield Server(url, folder / "root", token, log)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(
        tmp_path_factory.mktemp("server"), "--lfs-threshold", str(LFS_THRESHOLD)
    ) as s:
        yield s


def run_client(server: Server, tmp_path: Path, code: str, **env: str) -> dict:
    """Run a user's huggingface_hub script in its own process; it prints one JSON line."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=tmp_path,
        env=server.client_env(tmp_path / "hf-home", **env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def request(
    server: Server,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Message, bytes]:
    """One raw HTTP request to the server: status, headers (any case), body."""
    sent = {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}
    call = urllib.request.Request(server.url + path, data=body, method=method, headers=sent)
    try:
        with urllib.request.urlopen(call, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def create_repo(server: Server, repo_id: str, *, private: bool = False) -> None:
    organization, name = repo_id.split("/")
    payload = {"organization": organization, "name": name, "private": private}
    status, _, _ = request(
        server, "POST", "/api/repos/create", body=json.dumps(payload).encode(), token=server.token
    )
    assert status in (200, 409)


def commit(
    server: Server,
    repo_id: str,
    files: dict[str, bytes],
    token: str | None,
    parent: str | None = None,
) -> int:
    """Commit files inline, as huggingface_hub does; returns the HTTP status."""
    header = {"summary": "add files", "description": ""}
    if parent is not None:
        header["parentCommit"] = parent
    lines = [{"key": "header", "value": header}]
    lines += [
        {
            "key": "file",
            "value": {"path": p, "content": base64.b64encode(c).decode(), "encoding": "base64"},
        }
        for p, c in files.items()
    ]
    body = "\n".join(json.dumps(line) for line in lines).encode()
    headers = {"Content-Type": "application/x-ndjson"}
    path = f"/api/models/{repo_id}/commit/main"
    return request(server, "POST", path, body=body, token=token, headers=headers)[0]


def test_the_huggingface_hub_client_works_against_the_server(
    server: Server, tmp_path: Path
) -> None:
    found = run_client(
        server,
        tmp_path,
        """
        import json, pathlib
        from huggingface_hub import HfApi, ModelCard, hf_hub_download, snapshot_download

        api = HfApi()
        api.create_repo("lab/demo")
        api.create_repo("lab/demo", exist_ok=True)
        folder = pathlib.Path("demo")
        (folder / "weights").mkdir(parents=True)
        (folder / "README.md").write_text("---\\nlicense: mit\\ntags: [demo]\\n---\\n# Demo\\n")
        (folder / "config.json").write_text('{"hidden_size": 4}')
        (folder / "weights" / "part.bin").write_bytes(bytes(range(256)) * 40)
        first = api.upload_folder(repo_id="lab/demo", folder_path=folder)
        api.create_tag("lab/demo", tag="1.0.0", revision=first.oid)
        (folder / "config.json").write_text('{"hidden_size": 8}')
        api.upload_folder(repo_id="lab/demo", folder_path=folder)

        info = api.model_info("lab/demo")
        [main] = api.list_repo_refs("lab/demo").branches
        snapshot = pathlib.Path(snapshot_download("lab/demo", local_dir="snapshot"))
        tagged = pathlib.Path(hf_hub_download("lab/demo", "config.json", revision="1.0.0"))
        ModelCard("---\\nlicense: apache-2.0\\n---\\n# Demo, described\\n").push_to_hub("lab/demo")
        print(json.dumps({
            "id": info.id,
            "sha_is_main": info.sha == main.target_commit,
            "siblings": sorted(s.rfilename for s in info.siblings),
            "tags": info.tags,
            "snapshot": sorted(
                p.relative_to(snapshot).as_posix() for p in snapshot.rglob("*")
                if p.is_file() and ".cache" not in p.parts
            ),
            "part_intact": (snapshot / "weights/part.bin").read_bytes() == bytes(range(256)) * 40,
            "config_at_tag": tagged.read_text(),
            "license_now": api.model_info("lab/demo").card_data.license,
        }))
        """,
    )

    assert found["id"] == "lab/demo" and found["sha_is_main"]
    assert found["siblings"] == ["README.md", "config.json", "weights/part.bin"]
    assert found["tags"] == ["demo"]
    assert found["snapshot"] == found["siblings"] and found["part_intact"]
    assert found["config_at_tag"] == '{"hidden_size": 4}'
    assert found["license_now"] == "apache-2.0"


def test_a_large_file_goes_through_lfs_when_xet_is_disabled(server: Server, tmp_path: Path) -> None:
    found = run_client(
        server,
        tmp_path,
        f"""
        import hashlib, json, os, pathlib
        from huggingface_hub import HfApi, hf_hub_download

        api = HfApi()
        api.create_repo("lab/large")
        folder = pathlib.Path("large")
        folder.mkdir()
        content = os.urandom({LFS_THRESHOLD + 1_000_000})
        (folder / "model.safetensors").write_bytes(content)
        (folder / "config.json").write_text("{{}}")
        api.upload_folder(repo_id="lab/large", folder_path=folder)
        siblings = {{s.rfilename: s.lfs for s in api.model_info("lab/large").siblings}}
        downloaded = pathlib.Path(hf_hub_download("lab/large", "model.safetensors"))
        print(json.dumps({{
            "lfs": siblings["model.safetensors"].sha256 if siblings["model.safetensors"] else None,
            "config_lfs": siblings["config.json"] is not None,
            "sha256": hashlib.sha256(content).hexdigest(),
            "intact": downloaded.read_bytes() == content,
        }}))
        """,
        HF_HUB_DISABLE_XET="1",
    )

    assert found["lfs"] == found["sha256"]
    assert not found["config_lfs"]
    assert found["intact"]
    log = server.log.read_text()
    assert "/lab/large.git/info/lfs/objects/batch" in log
    assert f'"PUT /api/lfs/upload/{found["sha256"]}/' in log


def test_writes_need_a_token_from_the_token_file(server: Server) -> None:
    create_repo(server, "lab/guarded")
    payload = json.dumps({"organization": "lab", "name": "other"}).encode()

    assert request(server, "POST", "/api/repos/create", body=payload)[0] == 401
    assert commit(server, "lab/guarded", {"a.txt": b"a"}, token=None) == 401
    status, headers, _ = request(
        server, "POST", "/api/repos/create", body=payload, token="hf_not_a_token"
    )
    assert status == 401
    assert headers["X-Error-Message"] == "Invalid credentials in Authorization header"
    assert commit(server, "lab/guarded", {"a.txt": b"a"}, token=server.token) == 200


@pytest.mark.parametrize(
    "path", ["../escape.txt", "weights/../../escape.txt", "/etc/passwd", "a\\b.txt", "a\x00.txt"]
)
def test_a_commit_path_leaving_the_repository_is_refused(server: Server, path: str) -> None:
    create_repo(server, "lab/paths")

    assert commit(server, "lab/paths", {path: b"x"}, server.token) == 400
    status, _, listing = request(server, "GET", "/api/models/lab/paths/tree/main?recursive=1")
    assert (status, json.loads(listing)) == (200, [])


def test_a_private_repository_is_hidden_without_a_token(server: Server) -> None:
    create_repo(server, "lab/private", private=True)
    assert commit(server, "lab/private", {"secret.txt": b"data"}, server.token) == 200

    for path in ["/api/models/lab/private", "/lab/private/resolve/main/secret.txt"]:
        status, headers, _ = request(server, "GET", path)
        assert (status, headers.get("X-Error-Code")) == (404, "RepoNotFound")
        assert request(server, "GET", path, token=server.token)[0] == 200
    assert (
        request(server, "GET", "/lab/private/resolve/main/secret.txt", token="hf_guess")[0] == 401
    )


def test_a_card_with_an_invalid_license_is_refused_naming_the_key(
    server: Server, tmp_path: Path
) -> None:
    card = "---\nlicense: not-a-license\n---\n# Model\n"
    status, _, body = request(
        server, "POST", "/api/validate-yaml", body=json.dumps({"content": card}).encode()
    )
    assert status == 400
    [error] = json.loads(body)["errors"]
    assert error["key"] == "license" and "not-a-license" in error["message"]

    refused = run_client(
        server,
        tmp_path,
        """
        import json
        from huggingface_hub import HfApi, ModelCard
        HfApi().create_repo("lab/carded")
        try:
            ModelCard("---\\nlicense: not-a-license\\n---\\n# Model\\n").push_to_hub("lab/carded")
            print(json.dumps({"refused": ""}))
        except ValueError as error:
            print(json.dumps({"refused": str(error)}))
        """,
    )
    assert "license 'not-a-license' is not a license id" in refused["refused"]
    assert commit(server, "lab/carded", {"README.md": card.encode()}, server.token) == 400


def head_of(server: Server, repo_id: str) -> str:
    _, _, body = request(server, "GET", f"/api/models/{repo_id}")
    return json.loads(body)["sha"]


def test_history_is_never_rewritten(server: Server) -> None:
    create_repo(server, "lab/history")
    first = head_of(server, "lab/history")
    assert commit(server, "lab/history", {"a.txt": b"1"}, server.token, parent=first) == 200
    second = head_of(server, "lab/history")

    stale = commit(server, "lab/history", {"a.txt": b"2"}, server.token, parent=first)
    assert stale == 412
    tag = json.dumps({"tag": "1.0.0"}).encode()
    path = "/api/models/lab/history/tag/main"
    assert request(server, "POST", path, body=tag, token=server.token)[0] == 200
    assert request(server, "POST", path, body=tag, token=server.token)[0] == 409
    assert head_of(server, "lab/history") == second
    _, _, content = request(server, "GET", "/lab/history/resolve/1.0.0/a.txt")
    assert content == b"1"


def test_downloads_carry_the_hub_headers_and_errors_their_codes(server: Server) -> None:
    create_repo(server, "lab/files")
    content = b"0123456789" * 100
    assert commit(server, "lab/files", {"data/numbers.txt": content}, server.token) == 200

    status, headers, _ = request(server, "HEAD", "/lab/files/resolve/main/data/numbers.txt")
    assert status == 200 and headers["Content-Length"] == "1000"
    assert len(headers["X-Repo-Commit"]) == 40 and headers["ETag"].strip('"')
    status, headers, part = request(
        server, "GET", "/lab/files/resolve/main/data/numbers.txt", headers={"Range": "bytes=10-19"}
    )
    assert (status, part) == (206, content[10:20])

    missing = {
        "/lab/files/resolve/main/nothing.txt": "EntryNotFound",
        "/lab/files/resolve/no-such-tag/data/numbers.txt": "RevisionNotFound",
        "/lab/nothing/resolve/main/data/numbers.txt": "RepoNotFound",
    }
    for path, code in missing.items():
        status, headers, _ = request(server, "GET", path)
        assert (status, headers.get("X-Error-Code")) == (404, code), path


def test_a_long_tree_listing_is_paginated(server: Server) -> None:
    create_repo(server, "lab/many")
    files = {f"images/plot_{i:02d}.png": bytes([i]) for i in range(5)}
    assert commit(server, "lab/many", files, server.token) == 200

    listed, page = [], "/api/models/lab/many/tree/main?recursive=true&limit=2"
    while page:
        status, headers, body = request(server, "GET", page)
        assert status == 200
        listed += [entry["path"] for entry in json.loads(body)]
        link = headers.get("Link", "")
        page = link[1 : link.index(">")].removeprefix(server.url) if link else ""

    assert listed == sorted([*files, "images"])


def test_the_seed_pytorch_model_is_pushed_and_loaded_back(server: Server, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    found = run_client(
        server,
        tmp_path,
        """
        import json, torch
        from tests.seed.hub_model import MyModel

        model = MyModel(config={"num_channels": 3, "hidden_size": 4, "num_classes": 2})
        model.push_to_hub("lab/my-model")
        loaded = MyModel.from_pretrained("lab/my-model")
        x = torch.rand(3, 4)
        print(json.dumps({
            "config": loaded.config,
            "same_output": torch.equal(loaded(x), model(x)),
        }))
        """,
        PYTHONPATH=str(Path(__file__).parents[1]),
    )

    assert found["config"] == {"num_channels": 3, "hidden_size": 4, "num_classes": 2}
    assert found["same_output"]


def test_a_transformers_model_and_tokenizer_are_pushed_and_loaded_back(
    server: Server, tmp_path: Path
) -> None:
    pytest.importorskip("transformers")
    found = run_client(
        server,
        tmp_path,
        """
        import json, pathlib, torch
        from transformers import (
            AutoModelForSequenceClassification, AutoTokenizer, BertConfig,
            BertForSequenceClassification, BertTokenizerFast,
        )

        words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "bill", "flipper", "long"]
        pathlib.Path("vocab.txt").write_text("\\n".join(words) + "\\n")
        tokenizer = BertTokenizerFast(vocab_file="vocab.txt")
        config = BertConfig(vocab_size=len(words), hidden_size=8, num_hidden_layers=1,
                            num_attention_heads=2, intermediate_size=16, num_labels=3)
        model = BertForSequenceClassification(config).eval()
        model.push_to_hub("lab/tiny-bert")
        tokenizer.push_to_hub("lab/tiny-bert")

        loaded = AutoModelForSequenceClassification.from_pretrained("lab/tiny-bert").eval()
        loaded_tokenizer = AutoTokenizer.from_pretrained("lab/tiny-bert")
        text = "long flipper, long bill"
        inputs = loaded_tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            same = torch.allclose(loaded(**inputs).logits, model(**inputs).logits)
        print(json.dumps({
            "same_tokens": inputs["input_ids"].tolist() == [tokenizer(text)["input_ids"]],
            "same_logits": same,
            "labels": loaded.config.num_labels,
        }))
        """,
    )

    assert found == {"same_tokens": True, "same_logits": True, "labels": 3}
