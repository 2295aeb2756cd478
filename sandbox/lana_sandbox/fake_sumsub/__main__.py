"""``python -m lana_sandbox.fake_sumsub --port N --dsn DSN``: serve until interrupted.

Prints the base URL on the first line of stdout (``http://127.0.0.1:<port>``), so a caller
that asked for port 0 learns the port. Applicants come from ``inbox_events`` in the database
``--dsn`` (default ``$LANA_PG_DSN``). The clock is real time (``--now`` starts it at a chosen
instant). Requests must be signed with ``--token`` / ``--secret`` (defaults: the sandbox
pair in :mod:`.server`, or ``$SUMSUB_KEY`` / ``$SUMSUB_SECRET``). Failure modes can be
switched from another process: ``POST /__fake__/fail`` with ``{"mode": ..., "endpoint": ...,
"applicant_id": ..., "times": ...}``, ``POST /__fake__/clear``, ``POST /__fake__/delete``
``{"applicant_id": ...}``, ``GET /__fake__/requests``.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime

from lana_sandbox.fake_bitfinex.clock import RunningClock, SystemClock

from .server import DEFAULT_SECRET, DEFAULT_TOKEN, FakeSumsub


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lana_sandbox.fake_sumsub", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--dsn", default=os.environ.get("LANA_PG_DSN"), help="the bank's DB")
    parser.add_argument("--seed", type=int, default=0, help="seed of the made-up personal data")
    parser.add_argument("--now", help="ISO time the clock starts at (default: real now)")
    parser.add_argument("--mode", choices=["sbx", "prd"], default="sbx")
    parser.add_argument("--no-rate-limit", action="store_true")
    args = parser.parse_args(argv)
    if not args.dsn:
        parser.error("--dsn (or LANA_PG_DSN) is required: the database with inbox_events")
    token = os.environ.get("SUMSUB_KEY") or DEFAULT_TOKEN
    secret = os.environ.get("SUMSUB_SECRET") or DEFAULT_SECRET

    if args.now:
        start = datetime.fromisoformat(args.now.replace("Z", "+00:00"))
        if start.tzinfo is None:
            parser.error("--now needs a time zone, e.g. 2026-01-15T12:00:00Z")
        clock = RunningClock(start)
    else:
        clock = SystemClock()
    fake = FakeSumsub(
        args.dsn,
        seed=args.seed,
        clock=clock,
        host=args.host,
        port=args.port,
        tokens={token: secret},
        mode=args.mode,
        rate_limit=None if args.no_rate_limit else 300,
    )
    return fake.serve_until_stopped()


if __name__ == "__main__":
    sys.exit(main())
