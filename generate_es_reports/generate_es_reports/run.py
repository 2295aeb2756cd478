"""A run: every selected report read once from the warehouse, written in each of its formats,
XML validated, then landed under `<destination>/<run_id>/<norm>/<file>.<ext>`, and finally
`<destination>/<run_id>/manifest.json` (files, row counts, sha256, failures)."""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import uuid
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from .config import Config, Report, load_config
from .destination import Destination
from .financial import (
    ChromiumError,
    FinancialReportError,
    html_to_pdf,
    render_financial_report,
    write_financial_report,
)
from .formats import DelimitedWriter, ReportError, XmlWriter, xml_errors
from .warehouse import Warehouse, WarehouseError

RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# The bank's financial report: not a regulator file, named like one for --only and the folder.
FINANCIAL = "financial"
FINANCIAL_FILE = "financial/financial_report"


def new_run_id() -> str:
    """UTC time and a random suffix: sorts by time, never collides."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class WrittenFile:
    report: str  # norm/id, or what the file is (e.g. "financial")
    path: str  # inside the run folder: <norm>/<file>.<ext>
    format: str
    rows: int | None
    bytes: int
    sha256: str
    url: str  # where it landed (local path or URL)


@dataclass
class ReportResult:
    report: Report
    files: list[WrittenFile] = field(default_factory=list)
    rows: int = 0
    skipped: list[dict] = field(default_factory=list)  # {path, reason}: nothing valid to write
    error: str | None = None


class Run:
    """One run folder. `write_report` for each report, then `finish` writes the manifest."""

    def __init__(
        self,
        warehouse: Warehouse,
        destination: str | Path,
        config: Config | None = None,
        run_id: str | None = None,
    ):
        self.warehouse = warehouse
        self.config = config or load_config()
        self.destination = Destination(destination)
        self.run_id = run_id or new_run_id()
        if not RUN_ID.match(self.run_id):
            raise ReportError(f"run id {self.run_id!r}: letters, digits, '_', '.', '-' only")
        self.created_at = datetime.now(UTC).replace(microsecond=0).isoformat()
        warehouse.connect()  # an unreachable warehouse fails the run, not each report
        self.as_of_date = self._built_as_of()
        self.files: list[WrittenFile] = []
        self.results: list[ReportResult] = []
        self.financial_files: list[WrittenFile] = []
        self.financial_skipped: list[dict] = []
        self.financial_error: str | None = None

    @property
    def folder(self) -> str:
        return self.destination.url_of(self.run_id)

    def _built_as_of(self) -> str | None:
        """The date the report models were built for (model `as_of_model`), None if unknown."""
        try:
            rows = list(self.warehouse.dicts(self.config.schema, self.config.as_of_model))
        except WarehouseError:
            return None
        return rows[0]["as_of_date"] if len(rows) == 1 else None

    def check_as_of(self, reports: list[Report], as_of: str | None) -> None:
        """--as-of: the models are computed for one date per dbt build; refuse any other."""
        if as_of is None:
            return
        unsupported = [r.key for r in reports if not r.supports_as_of]
        if unsupported:
            raise ReportError(f"--as-of: not supported by {', '.join(unsupported)}")
        if self.as_of_date != as_of:
            built = self.as_of_date or "an unknown date (model report_as_of not built)"
            raise ReportError(
                f"--as-of {as_of}: the report models in {self.warehouse.describe()} are built "
                f"as of {built}. They are computed for one date per dbt build: rebuild them "
                f"for {as_of} (cd dagster/dbt && dbt build --vars "
                f'\'{{"as_of_date": "{as_of}"}}\'), then run again'
            )

    def add_file(
        self, local: Path, path: str, report: str, fmt: str, rows: int | None
    ) -> WrittenFile:
        """Land a finished local file at `<run_id>/<path>` and list it in the manifest."""
        written = WrittenFile(
            report=report,
            path=path,
            format=fmt,
            rows=rows,
            bytes=local.stat().st_size,
            sha256=sha256(local),
            url=self.destination.url_of(f"{self.run_id}/{path}"),
        )
        self.destination.put(local, f"{self.run_id}/{path}")
        self.files.append(written)
        return written

    def write_report(self, report: Report) -> ReportResult:
        """Read the model once, write every format, validate the XML, then land the files.
        A report that fails lands none of its files; the error is in the result."""
        result = ReportResult(report)
        try:
            with tempfile.TemporaryDirectory(prefix="generate-es-reports-") as tmp:
                local = {o.format: Path(tmp) / f"{report.file}.{o.format}" for o in report.outputs}
                result.rows = self._write_local(report, local)
                for output in report.outputs:
                    if output.format != "xml":
                        continue
                    errors = xml_errors(local["xml"], output.xsd)
                    if errors and result.rows == 0:
                        # no empty document is valid when the XSD wants at least one row
                        result.skipped.append({"path": report.path("xml"), "reason": errors[0]})
                        del local["xml"]
                    elif errors:
                        raise ReportError(
                            f"{report.path('xml')} is not valid against {output.xsd.name}, "
                            f"not written: {'; '.join(errors)}"
                        )
                for fmt, path in local.items():
                    result.files.append(
                        self.add_file(path, report.path(fmt), report.key, fmt, result.rows)
                    )
        except (ReportError, WarehouseError, OSError) as e:
            result.error = str(e)
        self.results.append(result)
        return result

    def _write_local(self, report: Report, local: dict[str, Path]) -> int:
        with ExitStack() as stack:
            relation = stack.enter_context(self.warehouse.read(self.config.schema, report.model))
            writers = {}
            for output in report.outputs:
                out = stack.enter_context(
                    local[output.format].open("w", encoding="utf-8", newline="")
                )
                name = report.path(output.format)
                try:
                    if output.format == "xml":
                        writers[name] = XmlWriter(out, output.xsd, relation.columns)
                    else:
                        writers[name] = DelimitedWriter(out, output.format, relation.columns)
                except ReportError as e:
                    raise ReportError(f"{name}: {e}") from None
            rows = 0
            for row in relation:
                rows += 1
                for name, writer in writers.items():
                    try:
                        writer.write(row)
                    except ReportError as e:
                        raise ReportError(f"{name}: {e}") from None
            for writer in writers.values():
                writer.close()
            return rows

    def write_financial(self, as_of: str | None = None) -> list[WrittenFile]:
        """The financial report (financial.py) from the marts, built as of `as_of` when given:
        the HTML page, and its PDF when Chromium can print it (else listed under `skipped`). A
        failure is recorded, not raised."""
        try:
            with tempfile.TemporaryDirectory(prefix="generate-es-reports-") as tmp:
                html = render_financial_report(
                    lambda relation: self.warehouse.dicts(*relation.split(".", 1)),
                    as_of=None if as_of is None else date.fromisoformat(as_of),
                )
                page = write_financial_report(html, Path(tmp) / "financial_report.html")
                self.financial_files.append(
                    self.add_file(page, f"{FINANCIAL_FILE}.html", FINANCIAL, "html", None)
                )
                try:
                    pdf = html_to_pdf(page, Path(tmp) / "financial_report.pdf")
                except ChromiumError as e:
                    skipped = {"path": f"{FINANCIAL_FILE}.pdf", "reason": str(e)}
                    self.financial_skipped.append(skipped)
                else:
                    self.financial_files.append(
                        self.add_file(pdf, f"{FINANCIAL_FILE}.pdf", FINANCIAL, "pdf", None)
                    )
        except (FinancialReportError, WarehouseError, OSError) as e:
            self.financial_error = str(e)
        except KeyError as e:  # a mart without a column the report reads
            self.financial_error = f"a mart has no column {e}"
        return self.financial_files

    def finish(self) -> dict:
        """Write manifest.json (last, so a run folder with a manifest is complete)."""
        manifest = {
            "run_id": self.run_id,
            "created_at": self.created_at,
            "as_of_date": self.as_of_date,
            "warehouse": self.warehouse.describe(),
            "files": [{k: v for k, v in asdict(f).items() if k != "url"} for f in self.files],
            "skipped": [{"report": r.report.key, **s} for r in self.results for s in r.skipped]
            + [{"report": FINANCIAL, **s} for s in self.financial_skipped],
            "failed": [{"report": key, "error": error} for key, error in self.errors],
        }
        with tempfile.TemporaryDirectory(prefix="generate-es-reports-") as tmp:
            path = Path(tmp) / "manifest.json"
            path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
            self.destination.put(path, f"{self.run_id}/manifest.json")
        return manifest

    @property
    def failed(self) -> list[ReportResult]:
        return [r for r in self.results if r.error]

    @property
    def errors(self) -> list[tuple[str, str]]:
        """(report, error) of everything that failed, the financial report included."""
        errors = [(r.report.key, r.error) for r in self.failed]
        return errors + ([(FINANCIAL, self.financial_error)] if self.financial_error else [])


def run(
    warehouse: Warehouse,
    destination: str | Path,
    *,
    config: Config | None = None,
    only: list[str] | None = None,
    as_of: str | None = None,
    run_id: str | None = None,
) -> Run:
    """Write the selected reports into a new run folder and its manifest: all of them and the
    financial report by default; `only` names reports (`norm/id` or a whole `norm`) and
    `financial` for the financial report. A failing report does not stop the others: see
    `Run.failed`."""
    config = config or load_config()
    financial = not only or FINANCIAL in only
    named = [name for name in only or [] if name != FINANCIAL]
    reports = config.select(named) if named or not only else []
    current = Run(warehouse, destination, config=config, run_id=run_id)
    current.check_as_of(reports, as_of)
    for report in reports:
        current.write_report(report)
    if financial:
        current.write_financial(as_of)
    current.finish()
    return current
