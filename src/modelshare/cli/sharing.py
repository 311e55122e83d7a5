"""Commands that publish and fetch releases: publish, list, show, pull, serve.

publish, list, show and pull take a release in the local registry (``NAME[@VERSION]``), on
the Hub at HF_ENDPOINT (``hf:ORG/NAME[@REV]``) or on the hub at an address
(``http(s)://HOST[:PORT]/ORG/NAME[@REV]``, e.g. a ``modelshare serve``): see
:mod:`modelshare.hubs.references`.

Example:
    $ modelshare publish releases/penguin-species --to http://127.0.0.1:8000/lab/penguins
    $ modelshare list http://127.0.0.1:8000/lab/penguins
    $ modelshare pull penguin-species@1.0.0 --to received
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from modelshare.cli.app import (
    JsonOption,
    OverwriteOption,
    PasswordEnvOption,
    SignatureOption,
    TrustOption,
    app,
    err,
    key_password,
    one_line,
    out,
)
from modelshare.errors import InvalidInputError

if TYPE_CHECKING:
    from modelshare.hubs.base import Hub, Reference
    from modelshare.hubs.publishing import Publish

ReferenceArgument = Annotated[
    str,
    typer.Argument(
        metavar="REFERENCE",
        help="NAME[@VERSION] in the local registry, hf:ORG/NAME[@REV] on the Hub at HF_ENDPOINT, "
        "or http(s)://HOST[:PORT]/ORG/NAME[@REV] on the hub at that address (e.g. `modelshare "
        "serve`); latest by default, which on a Hub is the branch main.",
    ),
]


def _publish_target(to: str, repo: str | None, private: bool) -> Publish:
    """The publish function of the destination ``--to`` names. The deprecated spelling
    ``--to hf --repo ORG/NAME`` still publishes to ``hf:ORG/NAME``."""
    from modelshare.hubs.hf import check_repo_id
    from modelshare.hubs.references import publisher_for

    if to != "hf" and repo is None:
        return publisher_for(to, private=private)
    if to != "hf":
        raise InvalidInputError(f"--repo goes only with the deprecated --to hf: use --to hf:{repo}")
    if repo is None:
        raise InvalidInputError("--to hf needs a repository: use --to hf:ORG/NAME")
    return publisher_for(f"hf:{check_repo_id(repo)}", private=private)


@app.command()
def publish(
    folder: Annotated[Path, typer.Argument(help="The release folder to publish.")],
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="DESTINATION",
            help="local: the registry in $MODELSHARE_HOME; hf:ORG/NAME: the Hub at HF_ENDPOINT; "
            "http(s)://HOST[:PORT]/ORG/NAME: the hub at that address (e.g. `modelshare serve`). "
            "Without /NAME, the release's own name.",
        ),
    ] = "local",
    repo: Annotated[
        str | None,
        typer.Option(
            "--repo",
            metavar="ORG/NAME",
            help="Deprecated: --to hf --repo ORG/NAME is --to hf:ORG/NAME.",
        ),
    ] = None,
    private: Annotated[
        bool, typer.Option("--private", help="Create the Hub repository private.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Publish even if `check` blocks it; the card says so."),
    ] = False,
    sign_key: Annotated[
        Path | None,
        typer.Option("--sign-key", help="Sign the published copy with this EC PEM private key."),
    ] = None,
    password_env: PasswordEnvOption = None,
    as_json: JsonOption = False,
) -> None:
    """Audit a release with `check`, then publish it to the local registry or a Hub."""
    from modelshare.hubs.publishing import publish_release

    target = _publish_target(to, repo, private)
    password = key_password(password_env)
    outcome = publish_release(folder, target, force=force, sign_key=sign_key, password=password)
    if repo is not None:
        err.print(f"warning: --to hf --repo is deprecated: use --to hf:{repo}", markup=False)
    published = outcome.published
    if as_json:
        typer.echo(outcome.to_json())
        return
    if outcome.forced:
        err.print(
            f"warning: published with --force although `modelshare check` blocks it on "
            f"{', '.join(outcome.forced)}; the published card says so",
            markup=False,
        )
    if published.created:
        signed = " (signed)" if outcome.signed else ""
        out.print(
            f"published {published.name}@{published.version} to {published.location}{signed}",
            style="green",
            markup=False,
        )
    else:
        out.print(
            f"{published.name}@{published.version} is already published with identical "
            "content; nothing changed"
        )


@app.command("list")
def list_releases(
    where: Annotated[
        str | None,
        typer.Argument(
            metavar="WHERE",
            help="Nothing: the local registry; NAME: one of its releases; hf:ORG[/NAME]: an "
            "organisation's releases (or one) on the Hub at HF_ENDPOINT; "
            "http(s)://HOST[:PORT]/ORG[/NAME]: the same on the hub at that address.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List published releases with their versions: in the local registry, or on a Hub."""
    from dataclasses import asdict

    from rich.table import Table
    from rich.text import Text

    from modelshare.hubs.references import hub_to_list

    hub, name = hub_to_list(where)
    releases = hub.list_releases(name)
    if as_json:
        typer.echo(json.dumps([asdict(release) for release in releases], indent=2))
        return
    if not releases:
        out.print(
            f"{hub.where} holds no release yet; publish one with `modelshare publish DIR`",
            markup=False,
        )
        return
    table = Table("name", "latest", "versions", title=Text(hub.where))
    for release in releases:
        table.add_row(release.name, release.latest, ", ".join(release.versions))
    out.print(table)


