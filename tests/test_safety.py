"""Someone receives model files: they are judged by content, pickles are never run, and only
clean PyTorch checkpoints load, through torch's weights_only loader."""

from __future__ import annotations

import gzip
import io
import pickle
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pytest
import skops.io as sio

from modelshare.errors import InvalidInputError, ModelshareError
from modelshare.models.sklearn import load_model
from modelshare.safety import (
    ALLOWED_GLOBALS,
    ScanLimits,
    is_pickle_content,
    refuse_pickle,
    safe_torch_load,
    scan_file,
    scan_path,
)
from tests.malicious import (
    CANARY,
    PRINT_TOKEN,
    SAMPLES,
    Payload,
    Sample,
    safetensors_bytes,
    safetensors_from_parts,
    unicode_op,
    write_corpus,
)

JOBLIB_COMPRESSIONS = ["zlib", "gzip", "bz2", "xz", "lzma"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], Path]:
    """The malicious corpus and the marker file its canary would write."""
    root = tmp_path_factory.mktemp("received")
    marker = root / "canary-was-called.log"
    return write_corpus(root / "corpus", marker), marker


def corpus_file(corpus: tuple[dict[str, Path], Path], sample: Sample) -> Path:
    if sample.name not in corpus[0]:
        pytest.skip("torch is not installed")
    return corpus[0][sample.name]


def names_everything(text: str, sample: Sample) -> bool:
    return all(name in text for name in sample.names)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


# the corpus is real ---------------------------------------------------------------------------


def test_the_corpus_covers_every_attack_in_enough_files():
    assert len(SAMPLES) >= 15
    assert len({sample.name for sample in SAMPLES}) == len(SAMPLES)


@pytest.mark.parametrize(
    "sample", [s for s in SAMPLES if s.load is not None], ids=lambda sample: sample.name
)
def test_each_payload_runs_when_loaded_the_unsafe_way(tmp_path, capsys, sample):
    if sample.needs_torch:
        pytest.importorskip("torch")
    path, marker = tmp_path / sample.name, tmp_path / "live.log"
    sample.write(path, marker)

    sample.load(path)

    ran = marker.exists() or PRINT_TOKEN in capsys.readouterr().out
    assert ran, f"{sample.name} did not run its payload: the corpus would prove nothing"


# every malicious file is named and refused; no payload runs -----------------------------------


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda sample: sample.name)
def test_scan_names_what_makes_each_file_unsafe(corpus, capsys, sample):
    scan = scan_file(corpus_file(corpus, sample))

    assert not scan.safe
    assert names_everything(" ".join(scan.unsafe_globals + scan.problems), sample), scan
    assert not corpus[1].exists()
    assert PRINT_TOKEN not in capsys.readouterr().out


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda sample: sample.name)
def test_every_loader_refuses_each_file_even_with_pickle_allowed(corpus, capsys, sample):
    path = corpus_file(corpus, sample)

    with pytest.raises(ModelshareError) as refused:
        refuse_pickle(path, allow_pickle=True)
    with pytest.raises(ModelshareError) as not_loaded:
        safe_torch_load(path)
    with pytest.raises(ModelshareError):
        load_model(path)

    message = str(refused.value)
    assert message.startswith(f"{sample.name} (")
    assert "is unsafe: " in message and "it was not loaded" in message
    assert names_everything(message, sample)
    assert "\n" not in message
    assert str(not_loaded.value) == message
    assert not corpus[1].exists()
    assert PRINT_TOKEN not in capsys.readouterr().out


def test_a_renamed_pickle_is_known_by_its_content(corpus):
    paths, _ = corpus

    assert is_pickle_content(paths["renamed.safetensors"])
    assert is_pickle_content(paths["renamed.txt"])
    assert scan_file(paths["renamed.safetensors"]).format == "pickle"


