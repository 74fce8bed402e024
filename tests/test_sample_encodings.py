"""Sample files in the encodings and formats a user really has give the numbers of the plain file,
or one line saying why not (issue 24).

Molecules: a UTF-8 byte-order mark is stripped; UTF-16 (with or without a mark), gzip, bzip2 and
xz files are read; a CSV with a header names its SMILES column (MOSES' ``SMILES,SPLIT``); a CSV
without one, a zip archive and a decompressed size over the bound are refused. PNG folders:
16-bit pixels are scaled, not clipped; palette and alpha images are read when opaque and refused
when transparent; colour images for a greyscale task are refused; a wrong-size image, a
decompression bomb, one image (or fewer than the metrics need) and a folder of JPEGs are each
one line. A generator handed to ``ganbench.evaluate`` must return the samples it is asked for.
"""

import bz2
import gzip
import lzma
import struct
import zlib

import numpy as np
import pytest
import torch

import ganbench
from cli_helpers import one_line_error, run_cli
from ganbench.core.errors import UserError


# --- molecule sample files ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def smiles():
    from ganbench.domains.molecule.moses_data import read_small_split

    return read_small_split("test")[:20] + ["not-a-molecule"]


def _validity(path):
    scores = ganbench.evaluate("molecule/moses-small", path, metrics=["validity"])
    return scores["validity"], scores.details["validity"]


@pytest.fixture(scope="module")
def plain_validity(smiles, tmp_path_factory):
    path = tmp_path_factory.mktemp("plain") / "plain.txt"
    path.write_text("\n".join(smiles) + "\n")
    value, details = _validity(path)
    assert value == pytest.approx(20 / 21)
    return value, details


def _text(smiles):
    return "\n".join(smiles) + "\n"


@pytest.mark.parametrize("name, encode", [
    ("bom.txt", lambda t: b"\xef\xbb\xbf" + t.encode("utf-8")),
    ("utf16.txt", lambda t: t.encode("utf-16")),  # with its byte-order mark
    ("utf16le.txt", lambda t: t.encode("utf-16-le")),  # without one (Windows "Unicode" without BOM)
    ("utf16be.txt", lambda t: t.encode("utf-16-be")),
    ("utf32.txt", lambda t: t.encode("utf-32")),  # with its byte-order mark
    ("utf16-bom-le.txt", lambda t: b"\xff\xfe" + t.encode("utf-16-le")),
    ("plain.txt.gz", lambda t: gzip.compress(t.encode())),
    ("plain.smi.bz2", lambda t: bz2.compress(t.encode())),
    ("plain.smi.xz", lambda t: lzma.compress(t.encode())),
    ("gz-no-suffix.txt", lambda t: gzip.compress(t.encode())),
    ("bom-gzip.csv.gz", lambda t: gzip.compress(b"\xef\xbb\xbfSMILES,SPLIT\n" + "".join(f"{s},test\n" for s in t.splitlines()).encode())),
    ("moses.csv", lambda t: ("SMILES,SPLIT\n" + "".join(f"{s},test\n" for s in t.splitlines())).encode()),
    ("lower.csv", lambda t: ("name,smiles,score\n" + "".join(f"m{i},{s},0.5\n" for i, s in enumerate(t.splitlines()))).encode()),
    ("quoted.csv", lambda t: ('"SMILES","SPLIT"\n' + "".join(f'"{s}","test"\n' for s in t.splitlines())).encode()),
    ("tabs.tsv", lambda t: ("smiles\tname\n" + "".join(f"{s}\tm{i}\n" for i, s in enumerate(t.splitlines()))).encode()),
    ("crlf.txt", lambda t: t.replace("\n", "\r\n").encode()),
])
def test_molecule_files_score_as_the_plain_file(tmp_path, smiles, plain_validity, name, encode):
    path = tmp_path / name
    path.write_bytes(encode(_text(smiles)))
    value, details = _validity(path)
    assert value == plain_validity[0]
    assert details["n_samples"] == plain_validity[1]["n_samples"] == 21


@pytest.mark.parametrize("name, content, needle", [
    ("nocol.csv", b"name,score\nCCO,1\n", "SMILES column"),
    ("headerless.csv", b"CCO,0.5\nCCN,0.7\n", "SMILES column"),
    ("two.csv", b"smiles,SMILES\nCCO,CCO\n", "2 SMILES columns"),
    ("archive.zip", b"PK\x03\x04" + b"\x00" * 40, "zip"),
    ("broken.gz", b"\x1f\x8b\x08\x00garbage", "gzip"),
], ids=lambda v: v if isinstance(v, str) and not v.startswith(("PK", "\x1f")) else "")
def test_molecule_files_that_cannot_be_read_are_one_line(capsys, tmp_path, name, content, needle):
    path = tmp_path / name
    path.write_bytes(content)
    code, _, err = run_cli(capsys, "eval", "molecule/moses-small", "--samples", str(path), "--metrics", "validity")
    one_line_error(code, err, needle)