def print_release_version(summary: dict[str, Any]) -> None:
    """A published version: who made it, what it does, how it scored, and its files.

    Every value from the record stays on its line (:func:`~modelshare.cli.app.one_line`).
    """
    from rich.table import Table
    from rich.text import Text

    def line(text: str, style: str = "") -> None:
        out.print(one_line(text), style=style, markup=False)

    line(f"{summary['name']}@{summary['version']}", style="bold")
    line(f"  published: {summary['published_at'] or 'unknown'}  ({summary['location']})")
    for label in ("description", "license"):
        line(f"  {label}: {summary[label] or 'not given'}")
    line(f"  authors: {', '.join(summary['authors']) or 'not given'}")
    line(f"  model: {summary['model']['estimator']} ({summary['model']['task']})")
    trust = summary["trusted_types"]
    if trust["requested"]:
        line(f"  skops types requested: {', '.join(trust['requested'])}")
    for name, risk in trust["not_trusted_by_default"].items():
        line(
            f"  not trusted by default: {name} ({risk}); load with --trust {name} only if you "
            "trust the publisher",
            style="yellow",
        )
    for dataset, metrics in summary["metrics"].items():
        scores = ", ".join(f"{name} {value:.3f}" for name, value in metrics.items())
        line(f"  {dataset}: {scores}")
    table = Table("file", "size", "sha256")
    for entry in summary["manifest"]["files"]:
        table.add_row(Text(entry["path"]), str(entry["size"]), entry["sha256"][:16])
    out.print(table)


@app.command()
def show(reference: ReferenceArgument, as_json: JsonOption = False) -> None:
    """Show a published release: its record summary and the files of its manifest."""
    from modelshare.hubs.references import hub_for

    hub, release = hub_for(reference)
    summary = hub.show(*release).to_dict()
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
    else:
        print_release_version(summary)


def _pulled_fields(hub: Hub, resolved: Reference) -> dict[str, str]:
    """How ``pull --json`` names what it pulled: ``name`` and ``version`` from every hub,
    and from a Hub also ``repo`` and ``revision``, the keys it always had there."""
    from modelshare.hubs.hf import HuggingFaceHub

    fields = resolved._asdict()
    if isinstance(hub, HuggingFaceHub):
        fields |= {"repo": resolved.name, "revision": resolved.version}
    return fields


@app.command()
def pull(
    reference: ReferenceArgument,
    to: Annotated[
        Path | None, typer.Option("--to", help="Destination folder; default ./NAME-VERSION.")
    ] = None,
    overwrite: OverwriteOption = False,
    require_signature: SignatureOption = None,
    trust: TrustOption = None,
    as_json: JsonOption = False,
) -> None:
    """Copy a published release from the local registry or a Hub, checking every file's
    hash and scanning every file (and its signature with --require-signature); nothing is
    left behind on failure."""
    from modelshare.hubs.references import hub_for
    from modelshare.hubs.transfer import pull_resolved

    hub, release = hub_for(reference)
    resolved = hub.resolve(*release)
    destination = pull_resolved(
        hub,
        resolved,
        to=to,
        overwrite=overwrite,
        trusted=trust or (),
        require_signature=require_signature,
    )
    if as_json:
        fields = _pulled_fields(hub, resolved)
        typer.echo(json.dumps({**fields, "path": str(destination)}, indent=2))
        return
    signed = f" and is signed by {require_signature}" if require_signature else ""
    out.print(
        f"pulled {resolved} into {destination}: every file matches the published manifest and "
        f"none could run code{signed}",
        style="green",
        markup=False,
    )


@app.command()
def serve(
    root: Annotated[
        Path | None,
        typer.Option(
            "--root", help="Where repositories are kept; default $MODELSHARE_HOME/server."
        ),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    token_file: Annotated[
        Path | None,
        typer.Option("--token-file", help="Tokens that may write, one a line; else read-only."),
    ] = None,
    lfs_threshold: Annotated[
        int | None,
        typer.Option(
            "--lfs-threshold",
            metavar="BYTES",
            help="Take larger files through LFS (for clients with HF_HUB_DISABLE_XET=1).",
        ),
    ] = None,
    max_commit_bytes: Annotated[
        int | None,
        typer.Option(
            "--max-commit-bytes",
            metavar="BYTES",
            min=1,
            help="Refuse larger commits (inline files count base64-encoded); default 1 GiB.",
        ),
    ] = None,
    max_lfs_bytes: Annotated[
        int | None,
        typer.Option(
            "--max-lfs-bytes",
            metavar="BYTES",
            min=1,
            help="Refuse larger LFS objects; default 50 GiB.",
        ),
    ] = None,
) -> None:
    """Serve releases over the Hugging Face Hub API; point clients at it with HF_ENDPOINT."""
    from modelshare.hubs.local import default_home
    from modelshare.server import LOOPBACK_HOSTS, MAX_COMMIT_BYTES, MAX_LFS_BYTES, read_tokens
    from modelshare.server import serve as run_server

    root = root or default_home() / "server"
    tokens = read_tokens(token_file) if token_file else frozenset()
    if host not in LOOPBACK_HOSTS:
        err.print(
            f"warning: listening on {host} over plain HTTP: tokens and files cross the network "
            "unencrypted; put the server behind a TLS proxy",
            markup=False,
        )
    access = f"writes need a token from {token_file}" if tokens else "read-only: no --token-file"
    err.print(
        f"serving {root} ({access}); clients use HF_ENDPOINT=http://{host}:{port}", markup=False
    )
    run_server(
        root,
        tokens=tokens,
        host=host,
        port=port,
        lfs_threshold=lfs_threshold,
        max_commit_bytes=max_commit_bytes or MAX_COMMIT_BYTES,
        max_lfs_bytes=max_lfs_bytes or MAX_LFS_BYTES,
    )
