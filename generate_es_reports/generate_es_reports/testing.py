"""Helpers for the tests that check the financial report's page (the package's unit tests
and the warehouse tests in dagster/dbt_tests): its tables as text, and a screenshot's sanity."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path


class Tables(HTMLParser):
    """Every <table>'s rows of cell texts, keyed by the id of the nearest element around it."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: list[str | None] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.rows: list[list[str]] | None = None
        self.cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in ("section", "div"):
            self.ids.append(dict(attrs).get("id"))
        elif tag == "table":
            self.rows = self.tables.setdefault(next(i for i in reversed(self.ids) if i), [])
        elif tag == "tr" and self.rows is not None:
            self.rows.append([])
        elif tag in ("td", "th") and self.rows is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("section", "div"):
            self.ids.pop()
        elif tag == "table":
            self.rows = None
        elif tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def row(tables: Tables, table: str, label: str) -> list[str]:
    """The cells of the row of `table` whose label (first non-code cell) is `label`."""
    for cells in tables.tables[table]:
        if label in cells[:2]:
            return cells
    raise AssertionError(f"no row {label!r} in {table}: {tables.tables[table]}")


def assert_screenshot(png: Path, width: int = 1280, height: int = 2000) -> None:
    """A PNG of the window's size with the page drawn on it: not one flat colour."""
    from PIL import Image

    with Image.open(png) as image:
        assert image.format == "PNG" and image.size == (width, height)
        gray = image.convert("L")
        histogram = gray.histogram()
        dark = sum(histogram[:128])  # text, rules, chart lines
        assert dark > 0.002 * width * height, f"blank screenshot: {dark} dark pixels"
        assert histogram[255] > 0.5 * width * height, "the page's white background is missing"