@pytest.mark.parametrize("compression", JOBLIB_COMPRESSIONS)
def test_a_payload_behind_any_joblib_compression_is_found(tmp_path, compression):
    path = tmp_path / "model.joblib"
    joblib.dump([np.arange(5.0), Payload(tmp_path / "ran.log")], path, compress=(compression, 3))

    scan = scan_file(path)

    assert scan.format == f"joblib ({compression})"
    assert scan.unsafe_globals == [CANARY]
    assert not (tmp_path / "ran.log").exists()


def test_a_protocol_0_payload_cut_before_stop_is_still_a_pickle(tmp_path):
    path = tmp_path / "notes.txt"
    payload = pickle.dumps(Payload(tmp_path / "ran.log"), protocol=0)
    path.write_bytes(payload.removesuffix(pickle.STOP))  # the payload has run at REDUCE

    scan = scan_file(path)

    assert (scan.format, scan.unsafe_globals) == ("pickle", [CANARY])
    assert "cannot parse completely: pickle exhausted before seeing STOP" in scan.problems


def test_extension_codes_and_stray_persistent_ids_are_unsafe(tmp_path):
    extension = tmp_path / "extension.pkl"
    extension.write_bytes(pickle.PROTO + b"\x02" + pickle.EXT1 + b"\xf0" + b")R.")
    persistent = tmp_path / "persistent.pkl"
    persistent.write_bytes(pickle.PROTO + b"\x04" + unicode_op("storage") + pickle.BINPERSID + b".")

    assert scan_file(extension).problems == [
        "extension code 240 imports a global registered with copyreg, which the file does not name"
    ]
    assert scan_file(persistent).problems == [
        "uses persistent ids, which only a PyTorch checkpoint's loader resolves"
    ]


def test_a_truncated_or_unknown_opcode_fails_closed(tmp_path):
    truncated = tmp_path / "truncated.pkl"
    truncated.write_bytes(pickle.dumps({"weights": list(range(100))}, protocol=2)[:50])
    unknown = tmp_path / "unknown-opcode.pkl"
    unknown.write_bytes(pickle.PROTO + b"\x04" + b"\xff.")

    assert scan_file(truncated).problems == [
        "cannot parse completely: not enough data in stream to read uint1"
    ]
    assert scan_file(unknown).problems == [
        "cannot parse completely: at position 2, opcode b'\\xff' unknown"
    ]


# bombs fail closed ----------------------------------------------------------------------------


def test_archives_nested_too_deep_are_not_inspected(tmp_path):
    content = pickle.dumps({"weights": [1.0]})
    for level in range(6):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(f"level{level}.bin", content)
        content = buffer.getvalue()
    path = tmp_path / "nested.zip"
    path.write_bytes(content)

    scan = scan_file(path)

    assert not scan.safe
    assert any("nested more than 4 archives or compressed streams deep" in p for p in scan.problems)


def test_what_unpacks_past_the_budget_is_not_inspected(tmp_path):
    zipped, gzipped = tmp_path / "bomb.zip", tmp_path / "bomb.gz"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", bytes(8 << 20))
    gzipped.write_bytes(gzip.compress(bytes(8 << 20)))
    limits = ScanLimits(max_unpacked_bytes=1 << 20)

    for path in (zipped, gzipped):
        scan = scan_file(path, limits=limits)
        assert not scan.safe
        assert "it unpacks to more than 1048576 bytes, the scan limit" in " ".join(scan.problems)
    assert scan_file(zipped).safe


# benign files scan clean ----------------------------------------------------------------------


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_a_state_dict_scans_clean_and_loads_with_weights_only(tmp_path, torch, legacy):
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    path = tmp_path / "state_dict.pt"
    torch.save(model.state_dict(), path, _use_new_zipfile_serialization=not legacy)

    scan = scan_file(path)

    assert (scan.format, scan.safe, scan.contains_pickle) == (
        "pytorch legacy" if legacy else "pytorch",
        True,
        True,
    )
    assert set(scan.globals) == {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch.FloatStorage",
        "torch.LongStorage",
    }
    with pytest.raises(ModelshareError, match="`modelshare convert`, or pass allow_pickle=True"):
        refuse_pickle(path)
    assert refuse_pickle(path, allow_pickle=True) == scan
    loaded = safe_torch_load(path)
    for name, tensor in model.state_dict().items():
        assert torch.equal(loaded[name], tensor)


