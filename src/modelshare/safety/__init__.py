"""Loading a shared model without running its code: content sniffing, pickle opcode
scanning and the refusal policy.

Every file is judged by its content, never by its name. A pickle is never executed: its
opcodes are walked with :func:`pickletools.genops`, every global it would import is named and
checked against a small allowlist (:data:`ALLOWED_GLOBALS`), and anything that cannot be read
completely is unsafe. Loading refuses pickles unless the caller opts in, and then loads
PyTorch checkpoints only with ``torch.load(weights_only=True)``.

Example:
    >>> import torch
    >>> from safetensors.torch import save_file
    >>> Path("downloads/model").mkdir(parents=True)
    >>> save_file({"weight": torch.zeros(2, 3)}, "downloads/model/model.safetensors")
    >>> _ = Path("downloads/model/pytorch_model.bin").write_bytes(b"cos\\nsystem\\n(S'ls'\\ntR.")
    >>> report = scan_path("downloads/model")
    >>> [(f.path, f.unsafe_globals) for f in report.files if not f.safe]
    [('pytorch_model.bin', ['os.system'])]
    >>> refuse_pickle("downloads/model/model.safetensors").format
    'safetensors'
    >>> torch.save({"weight": torch.zeros(2, 3)}, "checkpoint.pt")
    >>> state_dict = safe_torch_load("checkpoint.pt")
    >>> state_dict["weight"].shape
    torch.Size([2, 3])
"""

from __future__ import annotations

from modelshare.safety.allowlist import ALLOWED_GLOBALS, is_allowed
from modelshare.safety.policy import is_pickle_content, refuse_pickle, safe_torch_load
from modelshare.safety.report import FileScan, ScanReport
from modelshare.safety.scan import scan_file, scan_path
from modelshare.safety.sources import ScanLimits

__all__ = [
    "ALLOWED_GLOBALS",
    "FileScan",
    "ScanLimits",
    "ScanReport",
    "is_allowed",
    "is_pickle_content",
    "refuse_pickle",
    "safe_torch_load",
    "scan_file",
    "scan_path",
]
