"""Sumsub applicants derived from the webhook log: the data the fake Sumsub serves.

An applicant exists once ``inbox_events`` holds a webhook naming its ``applicantId``; its
state is the fold of its webhooks in ``createdAtMs`` order (level, review status, review
answer). Everything Sumsub would know besides (names, documents, addresses, questionnaire
answers, image metadata) is made up, deterministically from the seed and the applicant id,
with the shapes of apis.md B.3 and the fields Lana's dbt reads (B.6): ``info.firstName``,
``info.lastName``, ``info.dob``, ``info.gender``, ``info.country``, ``info.nationality``,
``info.idDocs[].{country,idDocType,number}``, the questionnaire items, ``createdAt``.

Variety on purpose (apis.md C.2.7-8): company applicants (``info.companyInfo``, no dob),
applicants without ``idDocs`` (nothing uploaded yet), without ``questionnaires`` or
``fixedInfo``, ``createdAt`` without a zone next to review dates with ``+0000``, and 0, 1 or
many images per applicant.
"""

from __future__ import annotations

import json
import random
import threading
import typing as t
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg

from lana_sandbox import names

from .inbox import parse_created_at_ms

__all__ = ["ApplicantBook", "Image", "applicant_from_webhooks"]

ALPHA3 = {"SV": "SLV", "GT": "GTM", "HN": "HND", "US": "USA", "MX": "MEX", "CR": "CRI", "ES": "ESP"}
OCCUPATIONS = ("engineer", "teacher", "merchant", "doctor", "farmer", "accountant", "driver")
ACTIVITIES = ("it", "education", "retail", "health", "agriculture", "finance", "transport")
LETTERS = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
SOURCES_OF_FUNDS = ("salary", "business", "savings", "investments")
# A 1x1 JPEG and a tiny PDF: enough for clients that check the bytes and the type.
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b"
    "0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e3334"
    "32ffc0000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708"
    "090a0bffda0008010100003f00d2cf20ffd9"
)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@dataclass(frozen=True)
class Image:
    image_id: str
    content_type: str
    body: bytes


