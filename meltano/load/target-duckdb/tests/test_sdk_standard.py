"""The Meltano SDK's standard target tests (they need no network).

Every test of the SDK's standard target suite runs here (16 in singer-sdk 0.54.9). Two
classes in ``singer_sdk.testing.target_tests`` are not part of that suite and are left out
on purpose, because they contradict what this target must do:

- ``TargetMultipleStateMessages`` expects every STATE to be echoed as it arrives. The SDK
  (and this target) emits state only after all sinks are drained, i.e. committed; the SDK
  itself keeps it out of its suite ("TODO: add TargetMultipleStateMessages").
- ``TargetRecordMissingRequiredProperty`` expects a record without its ``required`` key to
  load. With ``validate_records`` (the default) it is rejected with ``InvalidRecord``,
  which is what a bank's loader should do.

Each test gets the same DuckDB file (the factory takes one config), so streams of
different tests share a file, as they would in one warehouse.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from singer_sdk.testing import get_target_test_class
from target_duckdb.target import TargetDuckDB

_DIR = Path(tempfile.mkdtemp(prefix="target-duckdb-sdk-tests-"))
atexit.register(shutil.rmtree, _DIR, ignore_errors=True)

TestTargetDuckDBStandard = get_target_test_class(
    TargetDuckDB,
    config={"path": str(_DIR / "sdk_standard.duckdb")},
)
