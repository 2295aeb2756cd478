"""``python -m lana_sandbox.fake_bitfinex --port N --seed S``: serve until interrupted.

Prints the base URL on the first line of stdout (``http://127.0.0.1:<port>``), so a caller
that asked for port 0 learns the port. The clock is real time; ``--now`` starts it at a
chosen instant instead of the machine's time (data is deterministic for seed and instant).
Failure modes can be switched from another process through the admin endpoints
(``POST /__fake__/fail`` with ``{"mode": ..., "endpoint": ..., "times": ...}``,
``POST /__fake__/clear``, ``GET /__fake__/requests``).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from .clock import RunningClock, SystemClock
from .server import FakeBitfinex


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lana_sandbox.fake_bitfinex", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--now", help="ISO time the clock starts at (default: real now)")
    parser.add_argument("--many-decimals", action="store_true", help="nine-decimal prices")
    parser.add_argument("--no-rate-limits", action="store_true")
    parser.add_argument("--edge-cache-seconds", type=float, default=0.0)
    args = parser.parse_args(argv)

    if args.now:
        start = datetime.fromisoformat(args.now.replace("Z", "+00:00"))
        if start.tzinfo is None:
            parser.error("--now needs a time zone, e.g. 2026-01-15T12:00:00Z")
        clock = RunningClock(start)
    else:
        clock = SystemClock()
    fake = FakeBitfinex(
        seed=args.seed,
        clock=clock,
        host=args.host,
        port=args.port,
        rate_limited=not args.no_rate_limits,
        edge_cache_seconds=args.edge_cache_seconds,
        many_decimals=args.many_decimals,
    )
    return fake.serve_until_stopped()


if __name__ == "__main__":
    sys.exit(main())