def test_decompressed_size_is_bounded(tmp_path, monkeypatch):
    from ganbench.core import sample_files

    monkeypatch.setattr(sample_files, "MAX_TEXT_BYTES", 1 << 20)
    path = tmp_path / "bomb.txt.gz"
    path.write_bytes(gzip.compress(b"C\n" * (1 << 20)))  # 2 MB inflated from 2 kB
    with pytest.raises(UserError, match="more than 1 MB"):
        ganbench.evaluate("molecule/moses-small", path, metrics=["validity"])


# --- PNG folders ------------------------------------------------------------------------------------
Image = pytest.importorskip("PIL.Image")
DIGITS = (8, 8, 1)


def _load(folder, shape=DIGITS):
    from ganbench.domains.image.io import load_images

    return load_images(folder, shape)


def _folder(tmp_path, name, images, mode=None, **save):
    folder = tmp_path / name
    folder.mkdir()
    for i, img in enumerate(images):
        (Image.fromarray(img, mode) if mode else Image.fromarray(img)).save(folder / f"{i:03d}.png", **save)
    return folder


@pytest.fixture
def grey(tmp_path):
    return (np.random.default_rng(0).random((12, 8, 8)) * 255).astype(np.uint8)


def test_16_bit_greyscale_is_scaled_not_clipped(tmp_path, grey):
    wide = grey.astype(np.uint16) * 257  # the 16-bit image of each 8-bit one (0 -> 0, 255 -> 65535)
    got = _load(_folder(tmp_path, "g16", wide))
    assert Image.open(next((tmp_path / "g16").iterdir())).mode.startswith("I")  # PIL keeps 16 bits
    assert np.array_equal(got[..., 0], grey)
    noisy = wide + np.random.default_rng(1).integers(0, 128, wide.shape).astype(np.uint16)  # low bits set
    assert np.array_equal(_load(_folder(tmp_path, "g16n", noisy))[..., 0], grey)


