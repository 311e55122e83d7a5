"""Sign a release and check its signature with OpenSSF model-signing, in key mode, offline.

The signature is ``model.sig`` beside ``manifest.json``: a Sigstore bundle over the digest of
every file of the release folder, the manifest included. It is model-signing's own format, so
anyone can check a release without modelshare::

    model_signing verify key --signature DIR/model.sig --public_key pub.pem DIR

Keys are elliptic-curve PEM files on the curves model-signing accepts (P-256, P-384, P-521)::

    openssl ecparam -name prime256v1 -genkey -noout -out key.pem
    openssl ec -in key.pem -pubout -out pub.pem

Signing needs the ``signing`` extra (``pip install 'modelshare[signing]'``).

Example:
    >>> from cryptography.hazmat.primitives import serialization as pem
    >>> from cryptography.hazmat.primitives.asymmetric import ec
    >>> key = ec.generate_private_key(ec.SECP256R1())
    >>> _ = Path("key.pem").write_bytes(
    ...     key.private_bytes(pem.Encoding.PEM, pem.PrivateFormat.PKCS8, pem.NoEncryption())
    ... )
    >>> _ = Path("pub.pem").write_bytes(key.public_key().public_bytes(
    ...     pem.Encoding.PEM, pem.PublicFormat.SubjectPublicKeyInfo
    ... ))
    >>> sign_release(Path("releases/penguin-species"), Path("key.pem"))
    PosixPath('releases/penguin-species/model.sig')
    >>> verify_signature(Path("releases/penguin-species"), Path("pub.pem"))
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from modelshare.errors import IntegrityError, InvalidInputError, ModelshareError
from modelshare.fsutil import write_file_durably
from modelshare.layout import SIGNATURE_FILE, SIGNATURE_FILES
from modelshare.manifest import verify_folder
from modelshare.release_folder import require_release

SUPPORTED_CURVES = ("secp256r1", "secp384r1", "secp521r1")
KEY_HINT = (
    "create an EC P-256 key pair with `openssl ecparam -name prime256v1 -genkey -noout "
    "-out key.pem && openssl ec -in key.pem -pubout -out pub.pem`"
)
_QUOTE = r"\\?'"
_MISMATCHES = (
    (re.compile(rf"Extra files found in model {_QUOTE}[^']*{_QUOTE}: ([^\"'\]\\]+)"), "extra"),
    (re.compile(rf"Missing files in model {_QUOTE}[^']*{_QUOTE}: ([^\"'\]\\]+)"), "missing"),
    (re.compile(rf"Hash mismatch for {_QUOTE}([^'\\]+){_QUOTE}"), "modified"),
)
"""model-signing's mismatch lines, as they appear (maybe quote-escaped) in its error text."""


def _library(name: str) -> ModuleType:
    """A model-signing module, or an error saying how to install the extra."""
    import importlib

    try:
        return importlib.import_module(f"model_signing.{name}")
    except ImportError as error:
        raise ModelshareError(
            "signing needs the model-signing package: pip install 'modelshare[signing]'"
        ) from error


