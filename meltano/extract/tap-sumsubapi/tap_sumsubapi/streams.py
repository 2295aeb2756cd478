"""The two Sumsub streams, both driven by the webhook log (:mod:`tap_sumsubapi.inbox`).

For every candidate (a customer with webhooks at or after the bookmark, oldest first) a
stream fetches what it needs, checks the whole reply, and only then emits the customer's
rows and moves its bookmark to that customer's ``recorded_at``. A failure (after retries)
ends the run at that customer: the bookmark stays on the last customer done, so the failed
one is fetched again next run (lana-pipeline.md §3's rule, kept). State::

    {"replication_key": "recorded_at",
     "replication_key_value": "2026-01-01T10:02:01.123000+00:00",
     "customers_at_bookmark": ["<customer id>", ...]}

``customers_at_bookmark`` lists the customers already done whose ``recorded_at`` equals the
bookmark, so customers sharing one ``recorded_at`` are neither skipped nor fetched twice.

A 404 is an answer, not a failure: ``sumsub_applicants`` records a ``not_found`` row for
the customer (Sumsub's 404 text in ``error``, no applicant fields); ``sumsub_documents``
emits no row for it (there is no image to describe) and logs a warning. Both move on.
"""

from __future__ import annotations

import typing as t
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from urllib.parse import quote

import simplejson
from singer_sdk import SchemaDirectory, StreamSchema

from tap_sumsubapi.client import SumsubNotFound, SumsubStream, malformed
from tap_sumsubapi.inbox import Candidate, format_recorded_at, parse_recorded_at

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context

SCHEMAS = SchemaDirectory(resources.files(__package__) / "schemas")
DONE_KEY = "customers_at_bookmark"


