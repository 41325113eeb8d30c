"""``make serve``: nginx in front of gunicorn on one host, started and stopped together.

gunicorn (``deploy/gunicorn.conf.py``) listens on a unix socket in a run folder that
only this supervisor knows; nginx (``deploy/nginx.conf``, unprivileged, its pid file,
temp files and error log in the same folder) listens on ``--host:--port`` and hands
gunicorn only whole requests, buffering every response (README, "Serving").

SIGTERM and SIGINT stop both (gunicorn gracefully, nginx once gunicorn is gone);
SIGHUP reloads both. If either one exits, the other is stopped and this script exits
with the failed one's status. The run folder is removed at the end unless it was given.

    python scripts/serve.py --host 127.0.0.1 --port 8000 --workers 4 --threads 8
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SOCKET_WAIT_S = 300.0  # gunicorn loads the catalog before it binds (preload_app)
POLL_S = 0.2


def find_nginx() -> str:
    """The nginx binary: $NGINX, else on PATH or in the sbin folders (Debian's place)."""
    found = os.environ.get("NGINX") or shutil.which(
        "nginx", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"]))
    if not found:
        sys.exit("serve: nginx not found: `make serve` installs it (Debian package nginx), "
                 "or set NGINX=/path/to/nginx")
    return found


def listen_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def write_config(run: Path, host: str, port: int) -> Path:
    """The run folder's nginx.conf: deploy/nginx.conf with its three values filled in."""
    text = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    for name, value in {"@LISTEN@": listen_address(host, port),
                        "@SOCKET@": str(run / "gunicorn.sock"), "@DEPLOY@": str(DEPLOY)}.items():
        text = text.replace(name, value)
    (run / "tmp").mkdir(exist_ok=True)
    path = run / "nginx.conf"
    path.write_text(text, encoding="utf-8")
    return path


def gunicorn_command(run: Path, workers: int, threads: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"),
            "--workers", str(workers), "--threads", str(threads),
            "--bind", f"unix:{run / 'gunicorn.sock'}"]


def gunicorn_environment() -> dict:
    """The environment of gunicorn: one more trusted proxy (this nginx) than configured,
    so the client's address (X-Forwarded-For) is the one innomap counts and limits; and
    the limits on heavy anonymous work on unless INNOMAP_RATE_LIMITS says otherwise."""
    env = dict(os.environ)
    env.setdefault("INNOMAP_RATE_LIMITS", "on")
    env["INNOMAP_TRUSTED_PROXIES"] = str(int(env.get("INNOMAP_TRUSTED_PROXIES") or 0) + 1)
    return env


class Supervisor:
    """gunicorn and nginx as child processes; signals forwarded, both stopped together."""

    def __init__(self, run: Path, args):
        self.run, self.args = run, args
        self.gunicorn = self.nginx = None
        self.stopping = False

    def start(self) -> None:
        conf = write_config(self.run, self.args.host, self.args.port)
        self.gunicorn = subprocess.Popen(gunicorn_command(self.run, self.args.workers,
                                                          self.args.threads),
                                         cwd=ROOT, env=gunicorn_environment())
        deadline = time.monotonic() + SOCKET_WAIT_S
        while not (self.run / "gunicorn.sock").exists():
            if self.gunicorn.poll() is not None or time.monotonic() > deadline or self.stopping:
                self.stopping = True  # gunicorn failed or never bound: stop it
                return
            time.sleep(POLL_S)
        self.nginx = subprocess.Popen([find_nginx(), "-e", "stderr", "-p", str(self.run),
                                       "-c", str(conf), "-g", "daemon off;"], cwd=self.run)
        print(f"innomap: http://{listen_address(self.args.host, self.args.port)}/ "
              f"(nginx in front of gunicorn, run folder {self.run})", flush=True)

    def on_signal(self, signum, _frame) -> None:
        if signum == signal.SIGHUP:
            for child in (self.gunicorn, self.nginx):
                if child is not None and child.poll() is None:
                    child.send_signal(signal.SIGHUP)
            return
        self.stopping = True

    def wait(self) -> int:
        """Until a signal asks to stop or a child exits; then stop both. The exit status."""
        while not self.stopping:
            for child in (self.gunicorn, self.nginx):
                if child is not None and child.poll() is not None:
                    self.stopping = True
            time.sleep(POLL_S)
        return self.stop()

    def stop(self) -> int:
        status = 0
        for child, sig in ((self.gunicorn, signal.SIGTERM), (self.nginx, signal.SIGQUIT)):
            if child is None:
                continue
            if child.poll() is None:
                child.send_signal(sig)
            try:
                child.wait(timeout=40)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            status = status or (child.returncode if child.returncode not in
                                (0, -signal.SIGTERM, -signal.SIGQUIT) else 0)
        return status


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "4")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("THREADS", "8")))
    parser.add_argument("--run-dir", type=Path, help="kept afterwards; started as root, "
                        "nginx's workers (nobody) must be able to reach it (default: a new "
                        "folder in the system's temporary folder, removed at the end)")
    args = parser.parse_args(argv)
    run = args.run_dir or Path(tempfile.mkdtemp(prefix="innomap-serve-"))
    run.mkdir(parents=True, exist_ok=True)
    run.chmod(0o755)  # nginx's workers (another user when started as root) reach the socket
    supervisor = Supervisor(run, args)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, supervisor.on_signal)
    try:
        supervisor.start()
        return supervisor.wait()
    finally:
        if args.run_dir is None:
            shutil.rmtree(run, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
