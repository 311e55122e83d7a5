"""Commands for model files outside a release: scan and convert.

Example:
    $ modelshare scan my_awesome_model.pth
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from modelshare.cli.app import (
    JsonOption,
    OverwriteOption,
    TrustOption,
    app,
    out,
)


@app.command()
def scan(
    path: Annotated[Path, typer.Argument(help="A model file, or a folder to scan every file of.")],
    trust: TrustOption = None,
    as_json: JsonOption = False,
) -> None:
    """Judge files by content, list what their pickles import and which types a skops file
    needs (risky ones with why); exit 1 if any file is unsafe."""
    from rich.table import Table
    from rich.text import Text

    from modelshare.safety import scan_path

    report = scan_path(path, trusted=trust or ())
    if as_json:
        typer.echo(report.to_json())
    else:
        table = Table("file", "format", "verdict", "imports", "problems", title=Text(str(path)))
        for file in report.files:
            highlight = dict.fromkeys(file.unsafe_globals, "bold red")
            imports = [Text(name, highlight.get(name, "")) for name in file.globals]
            trusted = [
                Text(f"skops type: {name}", "yellow")
                for name in file.untrusted_types
                if name not in file.needs_trust
            ]
            refused = [
                Text(f"needs trust: {name} ({risk})", "bold red")
                for name, risk in file.needs_trust.items()
            ]
            table.add_row(
                Text(file.path),
                Text(file.format),
                Text("safe", "green") if file.safe else Text("UNSAFE", "bold red"),
                Text(", ").join(imports + trusted),
                Text("\n").join([Text(problem) for problem in file.problems] + refused),
            )
        out.print(table)
        unsafe = sum(not file.safe for file in report.files)
        out.print(f"scanned {len(report.files)}, unsafe {unsafe}", markup=False)
        if any(file.needs_trust for file in report.files):
            out.print(
                "types marked 'needs trust' load only with --trust TYPE (trusted=[...] from "
                "Python), and only if you trust the file's publisher",
                markup=False,
            )
    if not report.safe:
        raise typer.Exit(1)


@app.command()
def convert(
    checkpoint: Annotated[Path, typer.Argument(help="A torch.save state dict (.pth, .bin, .pt).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the weights into.")],
    config: Annotated[
        Path | None,
        typer.Option(help="JSON configuration; default: config.json beside the checkpoint."),
    ] = None,
    overwrite: OverwriteOption = False,
    as_json: JsonOption = False,
) -> None:
    """Turn a PyTorch checkpoint into model.safetensors + config.json, reading it with
    torch.load(weights_only=True) only."""
    from dataclasses import asdict

    from modelshare.convert import convert_checkpoint
    from modelshare.layout import CONFIG_FILE, WEIGHTS_FILE

    result = convert_checkpoint(checkpoint, out_dir, config=config, overwrite=overwrite)
    if as_json:
        typer.echo(json.dumps({**asdict(result), "folder": str(result.folder)}, indent=2))
        return
    out.print(
        f"converted {checkpoint.name} into {result.folder / WEIGHTS_FILE}: "
        f"{result.tensors} tensors, {result.parameters:,} values, read back equal",
        style="green",
        markup=False,
    )
    for name, kept in result.shared.items():
        out.print(f"  {name} shares its storage with {kept}: stored once", markup=False)
    out.print(
        f"  {CONFIG_FILE} from {result.config}"
        if result.config
        else f"  no {CONFIG_FILE} written: pass --config with the settings that rebuild the model",
        markup=False,
    )