def parse_sumsub_time(what: str, value: t.Any, field: str) -> str | None:
    """Sumsub's times: ``YYYY-MM-DD HH:MM:SS`` (UTC, no zone) or with ``+0000``; ISO too."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise malformed(what, f"{field} is {value!r}, not a time")
    text = value.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M:%S.%f"):
        try:
            parsed = datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    else:
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise malformed(what, f"{field} is {value!r}, not a Sumsub time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return format_recorded_at(parsed)


def _optional_str(what: str, data: dict, key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise malformed(what, f"{where}{key} is {value!r}, not a string")


def _optional_int(what: str, value: t.Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise malformed(what, f"{field} is {value!r}, not an integer")
    if isinstance(value, Decimal):
        if not value.is_finite() or value != value.to_integral_value():
            raise malformed(what, f"{field} is {value}, not an integer")
        return int(value)
    return value


class _WebhookDrivenStream(SumsubStream):
    """Incremental on ``recorded_at`` of the webhook log, one customer at a time."""

    replication_key = "recorded_at"
    is_sorted = True

    def starting_point(self) -> tuple[str | None, set[str]]:
        """(bookmark or start_date as text, customers done at exactly that bookmark)."""
        state = self.get_context_state(None)
        start_date = self.config.get("start_date")
        start = format_recorded_at(parse_recorded_at(start_date)) if start_date else None
        bookmark = state.get("replication_key_value")
        if bookmark is not None and state.get("replication_key") == self.replication_key:
            bookmark = format_recorded_at(parse_recorded_at(bookmark))
            if start is None or bookmark >= start:
                return bookmark, set(state.get(DONE_KEY) or [])
        return start, set()

    def rows_for(self, candidate: Candidate, fetched_at: str) -> list[dict[str, t.Any]]:
        raise NotImplementedError

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        if not self.tap.api_operative(self):
            return
        state = self.get_context_state(context)
        since, done = self.starting_point()
        current, emitted = since, sorted(done)
        for candidate in self.tap.candidates(since):
            key = candidate.bookmark
            if since is not None and (
                key < since or (key == since and candidate.customer_id in done)
            ):
                continue
            fetched_at = format_recorded_at(self.clock.now())
            rows = self.rows_for(candidate, fetched_at)  # whole and checked, or it raised
            if key != current:
                current, emitted = key, []
            emitted.append(candidate.customer_id)
            state[DONE_KEY] = emitted
            yield from rows
            state["replication_key"] = self.replication_key
            state["replication_key_value"] = key  # also when the customer had no rows
            self.checkpoint()


class ApplicantsStream(_WebhookDrivenStream):
    """``GET /resources/applicants/{applicantId}/one`` per customer (by ``externalUserId``
    when the webhooks carry no applicant id): one row per customer and batch of webhooks."""

    name = "sumsub_applicants"
    primary_keys = ("customer_id", "recorded_at")
    schema = StreamSchema(SCHEMAS, key="applicants")

    def rows_for(self, candidate: Candidate, fetched_at: str) -> list[dict[str, t.Any]]:
        if candidate.applicant_id:
            path = f"/resources/applicants/{quote(candidate.applicant_id, safe='')}/one"
        else:
            path = (
                "/resources/applicants/-;externalUserId="
                f"{quote(candidate.customer_id, safe='')}/one"
            )
        row: dict[str, t.Any] = dict.fromkeys(self.schema["properties"])
        row.update(
            customer_id=candidate.customer_id,
            recorded_at=candidate.bookmark,
            webhook_type=candidate.webhook_type,
            applicant_id=candidate.applicant_id,
            fetched_at=fetched_at,
        )
        try:
            data, text = self.request_json(path)
        except SumsubNotFound as nf:
            self.logger.warning(
                "GET %s: HTTP 404 for customer %s: recorded as not_found", path, row["customer_id"]
            )
            row.update(fetch_status="not_found", error=nf.body)
            return [row]
        row.update(self.parse_applicant(f"GET {path}", candidate, data))
        row.update(fetch_status="found", content=text)
        return [row]

    @staticmethod
    def parse_applicant(what: str, candidate: Candidate, data: dict) -> dict[str, t.Any]:
        applicant_id = data.get("id")
        if not isinstance(applicant_id, str) or not applicant_id:
            raise malformed(what, "the applicant has no id")
        if candidate.applicant_id and applicant_id != candidate.applicant_id:
            raise malformed(
                what, f"asked for applicant {candidate.applicant_id}, got {applicant_id}"
            )
        external = _optional_str(what, data, "externalUserId", "")
        if not candidate.applicant_id and external != candidate.customer_id:
            raise malformed(
                what, f"asked for externalUserId {candidate.customer_id!r}, got {external!r}"
            )
        review = data.get("review")
        if not isinstance(review, dict) or not isinstance(review.get("reviewStatus"), str):
            raise malformed(what, "the applicant has no review.reviewStatus")
        result = review.get("reviewResult")
        if result is not None and not isinstance(result, dict):
            raise malformed(what, f"review.reviewResult is {result!r}, not an object")
        result = result or {}
        labels = result.get("rejectLabels")
        if labels is not None and not (
            isinstance(labels, list) and all(isinstance(x, str) for x in labels)
        ):
            raise malformed(what, f"review.reviewResult.rejectLabels is {labels!r}")
        return {
            "applicant_id": applicant_id,
            "inspection_id": _optional_str(what, data, "inspectionId", ""),
            "external_user_id": external,
            "applicant_type": _optional_str(what, data, "type", ""),
            "level_name": _optional_str(what, review, "levelName", "review.")
            or _optional_str(what, data, "levelName", ""),
            "review_status": review["reviewStatus"],
            "review_answer": _optional_str(what, result, "reviewAnswer", "review.reviewResult."),
            "reject_type": _optional_str(what, result, "reviewRejectType", "review.reviewResult."),
            "reject_labels": labels,
            "created_at": parse_sumsub_time(what, data.get("createdAt"), "createdAt"),
            "review_date": parse_sumsub_time(what, review.get("reviewDate"), "review.reviewDate"),
        }


class DocumentsStream(_WebhookDrivenStream):
    """``GET /resources/applicants/{applicantId}/metadata/resources`` per customer: one row
    per uploaded image (its metadata, no bytes)."""

    name = "sumsub_documents"
    primary_keys = ("customer_id", "recorded_at", "image_id")
    schema = StreamSchema(SCHEMAS, key="documents")

    def applicant_id_of(self, candidate: Candidate) -> str | None:
        if candidate.applicant_id:
            return candidate.applicant_id
        path = f"/resources/applicants/-;externalUserId={quote(candidate.customer_id, safe='')}/one"
        try:
            data, _ = self.request_json(path)
        except SumsubNotFound:
            return None
        applicant_id = data.get("id")
        if not isinstance(applicant_id, str) or not applicant_id:
            raise malformed(f"GET {path}", "the applicant has no id")
        return applicant_id

    def rows_for(self, candidate: Candidate, fetched_at: str) -> list[dict[str, t.Any]]:
        applicant_id = self.applicant_id_of(candidate)
        path = f"/resources/applicants/{quote(applicant_id or '-', safe='')}/metadata/resources"
        if applicant_id is None:
            self.logger.warning(
                "customer %s has no Sumsub applicant (HTTP 404): no documents",
                candidate.customer_id,
            )
            return []
        try:
            data, _ = self.request_json(path)
        except SumsubNotFound:
            self.logger.warning(
                "GET %s: HTTP 404 for customer %s: applicant gone, no documents",
                path,
                candidate.customer_id,
            )
            return []
        what = f"GET {path}"
        items = data.get("items")
        if not isinstance(items, list):
            raise malformed(what, "no items array")
        rows = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise malformed(what, f"items[{i}] is {type(item).__name__}, not an object")
            image_id = item.get("id")
            if isinstance(image_id, bool) or not isinstance(image_id, (str, int)) or image_id == "":
                raise malformed(what, f"items[{i}].id is {image_id!r}")
            meta = item.get("fileMetadata") or {}
            definition = item.get("idDocDef") or {}
            result = item.get("reviewResult") or {}
            resolution = meta.get("resolution") or {} if isinstance(meta, dict) else {}
            for name, part in (
                ("fileMetadata", meta),
                ("idDocDef", definition),
                ("reviewResult", result),
                ("fileMetadata.resolution", resolution),
            ):
                if not isinstance(part, dict):
                    raise malformed(what, f"items[{i}].{name} is {part!r}, not an object")
            deactivated = item.get("deactivated")
            if deactivated is not None and not isinstance(deactivated, bool):
                raise malformed(what, f"items[{i}].deactivated is {deactivated!r}")
            where = f"items[{i}]."
            rows.append(
                {
                    "customer_id": candidate.customer_id,
                    "recorded_at": candidate.bookmark,
                    "applicant_id": applicant_id,
                    "image_id": str(image_id),
                    "preview_id": None if item.get("previewId") is None else str(item["previewId"]),
                    "added_at": parse_sumsub_time(what, item.get("addedDate"), where + "addedDate"),
                    "id_doc_type": _optional_str(
                        what, definition, "idDocType", where + "idDocDef."
                    ),
                    "id_doc_sub_type": _optional_str(
                        what, definition, "idDocSubType", where + "idDocDef."
                    ),
                    "country": _optional_str(what, definition, "country", where + "idDocDef."),
                    "file_name": _optional_str(what, meta, "fileName", where + "fileMetadata."),
                    "file_type": _optional_str(what, meta, "fileType", where + "fileMetadata."),
                    "file_size": _optional_int(what, meta.get("fileSize"), where + "fileSize"),
                    "width": _optional_int(what, resolution.get("width"), where + "width"),
                    "height": _optional_int(what, resolution.get("height"), where + "height"),
                    "review_answer": _optional_str(
                        what, result, "reviewAnswer", where + "reviewResult."
                    ),
                    "attempt_id": _optional_str(what, item, "attemptId", where),
                    "source": _optional_str(what, item, "source", where),
                    "deactivated": deactivated,
                    "fetched_at": fetched_at,
                    "content": simplejson.dumps(
                        item, use_decimal=True, ensure_ascii=False, separators=(",", ":")
                    ),
                }
            )
        ids = [r["image_id"] for r in rows]
        if len(set(ids)) != len(ids):
            raise malformed(what, "an image id appears twice")
        return rows
