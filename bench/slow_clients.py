"""Slow clients against the app server (not a test): how long a normal page waits while N clients trickle sign-in
forms at 15 bytes per second, on loopback only.

    python -m bench.slow_clients                      # the server `make run` starts (waitress, desa-digital serve)
    python -m bench.slow_clients --server gunicorn    # gunicorn with 2 sync workers (the server used before)
    python -m bench.slow_clients --clients 20 --seconds 20

Each server runs as its own process on 127.0.0.1 with a throw-away SQLite database in a temporary folder. The
slow clients each announce a 1,000-byte sign-in form and send it at 15 bytes per second (so none finishes within
the run); meanwhile one normal visitor asks for the landing page once a second, and its latencies are reported
(median and maximum). Bounded: at most 200 clients and 120 seconds, every process started here is stopped at the
end. Results go into docs/deployment.md by hand.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HOST = "127.0.0.1"  # loopback only, never anything else
BODY_LENGTH = 1000
BYTES_PER_SECOND = 15


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _environment(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'bench.sqlite3'}",
        EVIDENCE_DIR=str(folder / "evidence"),
        SECRET_KEY="bench-slow-clients",  # noqa: S106 - throw-away
        PYTHONUNBUFFERED="1",
    )
    return env


def _start(server: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    bin_dir = Path(sys.executable).parent
    if server == "gunicorn":
        command = [str(bin_dir / "gunicorn"), "--workers", "2", "--bind", f"{HOST}:{port}", "assessment:create_app()"]
    else:
        command = [sys.executable, "-m", "assessment", "serve", "--host", HOST, "--port", str(port), "--no-access-log"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _get(port: int, timeout: float = 60) -> float:
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"GET / answered {response.status}")
    finally:
        connection.close()
    return time.perf_counter() - started


def _wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server stopped while starting")
        try:
            _get(port, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the server did not start within 60 s")


def _trickle(port: int, stop: threading.Event) -> None:
    """One slow client: the headers at once, then the body one byte every 1/15 s until told to stop."""
    try:
        with socket.create_connection((HOST, port), timeout=10) as connection:
            connection.sendall(
                b"POST /masuk HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                + f"Content-Length: {BODY_LENGTH}\r\n\r\n".encode()
            )
            body = (b"email=lambat%40contoh.id&password=" + b"x" * BODY_LENGTH)[:BODY_LENGTH]
            for byte in body:
                if stop.wait(1 / BYTES_PER_SECOND):
                    return
                connection.sendall(bytes([byte]))
    except OSError:
        return


def measure(server: str, clients: int, seconds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-lambat-") as folder:
        env = _environment(Path(folder))
        subprocess.run(
            [sys.executable, "-m", "assessment", "db", "upgrade"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port = _free_port()
        process = _start(server, port, env)
        stop = threading.Event()
        threads: list[threading.Thread] = []
        try:
            _wait_until_up(port, process)
            baseline = statistics.median(_get(port) for _ in range(5))
            threads = [threading.Thread(target=_trickle, args=(port, stop), daemon=True) for _ in range(clients)]
            for thread in threads:
                thread.start()
            time.sleep(1)  # every slow client has connected and started its body
            latencies = []
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                latencies.append(_get(port, timeout=seconds + 60))
                time.sleep(max(0.0, 1 - latencies[-1]))
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=5)
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return {
        "baseline_median": baseline,
        "median": statistics.median(latencies),
        "max": max(latencies),
        "requests": float(len(latencies)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--server", choices=("waitress", "gunicorn"), default="waitress")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args(argv)
    clients = max(1, min(args.clients, 200))
    seconds = max(5, min(args.seconds, 120))
    result = measure(args.server, clients, seconds)
    print(
        f"{args.server}: {clients} slow clients at {BYTES_PER_SECOND} B/s, {seconds} s, "
        f"{int(result['requests'])} normal requests"
    )
    print(f"  GET / alone: median {result['baseline_median'] * 1000:.0f} ms")
    print(f"  GET / during: median {result['median'] * 1000:.0f} ms, max {result['max'] * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
