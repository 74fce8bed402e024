"""Data lookup: the user's folder, then the cache, then a verified download; clear errors otherwise."""

import pytest

from ganbench.core.data import DataFile, DataLocator
from ganbench.core.errors import ChecksumError, DataNotFoundError, UserError
from local_http import no_wait, refused_url, server  # noqa: F401 (fixtures)

# RFC 1321 / FIPS 180-2 test vectors for "abc": independent of hashlib.
ABC_MD5 = "900150983cd24fb0d6963f7d28e17f72"
ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@pytest.fixture
def roots(tmp_path, monkeypatch):
    data, cache = tmp_path / "data", tmp_path / "cache"
    data.mkdir()
    monkeypatch.setenv("GANBENCH_CACHE", str(cache))
    monkeypatch.delenv("GANBENCH_DATA", raising=False)
    DataLocator._verified.clear()
    return data, cache


@pytest.mark.parametrize("pin", [{"sha256": ABC_SHA256}, {"md5": ABC_MD5}])
def test_file_in_the_named_folder_is_verified_and_found(roots, pin):
    data, _ = roots
    (data / "set").mkdir()
    (data / "set" / "f.bin").write_bytes(b"abc")
    assert DataLocator(data).find(DataFile("set/f.bin", **pin)) == data / "set" / "f.bin"


@pytest.mark.parametrize("pin,algo", [({"sha256": ABC_SHA256}, "sha256"), ({"md5": ABC_MD5}, "md5")])
def test_corrupt_file_names_the_file_and_both_checksums(roots, pin, algo):
    data, _ = roots
    (data / "f.bin").write_bytes(b"abd")
    with pytest.raises(ChecksumError) as err:
        DataLocator(data).find(DataFile("f.bin", url="https://example.org/f.bin", **pin))
    msg = str(err.value)
    assert isinstance(err.value, UserError) and "\n" not in msg
    assert "corrupt data file" in msg and str(data / "f.bin") in msg and algo in msg
    assert next(iter(pin.values()))[:16] in msg and "https://example.org/f.bin" in msg
    assert (data / "f.bin").read_bytes() == b"abd"  # never deleted behind the user's back


def test_sha256_wins_over_md5_when_both_are_pinned(roots):
    data, _ = roots
    (data / "f.bin").write_bytes(b"abc")
    with pytest.raises(ChecksumError, match="sha256"):
        DataLocator(data).find(DataFile("f.bin", sha256="0" * 64, md5=ABC_MD5))


def test_missing_file_without_source_says_where_to_put_it(roots):
    data, cache = roots
    with pytest.raises(DataNotFoundError) as err:
        DataLocator(data).find(DataFile("set/f.bin", ABC_SHA256))
    msg = str(err.value)
    assert str(data / "set/f.bin") in msg and str(cache / "data" / "set/f.bin") in msg and "GANBENCH_DATA" in msg


def test_offline_download_fails_with_the_url_and_leaves_no_partial_file(roots, no_wait):
    data, cache = roots
    url = refused_url("f.bin")
    with pytest.raises(DataNotFoundError) as err:
        DataLocator(data).find(DataFile("set/f.bin", url=url, md5=ABC_MD5))
    msg = str(err.value)
    assert "\n" not in msg and url in msg and "download failed (ConnectionError)" in msg
    assert str(cache / "data" / "set/f.bin") in msg and "GANBENCH_DATA" in msg
    assert not any(p.is_file() for p in cache.rglob("*"))


def test_download_is_verified_before_it_lands_in_the_cache(roots, server):
    data, cache = roots
    spec = DataFile("set/f.bin", url=server.url("f.bin"), md5=ABC_MD5)
    (server.root / "f.bin").write_bytes(b"abd")
    with pytest.raises(ChecksumError, match="wrong md5"):
        DataLocator(data).find(spec)
    assert not (cache / "data" / "set" / "f.bin").exists()
    (server.root / "f.bin").write_bytes(b"abc")
    path = DataLocator(data).find(spec)
    assert path == cache / "data" / "set" / "f.bin" and path.read_bytes() == b"abc"
    n = len(server.requests)
    assert DataLocator(data).find(spec) == path and len(server.requests) == n  # cached: not fetched again


def test_mnist_and_cifar_files_are_pinned():
    from ganbench.tasks.image_cifar10 import ARCHIVE
    from ganbench.tasks.image_mnist import FILES

    for spec in [*FILES.values(), ARCHIVE]:
        assert spec.checksum is not None and spec.url and len(spec.checksum[1]) in (32, 64)