def _ts(at: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` (UTC, no zone): Sumsub's ``createdAt``/``addedDate``."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _ts_zone(at: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS+0000``: Sumsub's review dates."""
    return _ts(at) + "+0000"


def _hex24(rng: random.Random) -> str:
    return f"{rng.getrandbits(96):024x}"


def _rng(seed: int, applicant_id: str, what: str) -> random.Random:
    return random.Random(f"sumsub:{seed}:{applicant_id}:{what}")


def applicant_from_webhooks(webhooks: list[dict[str, t.Any]], seed: int) -> dict[str, t.Any]:
    """The applicant object (B.3.1) of one applicant, from its webhooks in time order."""
    first, last = webhooks[0], webhooks[-1]
    applicant_id = first["applicantId"]
    rng = _rng(seed, applicant_id, "person")
    created = parse_created_at_ms(first["createdAtMs"]) - timedelta(seconds=rng.randrange(5, 90))
    status = last.get("reviewStatus") or "init"
    company = last.get("applicantType") == "company"
    country = ALPHA3[rng.choice(names.NATIONALITIES)]
    first_name, last_name = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
    dob = (datetime(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))).date().isoformat()
    city = rng.choice(names.CITIES)
    address = {
        "country": country,
        "postCode": f"{rng.randrange(1101, 3500)}",
        "town": city,
        "street": rng.choice(names.STREETS),
        "buildingNumber": str(rng.randrange(1, 400)),
        "formattedAddress": f"{rng.choice(names.STREETS)} {rng.randrange(1, 400)}, {city}",
    }
    uploaded = status != "init"
    doc_type = rng.choice(("PASSPORT", "ID_CARD"))
    info: dict[str, t.Any] = {}
    if company:
        info["companyInfo"] = {
            "companyName": f"{rng.choice(names.COMPANY_WORDS)} "
            f"{rng.choice(names.COMPANY_WORDS)} {rng.choice(names.COMPANY_SUFFIXES)}",
            "registrationNumber": f"{rng.randrange(10**7, 10**8)}",
            "country": country,
            "legalAddress": address["formattedAddress"],
            "incorporatedOn": f"{rng.randrange(1990, 2024)}-0{rng.randrange(1, 10)}-15",
            "type": "LLC",
        }
    else:
        info.update(
            {
                "firstName": first_name.upper(),
                "firstNameEn": first_name.upper(),
                "lastName": last_name.upper(),
                "lastNameEn": last_name.upper(),
                "dob": dob,
                "gender": rng.choice("MF"),
                "placeOfBirth": city.upper(),
                "country": country,
                "nationality": country,
                "addresses": [address],
            }
        )
        if uploaded:
            info["idDocs"] = [
                {
                    "idDocType": doc_type,
                    "country": country,
                    "firstName": first_name.upper(),
                    "lastName": last_name.upper(),
                    "dob": dob,
                    "number": ("A" if doc_type == "PASSPORT" else "D")
                    + str(rng.randrange(10**7, 10**8)),
                    "issuedDate": f"{rng.randrange(2016, 2024)}-03-01",
                    "validUntil": f"{rng.randrange(2027, 2034)}-02-28",
                }
            ]
    applicant: dict[str, t.Any] = {
        "id": applicant_id,
        "createdAt": _ts(created),
        "createdBy": "service-sbx-LANADWSANDBOX-app-demo",
        "key": "LANADWSANDBOX",
        "clientId": first.get("clientId", "lana.sandbox"),
        "inspectionId": first.get("inspectionId") or _hex24(rng),
        "externalUserId": first["externalUserId"],
        "sourceKey": "web",
        "info": info,
    }
    if not company and rng.random() < 0.8:
        applicant["fixedInfo"] = {
            "firstName": first_name,
            "lastName": last_name,
            "dob": dob,
            "country": country,
        }
    applicant.update(
        {
            "email": f"{first_name}.{last_name}.{applicant_id[:6]}@example.com".lower(),
            "phone": f"+503{rng.randrange(6000_0000, 7999_9999)}",
            "applicantPlatform": rng.choice(("Web", "Android", "iOS")),
            "ipCountry": country,
            "lang": "es",
            "requiredIdDocs": {
                "docSets": [
                    {
                        "idDocSetType": "IDENTITY",
                        "types": ["PASSPORT", "ID_CARD", "DRIVERS"],
                        "subTypes": ["FRONT_SIDE", "BACK_SIDE"],
                    },
                    {"idDocSetType": "SELFIE", "types": ["SELFIE"], "videoRequired": "disabled"},
                ]
            },
            "review": review_from_webhooks(webhooks, seed),
        }
    )
    if rng.random() < 0.75:
        tax_id = f"{rng.randrange(1000, 9999)}-{dob[8:10]}{dob[5:7]}{dob[2:4]}-101-1"
        applicant["questionnaires"] = [
            {
                "id": "personal_info",
                "sections": {
                    "personalInformation": {
                        "items": {
                            "occupation": {"value": rng.choice(OCCUPATIONS)},
                            "economicActivity": {"value": rng.choice(ACTIVITIES)},
                            "countryOfResidence": {"value": country},
                            "taxIdentificationNum": {"value": tax_id},
                            "sourceOfFunds": {"value": rng.choice(SOURCES_OF_FUNDS)},
                        }
                    }
                },
            }
        ]
    applicant["tags"] = []
    applicant["type"] = "company" if company else "individual"
    return applicant


def review_from_webhooks(webhooks: list[dict[str, t.Any]], seed: int) -> dict[str, t.Any]:
    """The review object (B.3.2) after these webhooks."""
    first, last = webhooks[0], webhooks[-1]
    rng = _rng(seed, first["applicantId"], "review")
    pending = next((w for w in webhooks if w.get("reviewStatus") == "pending"), first)
    pending_at = parse_created_at_ms(pending["createdAtMs"])
    review: dict[str, t.Any] = {
        "reviewId": "".join(rng.choice(LETTERS) for _ in range(5)),
        "attemptId": "".join(rng.choice(LETTERS) for _ in range(5)),
        "attemptCnt": sum(1 for w in webhooks if w.get("type") == "applicantPending") or 0,
        "levelName": last.get("levelName", "basic-kyc-level"),
        "levelAutoCheckMode": None,
        "createDate": _ts_zone(pending_at),
        "reviewStatus": last.get("reviewStatus") or "init",
        "priority": 0,
    }
    reviewed = [w for w in webhooks if w.get("type") == "applicantReviewed"]
    if reviewed and last.get("reviewStatus") == "completed":
        done = reviewed[-1]
        done_at = parse_created_at_ms(done["createdAtMs"])
        review["reviewDate"] = _ts_zone(done_at)
        review["elapsedSincePendingMs"] = int((done_at - pending_at) / timedelta(milliseconds=1))
        review["reviewResult"] = dict(done.get("reviewResult") or {"reviewAnswer": "GREEN"})
    return review


def metadata_from_webhooks(webhooks: list[dict[str, t.Any]], seed: int) -> dict[str, t.Any]:
    """``{"items": [...], "totalItems": n}`` (B.3.4): 0 images before any upload, else 2-6."""
    applicant = applicant_from_webhooks(webhooks, seed)
    if applicant["review"]["reviewStatus"] == "init":
        return {"items": [], "totalItems": 0}
    rng = _rng(seed, applicant["id"], "images")
    country = applicant["info"].get("country") or applicant["info"]["companyInfo"]["country"]
    docs = applicant["info"].get("idDocs") or [{"idDocType": "ID_CARD"}]
    answer = (applicant["review"].get("reviewResult") or {}).get("reviewAnswer")
    added = parse_created_at_ms(webhooks[0]["createdAtMs"])
    attempt = applicant["review"]["attemptId"]
    wanted: list[tuple[str, str | None, str]] = []
    if docs[0]["idDocType"] == "PASSPORT":
        wanted.append(("PASSPORT", "FRONT_SIDE", "jpeg"))
    else:
        wanted += [("ID_CARD", "FRONT_SIDE", "jpeg"), ("ID_CARD", "BACK_SIDE", "jpeg")]
    wanted.append(("SELFIE", None, "jpeg"))
    if applicant["review"]["levelName"] == "advanced-kyc-level":
        wanted += [("UTILITY_BILL", None, "pdf")] * rng.randrange(1, 4)
    items = []
    base = 1_045_510_000 + rng.randrange(10**8)
    for n, (doc_type, side, kind) in enumerate(wanted):
        image_id = str(base + n)
        width, height = (1600, 1200) if kind == "jpeg" else (1240, 1754)
        definition: dict[str, t.Any] = {"country": country, "idDocType": doc_type}
        if side:
            definition["idDocSubType"] = side
        item: dict[str, t.Any] = {
            "id": image_id,
            "previewId": str(base + 500 + n),
            "addedDate": _ts(added + timedelta(seconds=30 * (n + 1))),
            "fileMetadata": {
                "fileName": f"{doc_type.lower()}{'_' + side.lower() if side else ''}_{n}.{kind}",
                "fileType": kind,
                "fileSize": rng.randrange(40_000, 900_000),
                "resolution": {"width": width, "height": height},
            },
            "idDocDef": definition,
            "attemptId": attempt,
            "source": "fileupload",
            "deactivated": False,
        }
        if answer:
            item["reviewResult"] = {"reviewAnswer": answer}
        items.append(item)
    return {"items": items, "totalItems": len(items)}


class ApplicantBook:
    """Reads the webhook log on every lookup, so new webhooks show at once.

    ``dsn`` is a PostgreSQL database with Lana's ``inbox_events`` (the sandbox bank's).
    Applicants marked :meth:`delete` answer 404 from then on.
    """

    def __init__(self, dsn: str, *, seed: int = 0, table: str = "inbox_events") -> None:
        self.dsn, self.seed, self.table = dsn, seed, table
        self.deleted: set[str] = set()
        self._conn: psycopg.Connection | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _query(self, sql: str, params: tuple) -> list[tuple]:
        with self._lock:
            for attempt in (1, 2):
                if self._conn is None or self._conn.closed:
                    self._conn = psycopg.connect(self.dsn, autocommit=True)
                try:
                    return self._conn.execute(sql, params).fetchall()
                except psycopg.OperationalError:
                    self._conn = None
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")

    def webhooks(
        self, *, applicant_id: str | None = None, external_user_id: str | None = None
    ) -> list[dict[str, t.Any]]:
        """The applicant's webhooks in time order ([] when it does not exist)."""
        if external_user_id is not None:
            rows = self._query(
                f"SELECT payload->>'applicantId' FROM {self.table} "
                "WHERE payload->>'externalUserId' = %s AND payload ? 'applicantId' "
                "ORDER BY recorded_at DESC, id DESC LIMIT 1",
                (external_user_id,),
            )
            if not rows:
                return []
            applicant_id = rows[0][0]
        if applicant_id is None or applicant_id in self.deleted:
            return []
        # Webhooks sharing a createdAtMs are folded in journey order (inbox_events has no
        # sequence column): created, pending, the rest.
        rows = self._query(
            f"SELECT payload::text FROM {self.table} WHERE payload->>'applicantId' = %s "
            "ORDER BY payload->>'createdAtMs', recorded_at, "
            "array_position(ARRAY['applicantCreated', 'applicantPending'], payload->>'type') "
            "NULLS LAST",
            (applicant_id,),
        )
        return [json.loads(text) for (text,) in rows]

    def applicant(self, **key: str | None) -> dict[str, t.Any] | None:
        webhooks = self.webhooks(**key)
        return applicant_from_webhooks(webhooks, self.seed) if webhooks else None

    def review(self, applicant_id: str) -> dict[str, t.Any] | None:
        webhooks = self.webhooks(applicant_id=applicant_id)
        return review_from_webhooks(webhooks, self.seed) if webhooks else None

    def metadata(self, applicant_id: str) -> dict[str, t.Any] | None:
        webhooks = self.webhooks(applicant_id=applicant_id)
        return metadata_from_webhooks(webhooks, self.seed) if webhooks else None

    def image(self, inspection_id: str, image_id: str) -> Image | None:
        rows = self._query(
            f"SELECT DISTINCT payload->>'applicantId' FROM {self.table} "
            "WHERE payload->>'inspectionId' = %s",
            (inspection_id,),
        )
        for (applicant_id,) in rows:
            meta = self.metadata(applicant_id) or {"items": []}
            for item in meta["items"]:
                if item["id"] == image_id:
                    pdf = item["fileMetadata"]["fileType"] == "pdf"
                    body, kind = (PDF, "application/pdf") if pdf else (JPEG, "image/jpeg")
                    return Image(image_id, kind, body)
        return None

    def customers(self) -> list[tuple[str, str]]:
        """(externalUserId, latest applicantId) of every customer in the log."""
        rows = self._query(
            f"SELECT DISTINCT ON (payload->>'externalUserId') payload->>'externalUserId', "
            f"payload->>'applicantId' FROM {self.table} WHERE payload ? 'applicantId' "
            "ORDER BY payload->>'externalUserId', recorded_at DESC, id DESC",
            (),
        )
        return [(c, a) for c, a in rows]
