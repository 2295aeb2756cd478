"""tap-sumsubapi: the Tap class, its settings and the run-wide state shared by the streams."""

from __future__ import annotations

import typing as t
from datetime import timedelta

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from tap_sumsubapi import streams
from tap_sumsubapi.auth import SumsubSigner
from tap_sumsubapi.client import DEFAULT_BASE_URL, SumsubMaintenance, SumsubStream
from tap_sumsubapi.clock import Clock, SystemClock
from tap_sumsubapi.inbox import (
    Candidate,
    check_table,
    parse_recorded_at,
    read_duckdb,
    read_postgres,
)

TOKEN_PREFIXES = ("sbx:", "prd:")


class TapSumsubApi(Tap):
    """Sumsub applicants and their document metadata, for the customers in Lana's webhook log."""

    name = "tap-sumsubapi"
    # ``TapSumsubApi(clock=...)`` or this class attribute: tests share a fake clock with the
    # fake server, so nothing sleeps and the signature timestamps match the server's time.
    default_clock: t.ClassVar[Clock] = SystemClock()

    config_jsonschema = th.PropertiesList(
        th.Property(
            "app_token",
            th.StringType,
            required=True,
            secret=True,
            description="Sumsub app token (sbx:... for sandbox, prd:... for production).",
        ),
        th.Property(
            "secret_key",
            th.StringType,
            required=True,
            secret=True,
            description="The app token's secret key (signs every request; never logged).",
        ),
        th.Property(
            "base_url",
            th.StringType,
            default=DEFAULT_BASE_URL,
            description="API host; paths start with /resources.",
        ),
        th.Property(
            "pg_dsn",
            th.StringType,
            secret=True,
            description=(
                "DSN of Lana's core PostgreSQL database, whose inbox_events lists the "
                "customers to fetch. Not needed when inbox_duckdb_path is set."
            ),
        ),
        th.Property(
            "inbox_table",
            th.StringType,
            default="public.inbox_events",
            description="The webhook log table in PostgreSQL.",
        ),
        th.Property(
            "inbox_duckdb_path",
            th.StringType,
            description=(
                "Read the webhook log from this DuckDB file (the warehouse copy) instead of "
                "PostgreSQL. Opened read-only, before any record is written."
            ),
        ),
        th.Property(
            "inbox_duckdb_table",
            th.StringType,
            default="lana_raw.inbox_events",
            description="The webhook log table in the DuckDB file.",
        ),
        th.Property(
            "webhook_types",
            th.ArrayType(th.StringType),
            description=(
                "Only webhooks of these types trigger a fetch (e.g. applicantReviewed, "
                "applicantPersonalInfoChanged). Default: every webhook with an externalUserId."
            ),
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            description="Ignore webhooks recorded before this time (and a bookmark before it).",
        ),
        th.Property(
            "settle_seconds",
            th.NumberType(minimum=0),
            default=30,
            description=(
                "Only webhooks recorded at least this long before the run starts are read, so "
                "a webhook whose transaction commits late is not passed by the bookmark."
            ),
        ),
        th.Property(
            "check_api_status",
            th.BooleanType,
            default=True,
            description=(
                "Call GET /resources/status/api first; a 503 (maintenance) ends the run "
                "cleanly without reading anything."
            ),
        ),
        th.Property(
            "request_interval_ms",
            th.IntegerType(minimum=0),
            default=20,
            description="Minimum milliseconds between two requests (Sumsub: 300 GETs per 5 s).",
        ),
        th.Property(
            "request_timeout_seconds",
            th.NumberType(exclusive_minimum=0),
            default=60,
            description="HTTP timeout of one request (Lana used 60 s).",
        ),
        th.Property(
            "max_retries",
            th.IntegerType(minimum=0),
            default=5,
            description="Retries of a request after HTTP 5xx, timeouts or broken connections.",
        ),
        th.Property(
            "backoff_base_seconds",
            th.NumberType(minimum=0),
            default=1,
            description="First retry delay after a 5xx/timeout; doubles on each retry.",
        ),
        th.Property(
            "backoff_max_seconds",
            th.NumberType(minimum=0),
            default=60,
            description="Cap of one retry delay.",
        ),
        th.Property(
            "rate_limit_wait_seconds",
            th.NumberType(minimum=0),
            default=5,
            description="Wait after an HTTP 429 without Retry-After (Sumsub's window is 5 s).",
        ),
        th.Property(
            "rate_limit_max_retries",
            th.IntegerType(minimum=0),
            default=5,
            description="Waits after HTTP 429 per request before the stream fails.",
        ),
    ).to_dict()

    def __init__(self, *, clock: Clock | None = None, **kwargs: t.Any) -> None:
        self.clock: Clock = clock if clock is not None else self.default_clock
        self._last_request: float | None = None
        self._operative: bool | None = None
        self._candidates: tuple[str | None, list[Candidate]] | None = None
        self._signer: SumsubSigner | None = None
        super().__init__(**kwargs)
        config = self.config
        token = config.get("app_token")
        if isinstance(token, str) and not token.startswith(TOKEN_PREFIXES):
            # The message never shows the value: it is a credential.
            msg = "app_token must start with sbx: (sandbox) or prd: (production); value not shown"
            raise ConfigValidationError(msg, errors=[msg])
        try:
            check_table(str(config.get("inbox_table", "public.inbox_events")), "inbox_table")
            check_table(
                str(config.get("inbox_duckdb_table", "lana_raw.inbox_events")),
                "inbox_duckdb_table",
            )
        except ValueError as exc:
            raise ConfigValidationError(str(exc), errors=[str(exc)]) from None

    def discover_streams(self) -> list[SumsubStream]:
        return [streams.ApplicantsStream(self), streams.DocumentsStream(self)]

    # --- run-wide state shared by the streams -----------------------------------------

    @property
    def signer(self) -> SumsubSigner:
        if self._signer is None:
            self._signer = SumsubSigner(
                str(self.config["app_token"]), str(self.config["secret_key"]), self.clock
            )
        return self._signer

    def wait_turn(self) -> None:
        """Sleep (on the clock) until the next request may go, then claim the slot."""
        interval = int(self.config.get("request_interval_ms", 20)) / 1000
        now = self.clock.monotonic()
        if self._last_request is not None and (wait := self._last_request + interval - now) > 0:
            self.clock.sleep(wait)
            now = self.clock.monotonic()
        self._last_request = now

    def api_operative(self, stream: SumsubStream) -> bool:
        """``GET /resources/status/api`` once per run: False when Sumsub answers 503."""
        if self._operative is None:
            if not self.config.get("check_api_status", True):
                self._operative = True
            else:
                try:
                    stream.request_json("/resources/status/api", maintenance_ok=True)
                    self._operative = True
                except SumsubMaintenance as exc:
                    self.logger.warning(
                        "%s: Sumsub is in maintenance; nothing is read and no bookmark moves",
                        exc,
                    )
                    self._operative = False
        return self._operative

    def candidates(self, since: str | None) -> list[Candidate]:
        """Customers with webhooks recorded at or after ``since`` (ISO text), oldest first.

        Read once per run from the webhook log (a snapshot); a later call for an earlier
        ``since`` reads again.
        """
        if (
            self._candidates is None
            or (
                since is not None
                and self._candidates[0] is not None
                and since < self._candidates[0]
            )
            or (since is None and self._candidates[0] is not None)
        ):
            self._candidates = (since, self._read_candidates(since))
        loaded = self._candidates[1]
        return loaded if since is None else [c for c in loaded if c.bookmark >= since]

    def _read_candidates(self, since: str | None) -> list[Candidate]:
        config = self.config
        lower = parse_recorded_at(since or "1970-01-01T00:00:00+00:00")
        until = self.clock.now() - timedelta(seconds=float(config.get("settle_seconds", 30)))
        types = list(config.get("webhook_types") or []) or None
        if config.get("inbox_duckdb_path"):
            found = read_duckdb(
                str(config["inbox_duckdb_path"]),
                check_table(str(config.get("inbox_duckdb_table")), "inbox_duckdb_table"),
                lower,
                until,
                types,
            )
        elif config.get("pg_dsn"):
            found = read_postgres(
                str(config["pg_dsn"]),
                check_table(str(config.get("inbox_table")), "inbox_table"),
                lower,
                until,
                types,
            )
        else:
            msg = "no webhook log: set pg_dsn (LANA_PG_DSN) or inbox_duckdb_path"
            raise ConfigValidationError(msg, errors=[msg])
        self.logger.info("webhook log: %d customers with webhooks since %s", len(found), since)
        return found

    def sync_all(self) -> None:
        """Read the webhook log before the first message goes out (a target writing the same
        DuckDB file opens it only then), then sync as usual."""
        selected = [s for s in self.streams.values() if s.selected]
        starts = [
            s.starting_point()[0] for s in selected if isinstance(s, streams._WebhookDrivenStream)
        ]
        if starts:
            self.candidates(None if None in starts else min(t.cast(list[str], starts)))
        super().sync_all()


if __name__ == "__main__":
    TapSumsubApi.cli()
