"""The downloader (pooch underneath) against a server on 127.0.0.1: lands verified, refuses and keeps
wrong bytes, retries a failing server, says where to put the file when offline; Inception's weights
come through the same path."""

import hashlib
import stat

import pytest
import torch

from ganbench.core import download
from ganbench.core.data import DataLocator
from ganbench.core.errors import ChecksumError, DataNotFoundError, UserError
from local_http import no_wait, refused_url, server  # noqa: F401 (fixtures)

# FIPS 180-2 / RFC 1321 test vectors for "abc": independent of hashlib and pooch.
ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
ABC_MD5 = "900150983cd24fb0d6963f7d28e17f72"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("GANBENCH_DATA", raising=False)
    DataLocator._verified.clear()
    return tmp_path / "cache"


@pytest.mark.parametrize("pin", [("sha256", ABC_SHA256), ("md5", ABC_MD5), ("sha256", ABC_SHA256[:8])])
def test_good_download_lands_verified_and_readable(cache, server, pin):
    (server.root / "f.bin").write_bytes(b"abc")
    target = cache / "data" / "set" / "f.bin"
    assert download.fetch(server.url("f.bin"), target, pin) == target
    assert target.read_bytes() == b"abc" and stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(p.name for p in target.parent.iterdir()) == ["f.bin"]  # no temporary file left behind
    assert download.fetch(server.url("f.bin"), target, pin) == target and len(server.requests) == 1


def test_wrong_checksum_is_refused_with_both_sums_and_kept_aside(cache, server, no_wait):
    (server.root / "f.bin").write_bytes(b"abd")
    target = cache / "data" / "f.bin"
    with pytest.raises(ChecksumError) as err:
        download.fetch(server.url("f.bin"), target, ("sha256", ABC_SHA256))
    msg, actual = str(err.value), hashlib.sha256(b"abd").hexdigest()
    assert isinstance(err.value, UserError) and "\n" not in msg
    assert ABC_SHA256 in msg and actual in msg and server.url("f.bin") in msg
    aside = target.with_name("f.bin.rejected")
    assert str(aside) in msg and aside.read_bytes() == b"abd" and not target.exists()
    assert len(server.requests) == 1 + download.RETRIES and no_wait == [1, 2]  # pooch retried, pausing 1 s, 2 s
    (server.root / "f.bin").write_bytes(b"abc")  # the source fixed: the next fetch succeeds, the reject goes
    download.fetch(server.url("f.bin"), target, ("sha256", ABC_SHA256))
    assert target.read_bytes() == b"abc" and not aside.exists()


def test_a_server_failing_the_first_request_is_retried(cache, server, no_wait):
    (server.root / "f.bin").write_bytes(b"abc")
    server.fail_next = 1
    target = download.fetch(server.url("f.bin"), cache / "f.bin", ("md5", ABC_MD5))
    assert target.read_bytes() == b"abc" and len(server.requests) == 2 and no_wait == [1]


def test_a_server_failing_every_attempt_is_an_oserror_naming_the_status(cache, server):
    (server.root / "f.bin").write_bytes(b"abc")
    server.fail_next = 99
    with pytest.raises(OSError, match="503"):
        download.fetch(server.url("f.bin"), cache / "f.bin", ("md5", ABC_MD5))
    assert len(server.requests) == 1 + download.RETRIES and not (cache / "f.bin").exists()


def test_progress_bar_only_on_a_terminal_outside_ci(monkeypatch):
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    monkeypatch.delenv("CI", raising=False)
    assert download.show_progress()
    monkeypatch.setenv("CI", "true")
    assert not download.show_progress()
    monkeypatch.delenv("CI")
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    assert not download.show_progress()


@pytest.fixture
def inception(cache, tmp_path, monkeypatch):
    """The Inception module with no weights on disk: no GANBENCH_INCEPTION_WEIGHTS, an empty hub."""
    pytest.importorskip("torch_fidelity")
    import ganbench.domains.image.features.inception as mod

    monkeypatch.delenv("GANBENCH_INCEPTION_WEIGHTS", raising=False)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    return mod


def test_inception_weights_are_downloaded_through_the_same_path(inception, cache, server, monkeypatch):
    fake = {"conv.weight": torch.arange(6.0).reshape(2, 3)}  # small stand-in: the real file is 95 MB
    torch.save(fake, server.root / inception.WEIGHTS_FILE)
    digest = hashlib.sha256((server.root / inception.WEIGHTS_FILE).read_bytes()).hexdigest()
    monkeypatch.setenv("GANBENCH_INCEPTION_URL", server.url(inception.WEIGHTS_FILE))
    monkeypatch.setattr(inception, "WEIGHTS_SHA256", digest[:8])  # pinned as the real one is: a prefix
    path = inception.resolve_weights()
    assert path == cache / "data" / "inception-v3" / inception.WEIGHTS_FILE
    loaded = torch.load(path, map_location="cpu", weights_only=True)
    assert torch.equal(loaded["conv.weight"], fake["conv.weight"])
    assert inception.resolve_weights() == path and len(server.requests) == 1  # cached


def test_inception_weights_with_the_wrong_checksum_are_refused(inception, cache, server, monkeypatch):
    torch.save({"w": torch.zeros(1)}, server.root / inception.WEIGHTS_FILE)  # sha256 not 6726825d…
    monkeypatch.setenv("GANBENCH_INCEPTION_URL", server.url(inception.WEIGHTS_FILE))
    with pytest.raises(ChecksumError, match="wrong sha256: got [0-9a-f]{64}, expected 6726825d"):
        inception.resolve_weights()
    assert not (cache / "data" / "inception-v3" / inception.WEIGHTS_FILE).exists()


def test_inception_offline_keeps_its_one_line_message(inception, cache, no_wait, monkeypatch):
    url = refused_url(inception.WEIGHTS_FILE)
    monkeypatch.setenv("GANBENCH_INCEPTION_URL", url)
    with pytest.raises(DataNotFoundError) as err:
        inception.InceptionV3()
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("Inception-v3 weights not found (no GANBENCH_INCEPTION_WEIGHTS set")
    assert url in msg and "ConnectionError" in msg and "set GANBENCH_INCEPTION_WEIGHTS to the file" in msg
    assert not any(p.is_file() for p in cache.rglob("*"))


def test_a_named_weights_file_is_never_replaced_by_a_download(inception, server, monkeypatch, tmp_path):
    monkeypatch.setenv("GANBENCH_INCEPTION_WEIGHTS", str(tmp_path / "missing.pth"))
    monkeypatch.setenv("GANBENCH_INCEPTION_URL", server.url(inception.WEIGHTS_FILE))
    with pytest.raises(DataNotFoundError, match="missing.pth"):
        inception.resolve_weights()
    assert server.requests == []
