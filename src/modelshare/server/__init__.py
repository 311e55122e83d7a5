"""``modelshare serve``: a small server that speaks the part of the Hugging Face Hub's API
that huggingface_hub and transformers use, over repositories stored on this machine.

Point any client at it with ``HF_ENDPOINT=http://127.0.0.1:8000``. The server needs the
``server`` extra (``pip install 'modelshare[server]'``); docs/hub-server.md describes the
routes, the storage layout and access.

Example:
    >>> _ = Path("tokens").write_text("s3cret\\n")
    >>> tokens = read_tokens(Path("tokens"))
    >>> serve(Path("/srv/modelshare"), tokens=tokens, port=8000)  # doctest: +SKIP
"""

from __future__ import annotations

import sys
from pathlib import Path

from modelshare.errors import InvalidInputError, ModelshareError

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
MAX_COMMIT_BYTES = 1024**3
"""The default largest commit body (NDJSON, inline files base64-encoded): 1 GiB."""
MAX_LFS_BYTES = 50 * 1024**3
"""The default largest LFS object: 50 GiB, streamed to disk."""
GIL_SWITCH_SECONDS = 0.001
"""How long a worker thread parsing a card may hold the GIL while the event loop waits for it
(Python's default is 5 ms): short waits keep every other request fast meanwhile."""


def read_tokens(path: Path) -> frozenset[str]:
    """The tokens in a token file: one per line; blank lines and ``#`` comments are skipped.

    Example:
        >>> _ = Path("tokens").write_text("# the lab's uploader\\ns3cret\\n")
        >>> read_tokens(Path("tokens"))
        frozenset({'s3cret'})

    Raises:
        InvalidInputError: the file cannot be read, or holds no token.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InvalidInputError(f"cannot read the token file {path}: {error.strerror}") from error
    tokens = frozenset(
        token for line in lines if (token := line.strip()) and not token.startswith("#")
    )
    if not tokens:
        raise InvalidInputError(f"the token file {path} holds no token: write one token per line")
    return tokens


def serve(
    root: Path,
    *,
    tokens: frozenset[str] = frozenset(),
    host: str = "127.0.0.1",
    port: int = 8000,
    lfs_threshold: int | None = None,
    max_commit_bytes: int = MAX_COMMIT_BYTES,
    max_lfs_bytes: int = MAX_LFS_BYTES,
) -> None:
    """Serve the repositories under ``root`` until interrupted.

    Example:
        >>> tokens = frozenset({"s3cret"})
        >>> serve(Path("/srv/modelshare"), tokens=tokens, port=8000)  # doctest: +SKIP

    Raises:
        ModelshareError: without starlette and uvicorn.
    """
    try:
        import uvicorn

        from modelshare.server.app import create_app
    except ImportError as error:
        raise ModelshareError(
            "the server needs starlette and uvicorn: pip install 'modelshare[server]'"
        ) from error
    root.mkdir(parents=True, exist_ok=True)
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    app = create_app(
        root,
        tokens=tokens,
        lfs_threshold=lfs_threshold,
        max_commit_bytes=max_commit_bytes,
        max_lfs_bytes=max_lfs_bytes,
    )
    uvicorn.run(app, host=host, port=port, log_level="info")
