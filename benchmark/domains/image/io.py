"""Image arrays in and out: reading a user's samples (.npy/.npz/PNG folder) and sample grids.

Inside the benchmark an image set is a uint8 array N×H×W×C (what a PNG holds). Users may give a
``.npy``/``.npz`` array N×H×W[×C] of uint8, or of floats in [0, 1] (rounded to uint8 as a PNG
writer would), or a folder of PNGs (read pixel-exact by :func:`read_png`: bit depth, palette and
alpha handled or refused); anything else is a one-line :class:`UserError` that states the
expected format.

Non-finite values are handled by where they come from. In a user's float array a NaN or an
infinity is an input error ("contains NaN"): no image file holds one, and rounding it to a pixel
would score something the user never made. A generator that outputs them during a run is a
measurement, not an input error: :func:`from_generator` turns such an image into defined pixels
(NaN mid-grey, ±inf saturated, the same on every device) and counts it (``.nonfinite`` of the
returned :class:`GeneratedImages`), and the image metrics record the count beside their values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ganbench.core.errors import UserError
from ganbench.core.sample_files import read_array


def _fmt(shape) -> str:
    h, w, c = shape
    return f"N×{h}×{w}" + ("" if c == 1 else f"×{c}") + f" (or N×{h}×{w}×{c})"


def to_uint8(arr: np.ndarray, shape: tuple[int, int, int], source: str) -> np.ndarray:
    """Validate an image array against (H, W, C) and return uint8 N×H×W×C."""
    h, w, c = shape
    expected = f"{_fmt(shape)} images, uint8 0..255 or float in [0, 1]"
    if arr.ndim == 3 and c == 1:
        arr = arr[..., None]
    if arr.ndim != 4 or arr.shape[1:] != (h, w, c) or arr.shape[0] == 0:
        raise UserError(f"{source}: expected {expected}; got an array of shape {arr.shape}")
    if arr.dtype == np.uint8:
        return np.ascontiguousarray(arr)
    if np.issubdtype(arr.dtype, np.floating):
        finite = np.isfinite(arr)
        if not finite.all():
            bad = int((~finite).reshape(len(arr), -1).any(axis=1).sum())
            what = "NaN" if np.isnan(arr).any() else "infinite values"
            raise UserError(f"{source}: contains {what} ({bad} of {len(arr)} images); expected {expected}")
        if arr.min() < 0.0 or arr.max() > 1.0:
            raise UserError(f"{source}: float images must lie in [0, 1] (found {arr.min():.3g}..{arr.max():.3g}); "
                            f"expected {expected}")
        return np.rint(arr * 255.0).astype(np.uint8)
    if np.issubdtype(arr.dtype, np.integer):
        if arr.min() < 0 or arr.max() > 255:
            raise UserError(f"{source}: integer images must lie in 0..255; expected {expected}")
        return arr.astype(np.uint8)
    raise UserError(f"{source}: unsupported dtype {arr.dtype}; expected {expected}")


class GeneratedImages(np.ndarray):
    """uint8 N×H×W×C images decoded from a generator, with how many held a non-finite value."""

    nonfinite: int = 0

    def __array_finalize__(self, obj) -> None:
        self.nonfinite = 0  # a slice or copy does not claim its parent's count


def from_generator(raw) -> GeneratedImages:
    """A generator's [-1, 1] N×C×H×W float tensor -> uint8 N×H×W×C (round to nearest, as saving a
    PNG does), on the host. NaN becomes mid-grey and ±inf saturate (``nan_to_num`` first: casting
    NaN to uint8 is undefined and differs between devices); such images are counted."""
    import torch

    x = raw.detach().float()
    finite = torch.isfinite(x).flatten(1).all(dim=1) if x.ndim > 1 else torch.isfinite(x)
    nonfinite = int((~finite).sum())
    if nonfinite:
        x = torch.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0)
    u8 = x.add(1.0).mul(127.5).round().clamp(0, 255).to(torch.uint8).cpu()
    out = u8.permute(0, 2, 3, 1).contiguous().numpy().view(GeneratedImages)
    out.nonfinite = nonfinite
    return out


OTHER_IMAGES = (".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")


def load_images(path: str | Path, shape: tuple[int, int, int]) -> np.ndarray:
    """A user's sample file or PNG folder -> validated uint8 N×H×W×C."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".png")
        others = sorted({p.suffix.lower() for p in path.iterdir() if p.suffix.lower() in OTHER_IMAGES})
        if others:
            count = sum(1 for p in path.iterdir() if p.suffix.lower() in OTHER_IMAGES)
            raise UserError(f"{path}: holds {count} {'/'.join(others)} file{'s' if count > 1 else ''}; ganbench reads "
                            f"PNG folders only (a lossy format would change the scores): save the samples as PNG")
        if not files:
            raise UserError(f"{path}: no .png files in the folder; expected PNGs of {shape[0]}×{shape[1]} pixels")
        return to_uint8(np.stack([read_png(f, shape) for f in files]), shape, str(path))
    if not path.is_file():
        raise UserError(f"sample file {path} does not exist: give a .npy/.npz of {_fmt(shape)} images or a folder of PNGs")
    if path.suffix.lower() == ".png":
        raise UserError(f"{path} is one PNG image: give a folder of PNGs (one sample each) or a .npy of {_fmt(shape)} images")
    arr = read_array(path, "image array", f"a .npy of {_fmt(shape)} images")
    return to_uint8(arr, shape, str(path))


