"""The usage example (``examples/predict.py``) of PyTorch and transformers releases.

Each script loads the release with the framework's own tools only, runs the model on inputs
recorded at save time and compares its outputs with the recorded ones, which are kept in
``examples/expected.safetensors`` beside it. ``Release.save`` runs it in a fresh process.

Example:
    >>> script = pytorch_example("tiny-net", class_path="torch.nn.Linear", class_name="Linear",
    ...     hub_mixin=False, construct="**config", returns_tensor=True, tensor_shapes=None)
    >>> print(script[script.index("RELEASE = "):])
    RELEASE = Path(__file__).resolve().parent.parent
    <BLANKLINE>
    config = json.loads((RELEASE / "config.json").read_text())
    model = Linear(**config)
    load_model(model, RELEASE / "model.safetensors")
    model.eval()
    ...
    torch.testing.assert_close(outputs, recorded["outputs"], rtol=1e-4, atol=1e-5)
    <BLANKLINE>
"""

from __future__ import annotations

from modelshare.layout import (
    CONFIG_FILE,
    EXAMPLE_PATH,
    EXPECTED_PATH,
    REQUIREMENTS_FILE,
    WEIGHTS_FILE,
)

TOLERANCE = "rtol=1e-4, atol=1e-5"
"""How close the outputs must be to the recorded ones (same model, another process)."""

HEADER = f'''"""{{summary}}

{{needs}}Run it from anywhere: python {EXAMPLE_PATH}
"""
'''
RELEASE_PATH = "RELEASE = Path(__file__).resolve().parent.parent"
READ_CONFIG = f'config = json.loads((RELEASE / "{CONFIG_FILE}").read_text())'
RECORDED = (
    "# Outputs recorded when the release was saved: a difference means the weights or the\n"
    "# environment are not the ones the release was made with.\n"
    f'recorded = load_file(RELEASE / "{EXPECTED_PATH}")'
)
NO_ROWS = (
    "# The authors published no example inputs: run the model on inputs of your own, shaped\n"
    "# as the card's training data describes."
)


def pytorch_example(
    name: str,
    *,
    class_path: str | None,
    class_name: str,
    hub_mixin: bool,
    construct: str,
    returns_tensor: bool | None,
    tensor_shapes: dict[str, list[int]] | None,
) -> str:
    """The script of a PyTorch release.

    With a class it can import and rebuild from ``config.json`` (``class_path``), it loads the
    model (``from_pretrained`` for a PyTorchModelHubMixin class, else the class built as
    ``Class({construct})`` with the weights loaded by safetensors) and checks its outputs.
    Without one, it lists the tensors and checks their names and shapes (``tensor_shapes``).
    ``returns_tensor`` None: no inputs were recorded, and the script shows the loaded model.

    Example:
        >>> "from_pretrained" in pytorch_example("m", class_path="pkg.M", class_name="pkg.M",
        ...     hub_mixin=True, construct="**config", returns_tensor=True, tensor_shapes=None)
        True
    """
    if class_path is None:
        assert tensor_shapes is not None
        return _tensor_listing(name, class_name, tensor_shapes)
    module, _, cls = class_path.rpartition(".")
    checks = returns_tensor is not None
    readers = [
        name for name, needed in (("load_file", checks), ("load_model", not hub_mixin)) if needed
    ]
    imports = (["import torch"] if checks else []) + (
        [f"from safetensors.torch import {', '.join(readers)}"] if readers else []
    )
    if hub_mixin:
        loading = f"model = {cls}.from_pretrained(RELEASE)"
    else:
        loading = (
            f"{READ_CONFIG}\n"
            f"model = {cls}({construct})\n"
            f'load_model(model, RELEASE / "{WEIGHTS_FILE}")'
        )
    header = HEADER.format(
        summary=f"Load the {name} model with its own class"
        + (" and check its outputs." if checks else "."),
        needs=f"Needs `{module}` (which defines {cls}) and the packages in {REQUIREMENTS_FILE}.\n",
    )
    stdlib = ["import json"] if not hub_mixin else []
    checking = [NO_ROWS, "print(model)"]
    if checks:
        checking = [
            RECORDED,
            "with torch.no_grad():",
            f'    outputs = model(recorded["inputs"]){"" if returns_tensor else "[0]"}',
            "print(outputs)",
            f'torch.testing.assert_close(outputs, recorded["outputs"], {TOLERANCE})',
        ]
    return "\n".join(
        [
            header,
            *stdlib,
            "from pathlib import Path",
            "",
            *imports,
            *([""] if imports else []),
            f"from {module} import {cls}",
            "",
            RELEASE_PATH,
            "",
            loading,
            "model.eval()",
            "",
            *checking,
            "",
        ]
    )


