"""Reading one numeric array from a user's sample file, the same way for every domain that takes
arrays (points, images): ``.npz`` with exactly one array, ``.npy``, and optionally ``.csv``/``.txt``.
Never unpickles (``allow_pickle=False``); anything unreadable is a one-line :class:`UserError`.
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
