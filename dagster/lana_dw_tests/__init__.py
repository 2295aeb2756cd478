"""Tests of the Dagster code location (a package, so pytest does not shadow `dagster`)."""
