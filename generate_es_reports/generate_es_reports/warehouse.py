"""Reading a relation from the warehouse, in batches: DuckDB, PostgreSQL or BigQuery.

One small interface: `Warehouse.read(schema, relation)` is a context manager giving a
`Relation` (its column names, then its rows as tuples, fetched `batch_size` at a time, so a
large report is never all in memory), and `Warehouse.dicts(schema, relation)` gives the rows as
dicts (what the financial page reads). Rows come ordered by every column, so the same data
gives the same file (and checksum) on every run.

`from_env()` picks the warehouse the environment names (see the package README):
`DBT_TARGET` (dbt's own variable for the target: duckdb, postgres or bigquery; default duckdb),
then `LANA_DUCKDB_PATH`, the `LANA_DW_PG_*` parts (login `LANA_DW_REPORTING_*` when set) or
`GCP_PROJECT_ID`. Passwords and tokens are read from the environment and never printed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

TARGETS = ("duckdb", "postgres", "bigquery")
BATCH_SIZE = 10_000


class WarehouseError(RuntimeError):
    """The warehouse cannot be reached or the relation cannot be read."""


class Relation:
    """Column names, then the rows (tuples), fetched a batch at a time. A driver error while
    fetching (`errors`: a value the query cannot compute, a timeout) is a WarehouseError that
    names the relation, so it fails that report, not the run."""

    def __init__(
        self,
        columns: list[str],
        fetch: Callable[[], list],
        name: str = "",
        errors: tuple[type[BaseException], ...] = (),
    ):
        self.columns = columns
        self._fetch = fetch
        self._name = name
        self._errors = errors

    def __iter__(self) -> Iterator[tuple]:
        while True:
            try:
                batch = self._fetch()
            except self._errors as e:
                raise WarehouseError(f"cannot read {self._name}: {e}") from None
            if not batch:
                return
            for row in batch:
                yield tuple(row)


class Warehouse:
    """Base: subclasses open a `Relation` for a query."""

    name = "warehouse"

    def __init__(self, batch_size: int = BATCH_SIZE):
        self.batch_size = batch_size

    def quote(self, schema: str, relation: str) -> str:
        return f'"{schema}"."{relation}"'

    def _query(self, schema: str, relation: str, columns: list[str]) -> str:
        order = ", ".join(str(n) for n in range(1, len(columns) + 1))
        return f"select * from {self.quote(schema, relation)} order by {order}"

    @contextmanager
    def read(self, schema: str, relation: str) -> Iterator[Relation]:
        raise NotImplementedError

    def connect(self):
        """Open the connection (raises WarehouseError when the warehouse cannot be reached)."""
        raise NotImplementedError

    def dicts(self, schema: str, relation: str) -> Iterator[dict]:
        """The relation's rows as {column: value}."""
        with self.read(schema, relation) as rel:
            for row in rel:
                yield dict(zip(rel.columns, row, strict=True))

    def describe(self) -> str:
        """Where it reads from, without secrets (for messages and the manifest)."""
        return self.name

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class DuckDB(Warehouse):
    """A DuckDB file, opened read-only (the pipeline's writers may queue behind us)."""

    name = "duckdb"

    def __init__(self, path: Path | str, batch_size: int = BATCH_SIZE):
        super().__init__(batch_size)
        self.path = Path(path)
        self._con = None

    def connect(self):
        import duckdb

        if self._con is None:
            if not self.path.is_file():
                raise WarehouseError(f"DuckDB warehouse {self.path} does not exist")
            try:
                self._con = duckdb.connect(str(self.path), read_only=True)
            except duckdb.Error as e:
                raise WarehouseError(f"cannot open DuckDB warehouse {self.path}: {e}") from None
        return self._con

    @contextmanager
    def read(self, schema: str, relation: str) -> Iterator[Relation]:
        import duckdb

        cur = self.connect().cursor()
        try:
            try:
                probe = cur.execute(f"select * from {self.quote(schema, relation)} limit 0")
                columns = [d[0] for d in probe.description]
                cur.execute(self._query(schema, relation, columns))
            except duckdb.Error as e:
                raise WarehouseError(
                    f"cannot read {schema}.{relation} from {self.path}: {e}"
                ) from None
            fetch = lambda: cur.fetchmany(self.batch_size)  # noqa: E731
            yield Relation(columns, fetch, f"{schema}.{relation}", (duckdb.Error,))
        finally:
            cur.close()

    def describe(self) -> str:
        return f"duckdb:{self.path}"

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


