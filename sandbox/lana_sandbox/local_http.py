"""The lifecycle the sandbox's fake HTTP services share: a threaded server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import signal
import threading
import typing as t
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalHTTPServer:
    """Serves `handler_class` (whose `app` attribute is set to this object) in a thread.

    Subclasses set `handler_class` and `name`, and call `_init_server(host, port)`. Use it as a
    context manager, or `start()` / `stop()`; `port` 0 picks a free port.
    """

    handler_class: t.ClassVar[type[BaseHTTPRequestHandler]]
    name: t.ClassVar[str] = "fake"

    def _init_server(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> t.Self:
        if self._server is not None:
            return self
        handler = type(f"{type(self).__name__}Handler", (self.handler_class,), {"app": self})
        self._server = ThreadingHTTPServer((self._host, self._port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.name}-{self._server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> t.Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake server is not running; use it as a context manager")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``: what a client takes as its base URL."""
        return f"http://{self._host}:{self.port}"

    def serve_until_stopped(self) -> int:
        """Serve until SIGTERM or Ctrl-C; print the base URL first (callers read line one)."""
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with self:
            print(self.base_url, flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                stop.wait()
        return 0
