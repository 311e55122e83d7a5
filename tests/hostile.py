"""Hostile releases, built the way an attacker who publishes would build them.

Each :class:`Attack` starts from an honest release folder (the quick start's), changes it as
a publisher can (a crafted model file, a record that asks for more trust, a script, a
symbolic link, a manifest re-hashed after tampering) and names the commands a receiver runs
on it. Every payload appends to a marker file when it runs, so a test proves it never did.
Nothing here is downloaded: every payload is written by the tests.

Example:
    >>> attack = ATTACKS[0]
    >>> attack.plant(release_copy, marker)
    >>> attack.name, attack.tries
    ('skops-builtins-exec', ('load', 'verify', 'ood', 'scan', 'pull'))
"""

from __future__ import annotations

import json
import pickle
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelshare.layout import MANIFEST_FILE, RECORD_FILE
from modelshare.manifest import write_manifest
from tests.malicious import HAS_TORCH, SAMPLES, Payload, Sample, gif_polyglot, tar_polyglot

MODEL_FILE = "model.skops"
CALL_ID = 7_000_000
"""The ``__id__`` of injected skops nodes: far from the ids skops writes itself."""

Plant = Callable[[Path, Path], None]
"""Turns an honest release folder into a hostile one; the payload records runs in a marker."""


@dataclass(frozen=True)
class Attack:
    """One hostile release: how it is made, which commands a receiver runs on it, and what
    the refusal line must name."""

    name: str
    kind: str
    plant: Plant
    tries: tuple[str, ...]
    needle: str


# the release record and manifest, as an attacker edits them ------------------------------------