def test_tensors_of_newer_dtypes_scan_clean(tmp_path, torch):
    path = tmp_path / "quantized.pt"
    tensors = {"codes": torch.arange(4).to(torch.uint16), "scale": torch.ones(2)}
    torch.save({**tensors, "fp8": torch.zeros(2, dtype=torch.float8_e4m3fn)}, path)

    scan = scan_file(path)

    assert scan.safe, scan.unsafe_globals
    assert {"torch._utils._rebuild_tensor_v3", "torch.uint16"} <= set(scan.globals)
    assert torch.equal(safe_torch_load(path)["codes"], tensors["codes"])


def test_what_torch_refuses_after_a_clean_scan_is_one_line(tmp_path, torch):
    path = tmp_path / "with-numpy.pt"
    torch.save({"mean": np.arange(3.0)}, path)

    assert scan_file(path).safe
    with pytest.raises(ModelshareError) as refused:
        safe_torch_load(path)
    assert str(refused.value) == (
        "with-numpy.pt was not loaded: torch's weights_only loader refused it (Unsupported "
        "global: GLOBAL numpy._core.multiarray._reconstruct was not an allowed global by default)"
    )


def test_a_skops_file_is_benign_and_lists_its_untrusted_types(tmp_path, penguins):
    path = tmp_path / "model.skops"
    sio.dump(penguins.model, path)

    scan = scan_file(path)

    assert (scan.format, scan.safe, scan.contains_pickle) == ("skops", True, False)
    assert scan.untrusted_types == ["numpy.dtype"]
    assert refuse_pickle(path) == scan