def read_png(path: Path, shape: tuple[int, int, int]) -> np.ndarray:
    """One PNG as uint8 H×W×C, its pixels as they are meant, or a UserError naming the file.

    The size is checked before any pixel is decoded (a decompression bomb declares gigapixels).
    16-bit greyscale is scaled exactly (``round(v / 257)``: 65535 -> 255; PIL's own conversion
    clips everything above 255); 16-bit colour is refused (PIL keeps only its high byte, off by
    one level in half the pixels). Palette images are read through their palette; an alpha
    channel is dropped when every pixel is opaque and refused otherwise (the background is
    unknown). A colour image for a greyscale task is refused unless its channels are equal."""
    from PIL import Image

    h, w, c = shape
    try:
        with Image.open(path) as im:
            if im.size != (w, h):
                raise UserError(f"{path}: image is {im.size[0]}×{im.size[1]}, expected {w}×{h} pixels")
            rawmode = im.tile[0].args if im.tile and isinstance(im.tile[0].args, str) else ""
            if ";16" in rawmode and not im.mode.startswith("I"):
                raise UserError(f"{path}: a 16-bit colour PNG ({rawmode}); save the samples as 8-bit PNGs")
            if im.mode.startswith("I"):  # 16-bit greyscale ("I;16", "I;16B"; "I" in older PIL)
                wide = np.asarray(im).astype(np.int64)
                if wide.min() < 0 or wide.max() > 65535:
                    raise UserError(f"{path}: pixel values outside 0..65535; save the samples as 8-bit PNGs")
                pixels = ((wide * 2 + 257) // 514).astype(np.uint8)[..., None]  # round(v / 257)
            elif im.mode == "1":
                pixels = np.asarray(im.convert("L"))[..., None]
            elif im.mode in ("L", "RGB"):
                pixels = np.asarray(im)
            else:  # P, PA, LA, RGBA and the rest: through RGBA, the alpha checked
                rgba = np.asarray(im.convert("RGBA"))
                if (rgba[..., 3] != 255).any():
                    raise UserError(f"{path}: has transparent pixels; ganbench cannot know their background: save "
                                    f"the samples without an alpha channel")
                pixels = rgba[..., :3]
    except UserError:
        raise
    except Image.DecompressionBombError as exc:
        raise UserError(f"{path}: refused as a possible decompression bomb ({exc})") from None
    except (OSError, ValueError, SyntaxError) as exc:  # not a PNG, truncated, a broken chunk
        raise UserError(f"{path}: cannot read it as a PNG ({exc.__class__.__name__}: {str(exc)[:120]})") from None
    pixels = pixels if pixels.ndim == 3 else pixels[..., None]
    if c == 1 and pixels.shape[2] == 3:
        if not ((pixels[..., 0] == pixels[..., 1]) & (pixels[..., 1] == pixels[..., 2])).all():
            raise UserError(f"{path}: a colour image, but the task's images are greyscale: give greyscale PNGs")
        pixels = pixels[..., :1]
    elif c == 3 and pixels.shape[2] == 1:
        pixels = np.repeat(pixels, 3, axis=2)
    return pixels


def grid(images: np.ndarray, nrow: int = 8, pad: int = 2) -> np.ndarray:
    """uint8 N×H×W×C -> one uint8 image with the samples tiled ``nrow`` per row (white padding)."""
    n, h, w, c = images.shape
    rows = -(-n // nrow)
    out = np.full((rows * (h + pad) + pad, nrow * (w + pad) + pad, c), 255, dtype=np.uint8)
    for i in range(n):
        r, col = divmod(i, nrow)
        out[pad + r * (h + pad):pad + r * (h + pad) + h, pad + col * (w + pad):pad + col * (w + pad) + w] = images[i]
    return out


def save_grid(images: np.ndarray, path: str | Path, nrow: int = 8, scale: int = 1) -> None:
    """Write a sample grid PNG (nearest-neighbour upscaled ``scale``× so small images are visible)."""
    from PIL import Image

    g = grid(images, nrow)
    if scale > 1:
        g = g.repeat(scale, axis=0).repeat(scale, axis=1)
    Image.fromarray(g[..., 0] if g.shape[2] == 1 else g).save(path)
