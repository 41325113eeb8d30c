"""Slow clients against a local innomap while probes measure what normal users get.

    python scripts/slow_clients.py --port 8000                        # 500 / 50 / 60 s
    python scripts/slow_clients.py --port 8000 --loris 60 --readers 10 --seconds 10

For ``--seconds`` it holds ``--loris`` slow-loris sockets (a request line and one
header, then one more header line every few seconds, never the blank line; a dropped
socket is opened again) and ``--readers`` slow readers (a whole request for a large
page, then its answer read at 1 byte per second with a small receive buffer; opened
again when dropped). Every ``--every`` seconds it sends one probe per ``--probe`` path
(a fresh connection each) and times it to the last byte; a probe fails on an answer
other than 200, a connection error or no full answer within ``--probe-timeout`` s.

It prints one JSON object: probes, failed, failed_pct, p50_s, p99_s, max_s, the three
slowest probes, and how many attacking connections were opened and dropped. Loopback
only: it refuses any other host. Every loop is bounded by ``--seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import socket
import statistics
import sys
import time

PROBES = ("/healthz", "/api/collections", "/regions/320000")
LARGE_PAGE = "/maps/320000"


class Tally:
    def __init__(self):
        self.opened = self.dropped = 0
        self.latencies: list[float] = []
        self.timed: list[tuple[float, str]] = []
        self.failures: list[str] = []


async def _connect(host: str, port: int, rcvbuf: int | None = None):
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, port))
    return await asyncio.open_connection(sock=sock)


async def loris(host: str, port: int, until: float, tally: Tally, n: int) -> None:
    """One slow-loris client: half a request, one header line at a time, reopened."""
    while time.monotonic() < until:
        try:
            _, writer = await _connect(host, port)
            tally.opened += 1
            writer.write(f"GET /?loris={n} HTTP/1.1\r\nHost: {host}\r\n".encode())
            await writer.drain()
            while time.monotonic() < until:
                await asyncio.sleep(4)
                writer.write(f"X-Loris-{n}: {int(time.time())}\r\n".encode())
                await writer.drain()
            writer.close()
        except (OSError, asyncio.IncompleteReadError):
            tally.dropped += 1
            await asyncio.sleep(0.5)


async def reader(host: str, port: int, until: float, tally: Tally, path: str) -> None:
    """One slow reader: a whole request for a large page, read at 1 byte per second."""
    while time.monotonic() < until:
        try:
            stream, writer = await _connect(host, port, rcvbuf=1024)
            tally.opened += 1
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            await writer.drain()
            while time.monotonic() < until:
                if not await stream.read(1):
                    raise ConnectionResetError("closed")
                await asyncio.sleep(1)
            writer.close()
        except (OSError, asyncio.IncompleteReadError):
            tally.dropped += 1
            await asyncio.sleep(0.5)


async def probe(host: str, port: int, path: str, timeout: float, tally: Tally) -> None:
    start = time.monotonic()
    try:
        async with asyncio.timeout(timeout):
            stream, writer = await _connect(host, port)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
                         f"Accept: text/html,application/json\r\n\r\n".encode())
            await writer.drain()
            response = await stream.read()
            writer.close()
        status = response.split(b" ", 2)[1].decode() if response.startswith(b"HTTP/") else "?"
        if status != "200":
            tally.failures.append(f"{path}: {status}")
        else:
            tally.latencies.append(time.monotonic() - start)
            tally.timed.append((round(time.monotonic() - start, 3), path))
    except (OSError, TimeoutError) as exc:
        tally.failures.append(f"{path}: {type(exc).__name__}")


async def run(args) -> dict:
    tally, started = Tally(), time.monotonic()
    until = started + args.seconds
    attackers = [asyncio.create_task(loris(args.host, args.port, until, tally, i))
                 for i in range(args.loris)]
    attackers += [asyncio.create_task(reader(args.host, args.port, until, tally, args.large))
                  for _ in range(args.readers)]
    probes = []
    await asyncio.sleep(min(2.0, args.seconds / 4))  # the attack is in place first
    while time.monotonic() < until:
        probes += [asyncio.create_task(probe(args.host, args.port, path, args.probe_timeout,
                                             tally)) for path in args.probe]
        await asyncio.sleep(args.every)
    await asyncio.gather(*probes)
    for task in attackers:
        task.cancel()
    await asyncio.gather(*attackers, return_exceptions=True)
    return summary(tally)


def summary(tally: Tally) -> dict:
    times = sorted(tally.latencies)
    total = len(times) + len(tally.failures)
    pct = (lambda q: round(times[min(len(times) - 1, int(q * len(times)))], 3)) if times \
        else (lambda q: None)
    return {"probes": total, "failed": len(tally.failures),
            "failed_pct": round(100 * len(tally.failures) / total, 2) if total else None,
            "p50_s": round(statistics.median(times), 3) if times else None,
            "p99_s": pct(0.99), "max_s": round(times[-1], 3) if times else None,
            "attack_connections": tally.opened, "attack_dropped": tally.dropped,
            "slowest": sorted(tally.timed, reverse=True)[:3], "failures": tally.failures[:20]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--loris", type=int, default=500)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--every", type=float, default=2.0)
    parser.add_argument("--probe", action="append", help=f"a path (default: {PROBES})")
    parser.add_argument("--probe-timeout", type=float, default=10.0)
    parser.add_argument("--large", default=LARGE_PAGE, help="the slow readers' page")
    args = parser.parse_args(argv)
    args.probe = args.probe or list(PROBES)
    if not ipaddress.ip_address(args.host).is_loopback:
        parser.error("--host must be a loopback address (127.0.0.1, ::1)")
    if not 0 < args.seconds <= 3600 or args.loris + args.readers > 5000:
        parser.error("--seconds must be in (0, 3600] and --loris + --readers at most 5000")
    print(json.dumps(asyncio.run(run(args)), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
