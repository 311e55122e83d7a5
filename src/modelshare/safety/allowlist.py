"""The globals a pickle may import and still scan clean, each with the reason it is there.

The list holds what benign weight files need and nothing else: tensor and array rebuilding,
storage and dtype markers, the state dict container. None of them runs code chosen by the
file. Everything else is unsafe, whether or not any denylist knows it.

Example:
    >>> is_allowed("collections.OrderedDict"), is_allowed("builtins.print")
    (True, False)
"""

from __future__ import annotations

from collections.abc import Mapping

TORCH_STORAGE_KINDS = (
    "Float",
    "Double",
    "Half",
    "BFloat16",
    "Long",
    "Int",
    "Short",
    "Char",
    "Byte",
    "Bool",
    "ComplexFloat",
    "ComplexDouble",
)
"""The typed storage classes ``torch.save`` names for the classic dtypes."""

TORCH_STORAGE_FREE_DTYPES = (
    "uint16",
    "uint32",
    "uint64",
    "float8_e4m3fn",
    "float8_e5m2",
    "float8_e4m3fnuz",
    "float8_e5m2fnuz",
    "float8_e8m0fnu",
    "float4_e2m1fn_x2",
)
"""dtypes without a typed storage class: ``torch.save`` names them beside an UntypedStorage."""

ALLOWED_GLOBALS: Mapping[str, str] = {
    "collections.OrderedDict": "the container of every state_dict() and of tensor hooks",
    "torch._utils._rebuild_tensor_v2": "rebuilds each tensor of a checkpoint from its storage",
    "torch._utils._rebuild_tensor_v3": "the same, for dtypes saved with an untyped storage",
    "torch._utils._rebuild_parameter": "rebuilds an nn.Parameter saved as such",
    "torch.storage.UntypedStorage": "names the storage of a tensor saved with _rebuild_tensor_v3",
    **{
        f"torch.{kind}Storage": "names the storage type in a tensor's persistent id"
        for kind in TORCH_STORAGE_KINDS
    },
    **{
        f"torch.{dtype}": "the dtype passed to _rebuild_tensor_v3 (a value, not a function)"
        for dtype in TORCH_STORAGE_FREE_DTYPES
    },
    "numpy.core.multiarray._reconstruct": "rebuilds a pickled numpy array (numpy 1.x)",
    "numpy._core.multiarray._reconstruct": "rebuilds a pickled numpy array (numpy 2.x)",
    "numpy.core.numeric._frombuffer": "rebuilds a numpy array pickled at protocol 5 (numpy 1.x)",
    "numpy._core.numeric._frombuffer": "rebuilds a numpy array pickled at protocol 5 (numpy 2.x)",
    "numpy.ndarray": "the array class passed to _reconstruct",
    "numpy.dtype": "every array's element type",
    "_codecs.encode": "how protocols 0 to 2 (torch.save's default) write bytes, e.g. array data",
    "joblib.numpy_pickle.NumpyArrayWrapper": "joblib's marker for array bytes that follow inline",
}
"""Every global a pickle may import and still scan clean, with the reason it is needed."""


def is_allowed(name: str) -> bool:
    """Whether a global (``module.name``) is on the allowlist.

    Example:
        >>> is_allowed("torch._utils._rebuild_tensor_v2")
        True
    """
    return name in ALLOWED_GLOBALS