def test_16_bit_colour_is_refused(tmp_path, grey):
    """PIL keeps only the high byte of 16-bit colour (off by one level in half the pixels): refused."""
    folder = _folder(tmp_path, "rgb16", grey[:11])
    rows = b"".join(b"\x00" + b"".join(struct.pack(">HHH", 1000 * x, 1000 * x, 65535) for x in range(8)) for _ in range(8))
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data
                                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    (folder / "zz.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 16, 2, 0, 0, 0))
                                   + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    with pytest.raises(UserError, match="16-bit colour"):
        _load(folder, (8, 8, 3))


def test_palette_and_opaque_alpha_images_read_as_their_pixels(tmp_path, grey):
    rgb = np.repeat(grey[..., None], 3, axis=-1)
    pal = tmp_path / "pal"
    pal.mkdir()
    for i, g in enumerate(grey):  # a palette image whose palette is the grey ramp: index i is grey level i
        im = Image.fromarray(g, "P")
        im.putpalette([v for level in range(256) for v in (level, level, level)])
        im.save(pal / f"{i:03d}.png")
    assert Image.open(pal / "000.png").mode == "P"
    assert np.array_equal(_load(pal), grey[..., None])
    rgba = np.concatenate([rgb, np.full(rgb.shape[:-1] + (1,), 255, np.uint8)], axis=-1)
    assert np.array_equal(_load(_folder(tmp_path, "rgba", rgba, "RGBA")), grey[..., None])
    assert np.array_equal(_load(_folder(tmp_path, "rgba3", rgba, "RGBA"), (8, 8, 3)), rgb)
    la = np.stack([grey, np.full(grey.shape, 255, np.uint8)], axis=-1)
    assert np.array_equal(_load(_folder(tmp_path, "la", la, "LA")), grey[..., None])


@pytest.mark.parametrize("kind", ["rgba", "la", "palette"])
def test_transparent_images_are_refused(tmp_path, grey, kind):
    folder = tmp_path / kind
    folder.mkdir()
    for i, g in enumerate(grey):
        alpha = np.full(g.shape, 255, np.uint8)
        alpha[0, 0] = 0
        if kind == "rgba":
            Image.fromarray(np.dstack([g, g, g, alpha]), "RGBA").save(folder / f"{i}.png")
        elif kind == "la":
            Image.fromarray(np.dstack([g, alpha]), "LA").save(folder / f"{i}.png")
        else:
            Image.fromarray(g).convert("P").save(folder / f"{i}.png", transparency=int(Image.fromarray(g).convert("P").getpixel((0, 0))))
    with pytest.raises(UserError, match="transparent"):
        _load(folder)


def test_colour_images_for_a_greyscale_task_are_refused(tmp_path, grey):
    colour = np.random.default_rng(2).integers(0, 256, (12, 8, 8, 3), dtype=np.uint8)
    with pytest.raises(UserError, match="colour"):
        _load(_folder(tmp_path, "colour", colour))
    greyish = np.repeat(grey[..., None], 3, axis=-1)  # grey saved as RGB: its pixels are exact
    assert np.array_equal(_load(_folder(tmp_path, "greyish", greyish)), grey[..., None])


def test_wrong_size_image_names_the_image_not_a_folder(capsys, tmp_path, grey):
    folder = _folder(tmp_path, "imgs", list(grey[:11]) + [np.zeros((9, 8), np.uint8)])
    code, _, err = run_cli(capsys, "eval", "image/digits", "--samples", str(folder))
    one_line_error(code, err, "image is 8×9, expected 8×8 pixels")
    assert "is a folder" not in err


def _png(width, height, raw: bytes) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_decompression_bomb_is_one_line(capsys, tmp_path, grey):
    folder = _folder(tmp_path, "bomb", grey)
    (folder / "zzz.png").write_bytes(_png(60000, 60000, b"\x00" * 64))  # 3.6 gigapixels declared
    code, _, err = run_cli(capsys, "eval", "image/digits", "--samples", str(folder))
    one_line_error(code, err, "zzz.png")


def test_one_image_or_too_few_are_one_line(capsys, tmp_path, grey):
    one = _folder(tmp_path, "one", grey[:1])
    code, _, err = run_cli(capsys, "eval", "image/digits", "--samples", str(one))
    one_line_error(code, err, "at least 10")
    code, _, err = run_cli(capsys, "eval", "image/digits", "--samples", str(one / "000.png"))
    one_line_error(code, err, "one PNG image")
    few = tmp_path / "few.npy"
    np.save(few, grey[:5])
    code, _, err = run_cli(capsys, "eval", "image/digits", "--samples", str(few))
    one_line_error(code, err, "at least 10")
    code, _, err = run_cli(capsys, "eval", "image/digits", "--samples", str(few), "--metrics", "fid")
    assert code == 0, err  # FID alone needs 2 images: five are scored


def test_a_folder_of_other_images_is_refused_not_half_read(tmp_path, grey):
    folder = _folder(tmp_path, "mixed", grey)
    for i in range(3):
        Image.fromarray(grey[i]).save(folder / f"x{i}.jpg")
    with pytest.raises(UserError, match="3 .jpg"):
        _load(folder)


# --- a generator handed to the API returns what it is asked for ----------------------------------------
class Fixed:
    """A 'generator' whose sample() ignores the count it is given."""

    def __init__(self, make):
        self.make = make

    def sample(self, n, rng):
        return self.make(n)


@pytest.mark.parametrize("make, needle", [(lambda n: torch.zeros(3, 2), "3 samples"),
                                          (lambda n: torch.zeros(n + 400, 2), "samples"),
                                          (lambda n: torch.zeros(n, 3), "N×2"),
                                          (lambda n: torch.zeros(n), "N×2")])
def test_evaluate_generator_checks_count_and_shape(make, needle):
    with pytest.raises(UserError, match=needle):
        ganbench.evaluate("toy/ring8", generator=Fixed(make), n=100)


def test_evaluate_generator_checks_image_shape():
    with pytest.raises(UserError, match="8×8"):
        ganbench.evaluate("image/digits", generator=Fixed(lambda n: torch.zeros(n, 1, 9, 9)), n=64, metrics=["fid"])


def test_evaluate_generator_with_the_right_output_still_scores():
    task = ganbench.load_task("toy/ring8")
    pts = torch.as_tensor(task.reference_samples(400))
    scores = ganbench.evaluate(task, generator=Fixed(lambda n: pts[:n]), n=300)
    assert scores["modes_covered"] == 8.0 and scores.details["modes_covered"]["n_samples"] == 300