def _read_key_file(path: Path, kind: str) -> bytes:
    """The bytes of a key file, or an invalid-input error naming it."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise InvalidInputError(f"cannot read the {kind} {path}: {error.strerror}") from error


def _check_curve(key: Any, path: Path, kind: str) -> None:
    """Refuse keys model-signing cannot use: anything but an EC key on a supported curve."""
    from cryptography.hazmat.primitives.asymmetric import ec

    curve = getattr(getattr(key, "curve", None), "name", None)
    is_ec = isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey))
    if not is_ec or curve not in SUPPORTED_CURVES:
        name = type(key).__name__.lstrip("_").removesuffix("PrivateKey").removesuffix("PublicKey")
        found = f"an EC key on {curve}" if is_ec else f"not an EC key ({name})"
        raise InvalidInputError(
            f"{path} is {found}; model-signing needs an EC {kind} on P-256, P-384 or P-521: "
            f"{KEY_HINT}"
        )


def check_private_key(path: str | Path, password: str | None = None) -> None:
    """Load a PEM private key as model-signing will, failing with one line that says why not.

    Example:
        >>> from cryptography.hazmat.primitives import serialization as pem
        >>> from cryptography.hazmat.primitives.asymmetric import ec
        >>> key = ec.generate_private_key(ec.SECP256R1())
        >>> _ = Path("key.pem").write_bytes(
        ...     key.private_bytes(pem.Encoding.PEM, pem.PrivateFormat.PKCS8, pem.NoEncryption())
        ... )
        >>> check_private_key(Path("key.pem"))
        >>> from cryptography.hazmat.primitives.asymmetric import ed25519
        >>> _ = Path("ed25519.pem").write_bytes(
        ...     ed25519.Ed25519PrivateKey.generate().private_bytes(
        ...         pem.Encoding.PEM, pem.PrivateFormat.PKCS8, pem.NoEncryption()
        ...     )
        ... )
        >>> check_private_key(Path("ed25519.pem"))
        Traceback (most recent call last):
        ...
        modelshare.errors.InvalidInputError: ed25519.pem is not an EC key (Ed25519); ...
    """
    from cryptography.hazmat.primitives import serialization

    path = Path(path)
    data = _read_key_file(path, "private key")
    secret = password.encode() if password is not None else None
    try:
        key = serialization.load_pem_private_key(data, secret)
    except TypeError as error:
        hint = (
            "give its password with --password-env VAR" if secret is None else "drop the password"
        )
        state = "is encrypted" if secret is None else "is not encrypted"
        raise InvalidInputError(f"the private key {path} {state}: {hint}") from error
    except ValueError as error:
        raise InvalidInputError(
            f"cannot load the private key {path}: wrong password, or not a PEM private key"
        ) from error
    _check_curve(key, path, "private key")


def check_public_key(path: str | Path) -> None:
    """Load a PEM public key as model-signing will, failing with one line that says why not.

    Example:
        >>> from cryptography.hazmat.primitives import serialization as pem
        >>> from cryptography.hazmat.primitives.asymmetric import ec
        >>> key = ec.generate_private_key(ec.SECP256R1())
        >>> _ = Path("key.pem").write_bytes(
        ...     key.private_bytes(pem.Encoding.PEM, pem.PrivateFormat.PKCS8, pem.NoEncryption())
        ... )
        >>> _ = Path("pub.pem").write_bytes(key.public_key().public_bytes(
        ...     pem.Encoding.PEM, pem.PublicFormat.SubjectPublicKeyInfo
        ... ))
        >>> check_public_key(Path("pub.pem"))

    Raises:
        InvalidInputError: the file cannot be read, or is not a PEM EC public key.
    """
    from cryptography.hazmat.primitives import serialization

    path = Path(path)
    data = _read_key_file(path, "public key")
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as error:
        raise InvalidInputError(f"{path} is not a PEM public key: {KEY_HINT}") from error
    _check_curve(key, path, "public key")


def sign_release(
    folder: str | Path, private_key: str | Path, *, password: str | None = None
) -> Path:
    """Sign a release folder that matches its manifest; writes ``model.sig`` atomically.

    Example:
        >>> from cryptography.hazmat.primitives import serialization as pem
        >>> from cryptography.hazmat.primitives.asymmetric import ec
        >>> key = ec.generate_private_key(ec.SECP256R1())
        >>> _ = Path("key.pem").write_bytes(
        ...     key.private_bytes(pem.Encoding.PEM, pem.PrivateFormat.PKCS8, pem.NoEncryption())
        ... )
        >>> sign_release(Path("releases/penguin-species"), Path("key.pem")).name
        'model.sig'

    Raises:
        NotAReleaseError: ``folder`` holds no release.
        IntegrityError: the folder differs from its manifest, or has none.
        InvalidInputError: the key cannot be read, is not an EC key, or the password is wrong.
        ModelshareError: the model-signing package is not installed.
    """
    folder, private_key = require_release(folder), Path(private_key)
    verify_folder(folder).require_match("nothing was signed")
    check_private_key(private_key, password)
    signing, hashing = _library("signing"), _library("hashing")
    config = signing.Config().use_elliptic_key_signer(
        private_key=private_key, password=password.encode() if password is not None else None
    )
    config.set_hashing_config(hashing.Config().set_ignored_paths(paths=list(SIGNATURE_FILES)))
    with tempfile.TemporaryDirectory(prefix="modelshare-sign-") as scratch:
        signature = Path(scratch) / SIGNATURE_FILE
        config.sign(folder, signature)
        write_file_durably(folder / SIGNATURE_FILE, signature.read_bytes())
    return folder / SIGNATURE_FILE


def _describe_mismatch(message: str) -> str:
    """The files a model-signing mismatch message names, as ``path status`` pairs."""
    found = []
    for pattern, status in _MISMATCHES:
        for match in pattern.finditer(message):
            found += [f"{path.strip()} {status}" for path in match.group(1).split(",")]
    return ", ".join(sorted(found)) or "the files differ"


def _failure(name: str, public_key: Path, error: Exception) -> IntegrityError:
    """One line for whatever model-signing found wrong with the signature of ``name``."""
    message = str(error)
    if message.startswith("Key mismatch"):
        return IntegrityError(
            f"{name} was signed with another key than {public_key}; "
            "do not use it unless you trust the key that signed it"
        )
    if message.startswith("Signature mismatch"):
        return IntegrityError(
            f"{name} does not match its signature: {_describe_mismatch(message)}; "
            "it was changed after signing"
        )
    return IntegrityError(
        f"the {SIGNATURE_FILE} of {name} is not a valid signature for {public_key}: "
        "it was damaged or forged"
    )


def verify_signature(
    folder: str | Path, public_key: str | Path, *, name: str | None = None
) -> None:
    """Check that ``folder`` holds exactly the files the owner of ``public_key`` signed.

    ``name`` is how messages call the release (default: the folder's path).

    Example:
        >>> from cryptography.hazmat.primitives import serialization as pem
        >>> from cryptography.hazmat.primitives.asymmetric import ec
        >>> key = ec.generate_private_key(ec.SECP256R1())
        >>> _ = Path("key.pem").write_bytes(
        ...     key.private_bytes(pem.Encoding.PEM, pem.PrivateFormat.PKCS8, pem.NoEncryption())
        ... )
        >>> _ = Path("pub.pem").write_bytes(key.public_key().public_bytes(
        ...     pem.Encoding.PEM, pem.PublicFormat.SubjectPublicKeyInfo
        ... ))
        >>> _ = sign_release(Path("releases/penguin-species"), Path("key.pem"))
        >>> verify_signature(Path("releases/penguin-species"), Path("pub.pem"))

    Raises:
        IntegrityError: naming what differs: an unsigned folder, another key, a changed,
            missing or extra file, or a damaged signature.
        InvalidInputError: ``public_key`` cannot be read or is not a PEM public key.
        ModelshareError: the model-signing package is not installed.
    """
    folder, public_key = Path(folder), Path(public_key)
    name = name or str(folder)
    check_public_key(public_key)
    signature = folder / SIGNATURE_FILE
    if not signature.is_file():
        raise IntegrityError(
            f"{name} is not signed: {SIGNATURE_FILE} not found; "
            "its publisher signs it with `modelshare sign DIR --key key.pem`"
        )
    verifying = _library("verifying")
    config = verifying.Config().use_elliptic_key_verifier(public_key=public_key)
    try:
        config.verify(folder, signature)
    except Exception as error:  # model-signing reports every failure as a plain exception
        raise _failure(name, public_key, error) from error


def signature_check(public_key: str | Path, *, name: str) -> Callable[[Path], None]:
    """A check that a pulled copy of ``name`` is signed by ``public_key``, for
    ``pull(accept=...)``; the key itself is checked first, before anything is downloaded.

    Example:
        >>> from cryptography.hazmat.primitives import serialization as pem
        >>> from cryptography.hazmat.primitives.asymmetric import ec
        >>> key = ec.generate_private_key(ec.SECP256R1())
        >>> _ = Path("key.pem").write_bytes(
        ...     key.private_bytes(pem.Encoding.PEM, pem.PrivateFormat.PKCS8, pem.NoEncryption())
        ... )
        >>> _ = Path("pub.pem").write_bytes(key.public_key().public_bytes(
        ...     pem.Encoding.PEM, pem.PublicFormat.SubjectPublicKeyInfo
        ... ))
        >>> _ = sign_release(Path("releases/penguin-species"), Path("key.pem"))
        >>> from modelshare.hubs.local import LocalRegistry
        >>> _ = LocalRegistry().publish(Path("releases/penguin-species"))
        >>> check = signature_check(Path("pub.pem"), name="penguin-species@1.0.0")
        >>> LocalRegistry().pull("penguin-species", "1.0.0", accept=check)
        PosixPath('penguin-species-1.0.0')
    """
    check_public_key(public_key)

    def check(folder: Path) -> None:
        verify_signature(folder, public_key, name=name)

    return check
