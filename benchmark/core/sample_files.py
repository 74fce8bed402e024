"""Reading a user's sample file, the same way for every domain.

Arrays (points, images): ``.npz`` with exactly one array, ``.npy``, and optionally
``.csv``/``.txt``; never unpickled (``allow_pickle=False``). Text (molecules, sentences): the
file as a person or another tool saved it, decoded by :func:`read_text` — compressed or not
(gzip, bzip2, xz, found by their first bytes, not the name), with or without a byte-order mark,
UTF-8, UTF-16 or UTF-32 — so a file saved by Excel, Notepad or ``gzip`` scores as the plain file
would. Anything unreadable is a one-line :class:`UserError`.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ganbench.core.errors import UserError


MAX_ARRAY_BYTES = 1 << 32  # an array in a sample file: 4 GiB (50,000 CIFAR images as float32 are 0.6 GiB)
_TABLE = re.compile(r"\.(csv|txt)(\.(gz|bz2|xz))?$", re.IGNORECASE)


def read_array(path: Path, what: str, expected: str, text_ok: bool = False) -> np.ndarray:
    """The array in ``path``. ``what`` names it in the .npz message ("image array"), ``expected``
    says what to give instead ("a .npy of N×2 floats"); ``text_ok`` also reads .csv/.txt tables
    (compressed or not, a header row skipped: :func:`read_table`).

    Nothing is allocated on the file's word: a ``.npy`` header is checked against the file's size
    and a ``.npz`` member's declared size against :data:`MAX_ARRAY_BYTES` before either is read, so
    a 200-byte file claiming 10^12 rows, or a 200 kB ``.npz`` inflating to gigabytes, is one line."""
    try:
        if path.stat().st_size == 0:
            raise UserError(f"{path} is empty: give {expected}")
        if text_ok and _TABLE.search(path.name):
            return read_table(path, expected)
        if path.suffix == ".npz":
            _check_members(path)
            with np.load(path, allow_pickle=False) as z:
                if len(z.files) != 1:
                    raise UserError(f"{path}: .npz must hold exactly one {what}, found {z.files}")
                return z[z.files[0]]
        _check_npy_header(path)
        return np.load(path, allow_pickle=False)
    except UserError:
        raise
    except Exception as exc:  # corrupt file, object array, text in a .npy ...
        raise UserError(f"cannot read {path} as a numeric array ({exc.__class__.__name__}): give {expected}") from None


def _gib(n: float) -> str:
    return f"{n / (1 << 30):,.1f} GiB" if n >= 1 << 30 else _mb(int(n))


def _check_npy_header(path: Path) -> None:
    """UserError when a ``.npy`` header asks for more bytes than the file holds or than the bound."""
    with open(path, "rb") as f:
        try:
            version = np.lib.format.read_magic(f)
            read = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}[version]
            shape, _, dtype = read(f)
        except Exception:  # noqa: BLE001 - not a .npy (or a version np.load checks itself): np.load says what it is
            return
        if dtype.hasobject:
            return  # np.load refuses it (no pickles)
        needed = int(np.prod(shape, dtype=object)) * dtype.itemsize
        held = path.stat().st_size - f.tell()
    if needed > held:
        raise UserError(f"{path}: its header declares a {dtype} array of shape {shape} ({needed:,} bytes) but the file "
                        f"holds {held:,}: it is truncated; save it again")
    if needed > MAX_ARRAY_BYTES:
        raise UserError(f"{path}: its header declares a {dtype} array of shape {shape} ({_gib(needed)}), more than "
                        f"the {_gib(MAX_ARRAY_BYTES)} a sample file may hold: give fewer samples")


def _check_members(path: Path) -> None:
    """UserError when a ``.npz`` member would inflate past :data:`MAX_ARRAY_BYTES` (a zip bomb)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            sizes = {info.filename: info.file_size for info in z.infolist()}
    except (zipfile.BadZipFile, OSError):
        return  # np.load says what is wrong
    for name, size in sizes.items():
        if size > MAX_ARRAY_BYTES:
            raise UserError(f"{path}: member {name} inflates to {_gib(size)}, more than {_gib(MAX_ARRAY_BYTES)}: "
                            f"give fewer samples")


def read_table(path: Path, expected: str) -> np.ndarray:
    """A numeric table (``.csv``: commas; ``.txt``: whitespace) read as :func:`read_text` reads text;
    a first row that is not numbers (``x,y``) is a header and skipped."""
    import io

    text = read_text(path, strict=True, fix=f"give {expected}")
    delimiter = "," if ".csv" in path.name.lower() else None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise UserError(f"{path} holds no rows: give {expected}")
    skip = 0
    try:
        [float(x) for x in (lines[0].split(delimiter) if delimiter else lines[0].split())]
    except ValueError:
        skip = 1  # a header row
    return np.loadtxt(io.StringIO("\n".join(lines)), delimiter=delimiter, ndmin=2, skiprows=skip)


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
