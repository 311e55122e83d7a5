"""One release, three ways to name where it is: the local registry (``NAME@VERSION``), the Hub
at HF_ENDPOINT (``hf:ORG/NAME@REV``) and a hub at an address (``http://HOST:PORT/ORG/NAME@REV``).

The Hub is `modelshare serve` on a loopback port; the commands run in the test's process, with
huggingface_hub's settings read again from the environment for each (``run_in_process``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelshare.bundle import Bundle
from modelshare.hubs import LocalRegistry, Reference, hub_for, hub_to_list, publisher_for
from modelshare.hubs.hf import HuggingFaceHub
from tests.helpers import assert_clean_failure, run_in_process
from tests.test_server import Server, free_port, running_server

NAME = "penguin-species"
WHERE_NOT_COMPARED = ("name", "location", "published_at")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("hub")) as running:
        yield running


@pytest.fixture(scope="module")
def user(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A user's environment for the whole module: HF_ENDPOINT at the server with its token,
    a fresh HF_HOME and MODELSHARE_HOME; yields a folder to work in."""
    work = tmp_path_factory.mktemp("user")
    with pytest.MonkeyPatch.context() as patch:
        for variable, value in server.client_env(work / "hf-home").items():
            if variable.startswith("HF_"):
                patch.setenv(variable, value)
        patch.delenv("HF_HUB_OFFLINE", raising=False)
        patch.setenv("MODELSHARE_HOME", str(work / "modelshare-home"))
        yield work


@pytest.fixture(scope="module")
def published(
    server: Server, user: Path, quickstart_bundle: Bundle
) -> dict[str, subprocess.CompletedProcess[str]]:
    """The quick start release published to the local registry, to ``hf:lab/penguins``, to
    the same repository by its address, and to ``http://…/lab`` under its own name."""
    release = Path(shutil.copytree(quickstart_bundle.path, user / NAME))
    return {
        "local": run_in_process("publish", release, "--json"),
        "hf": run_in_process("publish", release, "--to", "hf:lab/penguins", "--json"),
        "http": run_in_process("publish", release, "--to", f"{server.url}/lab/penguins", "--json"),
        "http org": run_in_process("publish", release, "--to", f"{server.url}/lab", "--json"),
    }