class Postgres(Warehouse):
    """A PostgreSQL warehouse, read through a server-side cursor."""

    name = "postgres"

    def __init__(self, conninfo: str, batch_size: int = BATCH_SIZE):
        super().__init__(batch_size)
        self.conninfo = conninfo
        self._con = None

    def connect(self):
        import psycopg

        if self._con is None:
            try:
                self._con = psycopg.connect(self.conninfo)
            except psycopg.Error as e:
                raise WarehouseError(f"cannot connect to {self.describe()}: {e}") from None
        return self._con

    @contextmanager
    def read(self, schema: str, relation: str) -> Iterator[Relation]:
        import psycopg

        con = self.connect()
        try:
            try:
                probe = con.execute(f"select * from {self.quote(schema, relation)} limit 0")
                columns = [c.name for c in probe.description]
            except psycopg.Error as e:
                raise WarehouseError(f"cannot read {schema}.{relation}: {e}") from None
            # a named cursor is a server-side one: rows travel batch_size at a time
            with con.cursor(name=f"report_{relation}"[:63]) as cur:
                try:
                    cur.execute(self._query(schema, relation, columns))
                except psycopg.Error as e:
                    raise WarehouseError(f"cannot read {schema}.{relation}: {e}") from None
                fetch = lambda: cur.fetchmany(self.batch_size)  # noqa: E731
                yield Relation(columns, fetch, f"{schema}.{relation}", (psycopg.Error,))
        finally:
            con.rollback()  # read-only: end the transaction the cursor lived in

    def describe(self) -> str:
        from psycopg import conninfo

        info = conninfo.conninfo_to_dict(self.conninfo)
        return "postgres:{user}@{host}:{port}/{dbname}".format(
            user=info.get("user", ""),
            host=info.get("host", ""),
            port=info.get("port", "5432"),
            dbname=info.get("dbname", ""),
        )

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


class BigQuery(Warehouse):
    """BigQuery through google-cloud-bigquery (the `bigquery` extra), imported only when used.

    Schemas are datasets of `project`. Credentials: the OAuth token in
    DBT_ENV_SECRET_BIGQUERY_TOKEN when set (as dbt's profile), else Application Default
    Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud, the metadata server). Results are paged
    `batch_size` rows at a time.
    """

    name = "bigquery"

    def __init__(
        self,
        project: str,
        location: str = "US",
        token: str | None = None,
        batch_size: int = BATCH_SIZE,
    ):
        super().__init__(batch_size)
        self.project = project
        self.location = location
        self._token = token
        self._client = None

    def quote(self, schema: str, relation: str) -> str:
        return f"`{self.project}.{schema}.{relation}`"

    def connect(self):
        if self._client is None:
            try:
                from google.cloud import bigquery
            except ImportError:
                raise WarehouseError(
                    "reading BigQuery needs google-cloud-bigquery: "
                    "install generate-es-reports[bigquery]"
                ) from None
            credentials = None
            if self._token:
                from google.oauth2.credentials import Credentials

                credentials = Credentials(self._token)
            self._client = bigquery.Client(
                project=self.project, location=self.location, credentials=credentials
            )
        return self._client

    @contextmanager
    def read(self, schema: str, relation: str) -> Iterator[Relation]:
        from google.api_core.exceptions import GoogleAPIError

        client = self.connect()
        try:
            table = client.get_table(f"{self.project}.{schema}.{relation}")
            columns = [field.name for field in table.schema]
            rows = client.query(self._query(schema, relation, columns)).result(
                page_size=self.batch_size
            )
            pages = iter(rows.pages)
        except GoogleAPIError as e:
            raise WarehouseError(f"cannot read {self.quote(schema, relation)}: {e}") from None
        yield Relation(
            columns,
            lambda: [tuple(r.values()) for r in next(pages, [])],
            self.quote(schema, relation),
            (GoogleAPIError,),
        )

    def describe(self) -> str:
        return f"bigquery:{self.project}"

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def postgres_conninfo(env: dict[str, str]) -> str:
    """The LANA_DW_PG_* parts (dbt's postgres target) as a libpq conninfo. The reporting login
    (LANA_DW_REPORTING_USER / _PASSWORD, access/roles.yml) wins over LANA_DW_PG_USER when set."""
    from psycopg import conninfo

    user = env.get("LANA_DW_REPORTING_USER") or env.get("LANA_DW_PG_USER", "postgres")
    if env.get("LANA_DW_REPORTING_USER"):
        password = env.get("LANA_DW_REPORTING_PASSWORD", "")
    else:
        password = env.get("LANA_DW_PG_PASSWORD", "")
    params = {
        "host": env.get("LANA_DW_PG_HOST", "127.0.0.1"),
        "port": env.get("LANA_DW_PG_PORT", "5432"),
        "user": user,
        "dbname": env.get("LANA_DW_PG_DATABASE", "lana_dw"),
    }
    if password:
        params["password"] = password
    return conninfo.make_conninfo(**params)


def from_env(target: str | None = None, env: dict[str, str] | None = None) -> Warehouse:
    """The warehouse the environment names; `target` overrides DBT_TARGET."""
    env = dict(os.environ if env is None else env)
    target = target or env.get("DBT_TARGET") or "duckdb"
    if target == "duckdb":
        return DuckDB(Path(env.get("LANA_DUCKDB_PATH", "warehouse/lana.duckdb")).resolve())
    if target == "postgres":
        return Postgres(postgres_conninfo(env))
    if target == "bigquery":
        if not env.get("GCP_PROJECT_ID"):
            raise WarehouseError("the bigquery target needs GCP_PROJECT_ID")
        return BigQuery(
            env["GCP_PROJECT_ID"],
            token=env.get("DBT_ENV_SECRET_BIGQUERY_TOKEN"),
        )
    raise WarehouseError(f"unknown warehouse target {target!r}: one of {', '.join(TARGETS)}")
