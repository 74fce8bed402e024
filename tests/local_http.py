"""A file server on 127.0.0.1 for download tests: never the internet, and it can fail on purpose."""

from __future__ import annotations

import functools
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


class LocalServer:
    """Serves ``root`` over HTTP in a thread; the next ``fail_next`` requests get a 503."""

    def __init__(self, root: Path):
        self.root, self.fail_next, self.requests = Path(root), 0, []
        server = self

        class Handler(SimpleHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                if server.fail_next > 0:
                    server.fail_next -= 1
                    self.send_error(503, "try again")
                    return
                super().do_GET()

            def log_message(self, *args):  # keep test output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(self.root)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{name}"

    def __enter__(self) -> "LocalServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def refused_url(name: str) -> str:
    """A URL on a local port nobody listens on: the connection is refused, as when offline."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


@pytest.fixture
def no_wait(monkeypatch):
    """pooch's pauses between retries skipped (their lengths recorded); nothing on 127.0.0.1 goes
    through a proxy the environment may name."""
    import pooch.core

    pauses = []
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setattr(pooch.core.time, "sleep", pauses.append)
    return pauses


@pytest.fixture
def server(tmp_path, no_wait):
    """A local file server over ``tmp_path / "served"``."""
    (tmp_path / "served").mkdir()
    with LocalServer(tmp_path / "served") as srv:
        yield srv