def transformers_example(
    name: str, *, auto_class: str, texts: list[str] | None, prints_labels: bool
) -> str:
    """The script of a transformers release: the Auto classes load model and tokenizer, the
    model runs on a few texts, and its first output (the logits) is checked; without texts,
    the script shows the model's configuration.

    Example:
        >>> "AutoTokenizer" in transformers_example("m", auto_class="AutoModel",
        ...     texts=["a b"], prints_labels=False)
        True
    """
    shown = (
        "print([model.config.id2label[i] for i in outputs.logits.argmax(-1).tolist()])"
        if prints_labels
        else "print(outputs[0])"
    )
    header = HEADER.format(
        summary=f"Load the {name} model and tokenizer with transformers alone"
        + (" and check them." if texts is not None else "."),
        needs=f"Needs the packages in {REQUIREMENTS_FILE}.\n",
    )
    loading = [
        RELEASE_PATH,
        "",
        "tokenizer = AutoTokenizer.from_pretrained(RELEASE)",
        f"model = {auto_class}.from_pretrained(RELEASE)",
        "model.eval()",
        "",
    ]
    auto_import = f"from transformers import {', '.join(sorted([auto_class, 'AutoTokenizer']))}"
    if texts is None:
        return "\n".join(
            [
                header,
                "from pathlib import Path",
                "",
                auto_import,
                "",
                *loading,
                NO_ROWS,
                "print(model.config)",
                "",
            ]
        )
    return "\n".join(
        [
            header,
            "from pathlib import Path",
            "",
            "import torch",
            "from safetensors.torch import load_file",
            auto_import,
            "",
            *loading,
            f"texts = {texts!r}",
            "with torch.no_grad():",
            '    inputs = tokenizer(texts, padding=True, truncation=True, return_tensors="pt")',
            "    outputs = model(**inputs)",
            shown,
            "",
            RECORDED,
            f'torch.testing.assert_close(outputs[0], recorded["outputs"], {TOLERANCE})',
            "",
        ]
    )


def _tensor_listing(name: str, class_name: str, tensor_shapes: dict[str, list[int]]) -> str:
    """The script for weights whose class this script cannot import and rebuild from
    ``config.json``: list the tensors and check their names and shapes."""
    header = HEADER.format(
        summary=f"Inspect the {name} weights and configuration with safetensors alone.",
        needs=(
            f"The model class is `{class_name}`.\n"
            f"It cannot be imported from a package and rebuilt from {CONFIG_FILE} alone: to run\n"
            "the model, build the network as in training and load the weights with\n"
            f'`safetensors.torch.load_model(model, "{WEIGHTS_FILE}")`.\n\n'
        ),
    )
    shapes = "".join(f"    {key!r}: {value!r},\n" for key, value in tensor_shapes.items())
    return "\n".join(
        [
            header,
            "import json",
            "from pathlib import Path",
            "",
            "from safetensors.torch import load_file",
            "",
            RELEASE_PATH,
            "",
            READ_CONFIG,
            f'weights = load_file(RELEASE / "{WEIGHTS_FILE}")',
            'print("config:", config)',
            "for key, tensor in weights.items():",
            "    print(key, tuple(tensor.shape), tensor.dtype)",
            "",
            "# The tensors recorded when the release was saved.",
            f"expected = {{\n{shapes}}}",
            "assert {key: list(t.shape) for key, t in weights.items()} == expected",
            "",
        ]
    )
