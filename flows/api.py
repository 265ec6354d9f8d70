"""A temporary Prefect API for one run: ``prefect.server`` under uvicorn in a child process.

Prefect starts the same server itself when no ``PREFECT_API_URL`` is set, but only after the
flow process has imported the whole server package (about 5 s of one core), and it then waits for
it doing nothing. ``eventextract run`` starts this one before it imports Prefect, with its URL in
``PREFECT_API_URL`` (so every Prefect thread and worker process of the run uses it), and goes on
importing what the run needs until it calls :meth:`TemporaryAPI.wait`. Nothing here imports
Prefect. No UI, no analytics, no telemetry: nothing leaves the machine.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

#: seconds to wait for the API when PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS is not set
DEFAULT_STARTUP_TIMEOUT = 300.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class APIStartError(RuntimeError):
    """The temporary API did not come up (the message names the ephemeral Prefect API, which the
    CLI turns into advice)."""


class TemporaryAPI:
    """``start()`` launches the server and returns at once; ``wait()`` blocks until it answers on
    ``/api/health``; ``stop()`` ends it. ``url`` is the API URL (``http://127.0.0.1:PORT/api``)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> "TemporaryAPI":
        """Launch the server (it reads its settings from this environment and the Prefect profile,
        as Prefect's own temporary server does) and return without waiting for it."""
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
               "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
        env.pop("PREFECT_API_URL", None)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "error", "--lifespan", "on"],
            env=env, stdin=subprocess.DEVNULL)
        return self

    def wait(self, timeout: float | None = None) -> str:
        """Block until the API answers (or fail with :class:`APIStartError`); returns ``url``."""
        if self._proc is None:
            raise APIStartError("the ephemeral Prefect API was not started")
        if timeout is None:
            timeout = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS")
                            or DEFAULT_STARTUP_TIMEOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise APIStartError(f"the ephemeral Prefect API exited with code {self._proc.returncode} "
                                    "before it answered")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=5) as resp:
                    if resp.status == 200:
                        return self.url
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        raise APIStartError(f"the ephemeral Prefect API did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