def edit_record(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    record = json.loads((folder / RECORD_FILE).read_text())
    change(record)
    (folder / RECORD_FILE).write_text(json.dumps(record, indent=2))


def request_trust(folder: Path, *names: str) -> None:
    """Add types to the record's trust list: what a publisher would do to make them load."""
    edit_record(folder, lambda record: record["model"]["trusted_types"].extend(names))


def rehash(folder: Path) -> None:
    """Write the manifest anew, so that every hash matches the tampered files."""
    write_manifest(folder)


def payload_code(marker: Path) -> str:
    """Python source that records a run in ``marker``."""
    return f"open({str(marker)!r}, 'a').write('a payload ran\\n')"


# skops files that call what they name -------------------------------------------------------------


def json_node(value: Any, ident: int) -> dict[str, Any]:
    return {
        "__class__": type(value).__name__,
        "__module__": "builtins",
        "__loader__": "JsonNode",
        "content": json.dumps(value),
        "is_json": True,
        "__id__": ident,
    }


def call_node(module: str, name: str, args: list[Any]) -> dict[str, Any]:
    """A skops node that calls ``module.name(*args)`` while the file loads (once trusted)."""
    return {
        "__class__": name,
        "__module__": module,
        "__loader__": "ConstructorFromReduceNode",
        "content": {
            "__class__": "tuple",
            "__module__": "builtins",
            "__loader__": "TupleNode",
            "content": [json_node(arg, CALL_ID + 1 + i) for i, arg in enumerate(args)],
            "__id__": CALL_ID + 100,
        },
        "__id__": CALL_ID,
    }


def partial_node(module: str, name: str, args: list[Any]) -> dict[str, Any]:
    """A ``functools.partial(module.name, *args)`` that runs whenever the model calls it."""
    empty = {"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode"}
    return {
        "__class__": "partial",
        "__module__": "functools",
        "__loader__": "PartialNode",
        "content": {
            "func": {
                "__class__": name,
                "__module__": module,
                "__loader__": "FunctionNode",
                "__id__": CALL_ID + 200,
            },
            "args": call_node("builtins", "tuple", [])["content"]
            | {"content": [json_node(arg, CALL_ID + 300 + i) for i, arg in enumerate(args)]},
            "kwds": empty | {"content": {}, "__id__": CALL_ID + 400, "key_types": _empty_list()},
            "namespace": json_node(None, CALL_ID + 500),
        },
        "__id__": CALL_ID + 600,
    }


def _empty_list() -> dict[str, Any]:
    return {
        "__class__": "list",
        "__module__": "builtins",
        "__loader__": "ListNode",
        "content": [],
        "__id__": CALL_ID + 700,
    }


def rewrite_schema(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Rewrite a skops file's ``schema.json``, keeping its arrays."""
    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    schema = json.loads(members["schema.json"])
    change(schema)
    members["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in members.items():
            target.writestr(name, data)


def replace_memory(folder: Path, node: dict[str, Any]) -> None:
    """Put ``node`` where the pipeline keeps its ``memory`` parameter (None when honest)."""
    rewrite_schema(
        folder / MODEL_FILE, lambda schema: schema["content"]["content"].update(memory=node)
    )


def skops_call(module: str, name: str, args: Callable[[Path], list[Any]]) -> Plant:
    """The pipeline's ``memory`` replaced by a call of ``module.name``, which the record asks
    to trust: loading the file as the record says runs the call."""

    def plant(folder: Path, marker: Path) -> None:
        node = call_node(module, name, args(marker))
        replace_memory(folder, node)
        request_trust(folder, f"{module}.{name}")
        rehash(folder)

    return plant


def skops_partial(module: str, name: str, args: Callable[[Path], list[Any]]) -> Plant:
    """The pipeline's ``memory`` replaced by a ``functools.partial`` of ``module.name``."""

    def plant(folder: Path, marker: Path) -> None:
        node = partial_node(module, name, args(marker))
        replace_memory(folder, node)
        request_trust(folder, "functools.partial", f"{module}.{name}")
        rehash(folder)

    return plant


def skops_type(module: str, name: str) -> Plant:
    """A type the honest pipeline does not need, asked for by the record and placed in the
    file (as a class object, built by name when the file loads)."""

    def plant(folder: Path, marker: Path) -> None:
        node = {
            "__class__": name,
            "__module__": module,
            "__loader__": "TypeNode",
            "__id__": CALL_ID,
        }
        replace_memory(folder, node)
        request_trust(folder, f"{module}.{name}")
        rehash(folder)

    return plant


def python_script(marker: Path) -> list[Any]:
    """A script for ``assert_run_python_script_without_output``: it runs in a new Python."""
    return [payload_code(marker)]


def shell_command(marker: Path) -> list[Any]:
    return [f"echo ran >> {marker}"]


def script_file(marker: Path) -> list[Any]:
    script = marker.with_name("payload_script.py")
    script.write_text(payload_code(marker))
    return [str(script)]


def victim_folder(marker: Path) -> list[Any]:
    """A folder the payload deletes: made here, so its absence means the payload ran."""
    victim = marker.with_name("victim")
    victim.mkdir(exist_ok=True)
    (victim / "keep.txt").write_text("a file the receiver cares about\n")
    marker.with_name(".victim-made").touch()
    return [str(victim)]


# model files in every disguise ------------------------------------------------------------------


def model_file_from(sample: Sample) -> Plant:
    """The model file replaced by a malicious file of the corpus, manifest re-hashed."""

    def plant(folder: Path, marker: Path) -> None:
        sample.write(folder / MODEL_FILE, marker)
        rehash(folder)

    return plant


def gif_polyglot_of(marker: Path) -> bytes:
    """A valid GIF whose bytes are also a pickle calling the canary."""
    return gif_polyglot(pickle.dumps(Payload(marker), protocol=0))


def tar_polyglot_of(marker: Path) -> bytes:
    """A tar archive whose bytes are also a pickle calling the canary."""
    return tar_polyglot(pickle.dumps(Payload(marker), protocol=0))[0]


def model_bytes(make: Callable[[Path], bytes]) -> Plant:
    def plant(folder: Path, marker: Path) -> None:
        (folder / MODEL_FILE).write_bytes(make(marker))
        rehash(folder)

    return plant


def image_bytes(make: Callable[[Path], bytes]) -> Plant:
    """A figure of the card replaced by a polyglot: only a scan of every file finds it."""

    def plant(folder: Path, marker: Path) -> None:
        image = sorted((folder / "images").iterdir())[0]
        image.write_bytes(make(marker))
        rehash(folder)

    return plant


# scripts, links, manifests, records ---------------------------------------------------------------


def example_payload(folder: Path, marker: Path) -> None:
    script = folder / "examples" / "predict.py"
    script.write_text(f"{payload_code(marker)}\n{script.read_text()}")
    rehash(folder)


def link_outside(name: str) -> Plant:
    """A file of the release replaced by a link to a secret outside it."""

    def plant(folder: Path, marker: Path) -> None:
        secret = marker.with_name("private-key.pem")
        secret.write_text("-----BEGIN EC PRIVATE KEY-----\nnot really\n")
        target = folder / name
        target.unlink(missing_ok=True)
        target.symlink_to(secret)

    return plant


def linked_folder(folder: Path, marker: Path) -> None:
    """``images/`` replaced by a link to a folder outside, its files listed in the manifest."""
    outside = marker.with_name("outside-images")
    (folder / "images").rename(outside)
    (folder / "images").symlink_to(outside, target_is_directory=True)


def manifest_entry(path: str) -> Plant:
    """The manifest lists a path outside the release, with a real file's hash."""

    def plant(folder: Path, marker: Path) -> None:
        manifest = json.loads((folder / MANIFEST_FILE).read_text())
        manifest["files"].append(dict(manifest["files"][0], path=path))
        (folder / MANIFEST_FILE).write_text(json.dumps(manifest))

    return plant


def no_manifest(folder: Path, marker: Path) -> None:
    (folder / MANIFEST_FILE).unlink()


def manifest_folder(folder: Path, marker: Path) -> None:
    (folder / MANIFEST_FILE).unlink()
    (folder / MANIFEST_FILE).mkdir()


def unlisted_file(folder: Path, marker: Path) -> None:
    (folder / "sitecustomize.py").write_text(payload_code(marker))


def record_field(field: str, value: str) -> Plant:
    def plant(folder: Path, marker: Path) -> None:
        edit_record(folder, lambda record: record.update({field: value}))
        rehash(folder)

    return plant


RELEASE_COMMANDS = ("load", "verify", "ood", "scan", "pull")
"""What a receiver runs on a release; ``release`` also tries the model file on its own.
Publishing is the publisher's act: a trust list in the record is their request, shown to
every receiver, so ``publish`` accepts it."""
FILE_COMMANDS = ("load", "scan", "publish", "pull")
FOLDER_COMMANDS = ("load", "verify", "publish")


def trust(name: str, plant: Plant, needle: str, *extra: str) -> Attack:
    return Attack(name, "trust list", plant, (*RELEASE_COMMANDS, *extra), needle)


def pickles() -> list[Attack]:
    """Every malicious file of :mod:`tests.malicious`, as the release's model file."""
    return [
        Attack(f"pickle-{s.name}", "pickle", model_file_from(s), FILE_COMMANDS, MODEL_FILE)
        for s in SAMPLES
        if HAS_TORCH or not s.needs_torch
    ]


def code(marker: Path) -> list[Any]:
    return [payload_code(marker)]


def evaluated(marker: Path) -> list[Any]:
    return [f"__import__('builtins').{payload_code(marker)}"]


HGB = "sklearn.ensemble._hist_gradient_boosting.predictor"
TREE_FILE_TYPE = ("sklearn.tree._tree", "Tree")
"""A type real forests need and that modelshare does not trust by default."""
SCRIPT_RUNNER = "assert_run_python_script_without_output"
POLYGLOT = "also reads as a pickle"

ATTACKS: list[Attack] = [
    trust("skops-builtins-exec", skops_call("builtins", "exec", code), "builtins.exec"),
    trust("skops-builtins-eval", skops_call("builtins", "eval", evaluated), "builtins.eval"),
    trust("skops-posix-system", skops_call("posix", "system", shell_command), "posix.system"),
    trust("skops-os-system", skops_call("os", "system", shell_command), "os.system"),
    trust(
        "skops-subprocess",
        skops_call("subprocess", "getoutput", shell_command),
        "subprocess.getoutput",
    ),
    trust("skops-runpy", skops_call("runpy", "run_path", script_file), "runpy.run_path"),
    trust("skops-rmtree", skops_call("shutil", "rmtree", victim_folder), "shutil.rmtree"),
    trust(
        "skops-sklearn-runs-a-script",
        skops_call("sklearn.utils._testing", SCRIPT_RUNNER, code),
        SCRIPT_RUNNER,
        "release",
    ),
    trust("skops-partial-exec", skops_partial("builtins", "exec", code), "functools.partial"),
    trust("skops-operator", skops_type("_operator", "methodcaller"), "_operator.methodcaller"),
    trust("skops-tree-predictor", skops_type(HGB, "TreePredictor"), "TreePredictor", "release"),
    trust("skops-not-installed", skops_type("evilpkg.models", "Backdoor"), "evilpkg"),
    *pickles(),
    Attack("gif-polyglot-model", "polyglot", model_bytes(gif_polyglot_of), FILE_COMMANDS, POLYGLOT),
    Attack("tar-polyglot-model", "polyglot", model_bytes(tar_polyglot_of), FILE_COMMANDS, POLYGLOT),
    Attack(
        "gif-polyglot-figure", "polyglot", image_bytes(gif_polyglot_of), FILE_COMMANDS[1:], POLYGLOT
    ),
    Attack("example-payload", "example script", example_payload, ("verify",), "not run"),
    Attack("linked-model-sig", "symlink", link_outside("model.sig"), FOLDER_COMMANDS, "model.sig"),
    Attack(
        "linked-manifest-sig",
        "symlink",
        link_outside("manifest.json.sig"),
        FOLDER_COMMANDS,
        "manifest.json.sig",
    ),
    Attack("linked-card", "symlink", link_outside("README.md"), FOLDER_COMMANDS, "README.md"),
    Attack("linked-images", "symlink", linked_folder, FOLDER_COMMANDS, "images"),
    Attack("manifest-parent", "path", manifest_entry("../x.txt"), FOLDER_COMMANDS, "'..'"),
    Attack(
        "manifest-absolute", "path", manifest_entry("/etc/hostname"), FOLDER_COMMANDS, "absolute"
    ),
    Attack(
        "no-manifest", "manifest", no_manifest, (*FOLDER_COMMANDS, "ood", "pull"), MANIFEST_FILE
    ),
    Attack(
        "manifest-folder", "manifest", manifest_folder, (*FOLDER_COMMANDS, "ood"), MANIFEST_FILE
    ),
    Attack("unlisted-file", "manifest", unlisted_file, FOLDER_COMMANDS, "sitecustomize.py"),
    Attack("name-parent", "record", record_field("name", "../../escape"), FOLDER_COMMANDS, "name"),
    Attack("name-absolute", "record", record_field("name", "/tmp/escape"), FOLDER_COMMANDS, "name"),
    Attack(
        "version-traversal",
        "record",
        record_field("version", "1/../../../x"),
        FOLDER_COMMANDS,
        "version",
    ),
]
"""Every hostile release the tests build."""


def ran(marker: Path) -> bool:
    """Whether a payload left its mark: a line in the marker, or the victim folder gone."""
    victim = marker.with_name("victim")
    return marker.exists() or (marker.with_name(".victim-made").exists() and not victim.exists())
