"""Serve the eventextract flow on a cron schedule.

Schedules need a real Prefect server: ``serve`` starts ``prefect server start`` (SQLite under
PREFECT_HOME) as a child process on localhost, points this process at it and calls
``flow.serve(cron=...)``; Ctrl-C (or SIGTERM) stops the deployment and then the server.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

DEPLOYMENT_NAME = "eventextract-scheduled"


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prefect server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:  # noqa: S310 - localhost only
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise RuntimeError(f"prefect server did not become healthy at {url} within {timeout:.0f}s")


def start_server(port: int = 4200, host: str = "127.0.0.1") -> tuple[subprocess.Popen, str]:
    """Start a local Prefect server (SQLite) and return (process, API URL)."""
    api_url = f"http://{host}:{port}/api"
    env = dict(os.environ, PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_UI_ENABLED="false")
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", host,
                             "--port", str(port), "--no-ui"], env=env)
    try:
        _wait_healthy(api_url, proc)
    except RuntimeError:
        proc.terminate()
        raise
    return proc, api_url


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def serve(cron: str = "0 3 * * *", inputs: list[str] | None = None, out: str = "output",
          config: str | None = None, port: int = 4200, publish_to: str | None = None) -> None:
    """Start the server, serve the flow on ``cron`` until interrupted, then stop both."""
    Path(os.environ.get("PREFECT_HOME", ".prefect")).mkdir(parents=True, exist_ok=True)
    proc, api_url = start_server(port)
    os.environ["PREFECT_API_URL"] = api_url
    try:
        from .flow import eventextract_flow

        eventextract_flow.serve(name=DEPLOYMENT_NAME, cron=cron,
                                parameters={"inputs": inputs or [], "out": out, "config": config,
                                            "publish_to": publish_to},
                                description="eventextract on a schedule: inputs -> validated release")
    except KeyboardInterrupt:
        pass
    finally:
        stop_server(proc)


if __name__ == "__main__":  # pragma: no cover
    serve()
