"""Reading a user's sample file, the same way for every domain.

Arrays (points, images): ``.npz`` with exactly one array, ``.npy``, and optionally
``.csv``/``.txt``; never unpickled (``allow_pickle=False``). Text (molecules, sentences): the
file as a person or another tool saved it, decoded by :func:`read_text` — compressed or not
(gzip, bzip2, xz, found by their first bytes, not the name), with or without a byte-order mark,
UTF-8, UTF-16 or UTF-32 — so a file saved by Excel, Notepad or ``gzip`` scores as the plain file
would. Anything unreadable is a one-line :class:`UserError`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ganbench.core.errors import UserError


def read_array(path: Path, what: str, expected: str, text_ok: bool = False) -> np.ndarray:
    """The array in ``path``. ``what`` names it in the .npz message ("image array"), ``expected``
    says what to give instead ("a .npy of N×2 floats"); ``text_ok`` also reads .csv/.txt tables."""
    try:
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                if len(z.files) != 1:
                    raise UserError(f"{path}: .npz must hold exactly one {what}, found {z.files}")
                return z[z.files[0]]
        if text_ok and path.suffix in (".csv", ".txt"):
            return np.loadtxt(path, delimiter="," if path.suffix == ".csv" else None, ndmin=2)
        return np.load(path, allow_pickle=False)
    except UserError:
        raise
    except Exception as exc:  # corrupt file, object array, text in a .npy ...
        raise UserError(f"cannot read {path} as a numeric array ({exc.__class__.__name__}): give {expected}") from None


MAX_TEXT_BYTES = 1 << 30  # a sample file's text, once decompressed: 1 GiB (~20 million SMILES)
_COMPRESSED = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"))
_ARCHIVES = ((b"PK\x03\x04", "a zip archive"), (b"PK\x05\x06", "an empty zip archive"), (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"))
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xef\xbb\xbf", "utf-8"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def _mb(n: int) -> str:
    return f"{n / (1 << 20):.0f} MB"


def _read_bounded(stream, path: Path, what: str) -> bytes:
    data = stream.read(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        raise UserError(f"{path} holds more than {_mb(MAX_TEXT_BYTES)} of text{what}: give a smaller sample file")
    return data


def read_bytes(path: Path) -> bytes:
    """The content of a sample file, decompressed when its first bytes say gzip, bzip2 or xz; at
    most :data:`MAX_TEXT_BYTES` (a compressed file that inflates past it is refused, not read)."""
    import bz2
    import gzip
    import lzma

    with open(path, "rb") as f:
        head = f.read(8)
        f.seek(0)
        for magic, kind in _ARCHIVES:
            if head.startswith(magic):
                raise UserError(f"{path} is {kind}, not a sample file: unpack it and give the file inside")
        for magic, kind in _COMPRESSED:
            if head.startswith(magic):
                opener = {"gzip": lambda raw: gzip.GzipFile(fileobj=raw), "bzip2": bz2.BZ2File, "xz": lzma.LZMAFile}[kind]
                try:
                    with opener(f) as inner:
                        return _read_bounded(inner, path, " once decompressed")
                except (OSError, EOFError, lzma.LZMAError, ValueError) as exc:
                    raise UserError(f"{path} starts like a {kind} file but cannot be decompressed ({exc}): "
                                    f"give the plain text file or a whole {kind} file") from None
        return _read_bounded(f, path, "")


def _encoding(data: bytes) -> tuple[str, int]:
    """(codec, bytes of byte-order mark to skip): a mark decides; without one, ASCII text saved as
    UTF-16 shows as NUL bytes in every other place (odd places: little-endian)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec, len(bom)
    head = data[:4096]
    pairs = len(head) // 2
    if pairs >= 2 and b"\x00" in head:
        even = sum(1 for b in head[0:2 * pairs:2] if b == 0) / pairs
        odd = sum(1 for b in head[1:2 * pairs:2] if b == 0) / pairs
        if odd > 0.9 and even < 0.1:
            return "utf-16-le", 0
        if even > 0.9 and odd < 0.1:
            return "utf-16-be", 0
    return "utf-8", 0


def read_text(path: str | Path, strict: bool, fix: str) -> str:
    """The text of a user's sample file (module docstring), without its byte-order mark.

    ``strict``: bytes that are not text in the file's encoding are a UserError ending in ``fix``;
    otherwise they become U+FFFD (a domain that counts such lines as invalid samples)."""
    path = Path(path)
    try:
        data = read_bytes(path)
    except OSError as exc:
        raise UserError(f"cannot read {path} ({exc.__class__.__name__}: {exc.strerror or exc}); {fix}") from None
    codec, skip = _encoding(data)
    try:
        return data[skip:].decode(codec, errors="strict" if strict else "replace")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path} is not {codec.upper()} text (byte {exc.start + skip}): {fix}") from None