def references(server: Server) -> dict[str, str]:
    """The published version, named once through each kind of hub."""
    return {
        "local": f"{NAME}@1.0.0",
        "hf": "hf:lab/penguins@1.0.0",
        "http": f"{server.url}/lab/penguins@1.0.0",
    }


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_a_release_is_published_to_each_kind_of_destination(
    server: Server, published: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    outcomes = {kind: as_json(result) for kind, result in published.items()}

    assert outcomes["local"]["location"].endswith(f"registry/{NAME}/1.0.0")
    assert outcomes["hf"]["location"] == f"{server.url}/lab/penguins/tree/1.0.0"
    assert outcomes["http"]["location"] == outcomes["hf"]["location"]
    assert outcomes["http org"]["location"] == f"{server.url}/lab/{NAME}/tree/1.0.0"
    assert [outcome["created"] for outcome in outcomes.values()] == [True, True, False, True]
    assert {(outcome["name"], outcome["version"]) for outcome in outcomes.values()} == {
        (NAME, "1.0.0")
    }


def test_show_pull_and_list_give_the_same_release_through_every_hub(
    server: Server, published: dict[str, subprocess.CompletedProcess[str]], user: Path
) -> None:
    shown, pulled = {}, {}
    for kind, reference in references(server).items():
        shown[kind] = as_json(run_in_process("show", reference, "--json"))
        pulled[kind] = as_json(run_in_process("pull", reference, "--to", user / kind, "--json"))

    local = shown.pop("local")
    for summary in shown.values():
        assert (summary["name"], summary["version"]) == ("lab/penguins", "1.0.0")
        assert summary["location"] == f"{server.url}/lab/penguins/tree/1.0.0"
        assert summary["published_at"] is not None
        assert {key: value for key, value in summary.items() if key not in WHERE_NOT_COMPARED} == {
            key: value for key, value in local.items() if key not in WHERE_NOT_COMPARED
        }
    assert pulled["local"] == {"name": NAME, "version": "1.0.0", "path": str(user / "local")}
    assert pulled["http"] == {
        "name": "lab/penguins",
        "version": "1.0.0",
        "repo": "lab/penguins",
        "revision": "1.0.0",
        "path": str(user / "http"),
    }
    assert files_of(user / "hf") == files_of(user / "http") == files_of(user / "local")

    listings = {
        "local": as_json(run_in_process("list", NAME, "--json")),
        "hf": as_json(run_in_process("list", "hf:lab/penguins", "--json")),
        "http": as_json(run_in_process("list", f"{server.url}/lab/penguins", "--json")),
    }
    assert listings["local"] == [{"name": NAME, "versions": ["1.0.0"], "latest": "1.0.0"}]
    assert listings["hf"] == listings["http"]
    assert listings["hf"] == [{"name": "lab/penguins", "versions": ["1.0.0"], "latest": "1.0.0"}]


def test_references_name_their_hub(server: Server, user: Path) -> None:
    local, reference = hub_for(f"{NAME}@1.0.0")
    assert isinstance(local, LocalRegistry) and reference == Reference(NAME, "1.0.0")

    hub, reference = hub_for("hf:lab/penguins")
    assert isinstance(hub, HuggingFaceHub) and hub.endpoint == server.url
    assert reference == Reference("lab/penguins", "latest")
    assert hub.resolve(*reference) == Reference("lab/penguins", "main")

    hub, reference = hub_for("HTTP://LocalHost:8000/lab/penguins@refs/pr/1")
    assert isinstance(hub, HuggingFaceHub) and hub.endpoint == "http://localhost:8000"
    assert reference == Reference("lab/penguins", "refs/pr/1")

    assert isinstance(hub_to_list(None)[0], LocalRegistry)
    assert hub_to_list(NAME)[1] == NAME
    organisation, name = hub_to_list("hf:lab")
    assert (organisation.where, name) == (f"{server.url}/lab", None)
    assert hub_to_list("https://hub.example/lab/penguins")[1] == "lab/penguins"
    assert isinstance(publisher_for("local").__self__, LocalRegistry)


@pytest.mark.parametrize(
    ("command", "needle"),
    [
        (["show", f"{NAME}@"], f"invalid release reference '{NAME}@': use NAME or NAME@VERSION"),
        (["show", "hf:lab"], "invalid Hub repository 'lab': use ORG/NAME"),
        (["pull", "hf:lab/penguins@"], "use hf:ORG/NAME or hf:ORG/NAME@REVISION"),
        (["pull", "../../etc"], "invalid release name '../../etc'"),
        (["show", "http://127.0.0.1:99999/lab/penguins"], "invalid hub address"),
        (["show", "http://127.0.0.1:8000/lab/penguins?x=1"], "invalid hub address"),
        (["pull", "http://127.0.0.1:8000"], "invalid Hub repository ''"),
        (["list", "hf:lab/penguins@1.0.0"], "names a version, which is not taken here"),
        (["list", "http://127.0.0.1:8000/-lab"], "invalid Hub organisation '-lab'"),
        (["publish", "x", "--to", "http://127.0.0.1:8000/lab/p@2"], "names a version"),
        (["publish", "x", "--to", "ftp://127.0.0.1/lab/p"], "invalid destination"),
    ],
)
def test_a_bad_reference_is_one_line_and_exit_2(command: list[str], needle: str) -> None:
    result = run_in_process(*command)

    assert result.returncode == 2, result.stderr
    assert_clean_failure(result, needle)


def test_credentials_in_an_address_are_refused_unrepeated() -> None:
    result = run_in_process("pull", "http://lab:s3cr3t@127.0.0.1:8000/lab/penguins")

    assert result.returncode == 2
    assert_clean_failure(result, "carries no user name or password: set HF_TOKEN")
    assert "s3cr3t" not in result.stderr


def test_the_token_only_goes_to_hf_endpoint(
    server: Server,
    published: dict[str, subprocess.CompletedProcess[str]],
    user: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A hub named by its address gets no token unless HF_ENDPOINT names it: a wrong token,
    which the server answers 401 whenever it is sent, does not stop a read there."""
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("HF_TOKEN", "hf_wrong_token_0123456789")

    read = run_in_process("show", f"{server.url}/lab/penguins@1.0.0")
    write = run_in_process("publish", user / NAME, "--to", f"{server.url}/lab/elsewhere")

    assert read.returncode == 0, read.stderr
    assert "lab/penguins@1.0.0" in read.stdout
    assert_clean_failure(write, "a token is only sent to HF_ENDPOINT", f"HF_ENDPOINT={server.url}")
    assert write.returncode == 3
    assert not (server.root / "repos" / "lab" / "elsewhere").exists()


def test_listing_an_organisation_on_the_served_hub_says_what_is_missing(
    server: Server, published: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    """`modelshare serve` answers no model listing (GET /api/models) yet."""
    result = run_in_process("list", f"{server.url}/lab")

    assert_clean_failure(result, "does not list repositories (404", f"{server.url}/lab/NAME")