def test_a_safetensors_file_scans_clean_but_is_no_torch_checkpoint(tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(
        safetensors_bytes(
            {"weight": np.ones((2, 3), dtype=np.float32), "step": np.array([7])},
            metadata={"format": "pt"},
        )
    )

    scan = scan_file(path)

    assert (scan.format, scan.safe, scan.contains_pickle) == ("safetensors", True, False)
    assert not is_pickle_content(path)
    with pytest.raises(ModelshareError, match=r"^model\.safetensors is a safetensors file, not a"):
        safe_torch_load(path)


@pytest.mark.parametrize(
    ("header", "data", "problem"),
    [
        ({"w": {"dtype": "F33", "shape": [1], "data_offsets": [0, 4]}}, 4, "unknown dtype 'F33'"),
        ({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, 4, "needs 8 bytes"),
        ({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, 8, "bytes 0 to 4 belong"),
        ({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, 2, "past the data (2)"),
        ({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, 4, "invalid shape"),
        ({"w": {"dtype": "F32", "shape": [1]}}, 4, "lacks dtype, shape or data_offsets"),
        ({"__metadata__": {"epochs": 3}}, 0, "__metadata__ must map strings to strings"),
        ({"w": {"dtype": "F4", "shape": [3], "data_offsets": [0, 1]}}, 1, "needs 1.5 bytes"),
    ],
)
def test_safetensors_headers_are_checked_like_the_library(tmp_path, header, data, problem):
    path = tmp_path / "model.safetensors"
    path.write_bytes(safetensors_from_parts(header, bytes(data)))

    problems = scan_file(path).problems

    assert any(problem in found for found in problems), problems


def test_a_safetensors_header_must_be_json_and_fit_in_the_file(tmp_path):
    duplicated, cut = tmp_path / "duplicated.safetensors", tmp_path / "cut.safetensors"
    duplicated.write_bytes(b"\x10" + bytes(7) + b'{"a":{},"a":{}}  ')
    cut.write_bytes(b"\xff" + bytes(7) + b'{"a": 1}')

    assert "duplicate keys ['a']" in scan_file(duplicated).problems[0]
    assert scan_file(cut).problems == ["the header announces 255 bytes but only 8 follow"]


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_numpy_pickles_are_safe_to_scan_but_refused_unless_allowed(tmp_path, protocol):
    path = tmp_path / "arrays.pkl"
    path.write_bytes(pickle.dumps({"weights": np.ones((2, 2)), "bias": np.zeros(2)}, protocol))

    scan = scan_file(path)

    assert (scan.format, scan.safe, scan.contains_pickle) == ("pickle", True, True)
    assert set(scan.globals) <= set(ALLOWED_GLOBALS)
    with pytest.raises(ModelshareError) as refused:
        refuse_pickle(path)
    assert str(refused.value).startswith(
        "arrays.pkl is a pickle file, which runs code when loaded;"
    )
    assert refuse_pickle(path, allow_pickle=True) == scan


@pytest.mark.parametrize("compression", [0, *((name, 3) for name in JOBLIB_COMPRESSIONS)])
def test_joblib_arrays_scan_clean_whatever_the_compression(tmp_path, compression):
    path = tmp_path / "arrays.joblib"
    arrays = {"weights": np.ones((3, 2)), "labels": np.array(["a", "bc"]), "empty": np.zeros(0)}
    joblib.dump(arrays, path, compress=compression)

    scan = scan_file(path)

    assert scan.safe, scan.problems
    assert scan.format == ("joblib" if not compression else f"joblib ({compression[0]})")


def test_plain_files_are_what_their_content_says(tmp_path):
    files = {
        "config.json": b'{"hidden_size": 8}',
        "requirements.txt": b"contourpy==1.3.3\ncycler==0.12.1\n",
        "README.md": b"# A model\n\nIt classifies penguins.\n",
        "weights.bin": bytes(range(256)),
        "empty.txt": b"",
    }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    np.save(tmp_path / "mean.npy", np.arange(4.0))
    np.savez_compressed(tmp_path / "stats.npz", mean=np.arange(3), std=np.ones(3))

    report = scan_path(tmp_path)

    assert report.safe
    assert {f.path: f.format for f in report.files} == {
        "README.md": "text",
        "config.json": "json",
        "empty.txt": "empty",
        "mean.npy": "numpy",
        "requirements.txt": "text",
        "stats.npz": "numpy npz",
        "weights.bin": "unknown",
    }


def test_an_npy_file_must_hold_the_data_its_header_announces(tmp_path):
    path = tmp_path / "mean.npy"
    np.save(path, np.arange(4.0))
    path.write_bytes(path.read_bytes()[:-8])

    assert scan_file(path).problems == ["the header announces 32 bytes of data; 24 follow"]


def test_a_folder_report_has_relative_paths_and_one_verdict(tmp_path, corpus):
    (tmp_path / "weights").mkdir()
    (tmp_path / "weights" / "model.pkl").write_bytes(
        corpus[0]["reduce-protocol-2.pkl"].read_bytes()
    )
    (tmp_path / "config.json").write_text("{}")

    report = scan_path(tmp_path)

    assert [(f.path, f.safe) for f in report.files] == [
        ("config.json", True),
        ("weights/model.pkl", False),
    ]
    assert not report.safe
    assert '"unsafe_globals": [\n        "tests.malicious.canary"' in report.to_json()


def test_a_missing_path_is_a_usage_error(tmp_path):
    with pytest.raises(InvalidInputError, match=r"^no such file or folder: .*missing$"):
        scan_path(tmp_path / "missing")
    with pytest.raises(InvalidInputError, match=r"^no such file: .*missing\.pt$"):
        refuse_pickle(tmp_path / "missing.pt")


def test_release_images_scan_clean(quickstart_bundle) -> None:
    report = scan_path(quickstart_bundle.path)
    assert report.safe, [f.problems for f in report.files if not f.safe]
    images = [f for f in report.files if f.path.startswith("images/")]
    assert images and all(f.format == "image (png)" for f in images)


def test_text_that_starts_like_a_zlib_header_is_text(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("x^2 is a square, and so is 4.\n")  # "x^" is a valid zlib header

    scan = scan_file(notes)

    assert scan.safe, scan.problems
    assert "zlib" not in scan.format
