"""reports.yml: which files to write, from which model, in which formats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG = PACKAGE_DIR / "reports.yml"
XSD_DIR = PACKAGE_DIR / "xsd"
FORMATS = ("xml", "csv", "txt")
NAME = re.compile(r"^[a-z0-9_]+$")


class ConfigError(ValueError):
    """reports.yml is not what the generator can run."""


@dataclass(frozen=True)
class Output:
    format: str
    xsd: Path | None = None  # xml only


@dataclass(frozen=True)
class Report:
    norm: str
    id: str
    file: str
    model: str
    supports_as_of: bool
    outputs: tuple[Output, ...]

    @property
    def key(self) -> str:
        """`norm/id`, as `--only` takes it."""
        return f"{self.norm}/{self.id}"

    def path(self, fmt: str) -> str:
        """The file's path inside a run folder."""
        return f"{self.norm}/{self.file}.{fmt}"


@dataclass(frozen=True)
class Config:
    schema: str
    as_of_model: str
    reports: tuple[Report, ...]

    def select(self, only: list[str] | tuple[str, ...] | None) -> list[Report]:
        """The reports named `norm/id` (or a whole `norm`), all when `only` is empty."""
        if not only:
            return list(self.reports)
        chosen = []
        for name in only:
            found = [r for r in self.reports if name in (r.key, r.norm)]
            if not found:
                known = ", ".join(r.key for r in self.reports)
                raise ConfigError(f"no report {name!r} in reports.yml (known: {known})")
            chosen += [r for r in found if r not in chosen]
        return chosen


def _output(entry: object, where: str) -> Output:
    if not isinstance(entry, dict) or entry.get("format") not in FORMATS:
        raise ConfigError(f"{where}: an output is {{format: xml|csv|txt}}, got {entry!r}")
    unknown = set(entry) - {"format", "xsd"}
    if unknown:
        raise ConfigError(f"{where}: unknown output keys {sorted(unknown)}")
    if entry["format"] != "xml":
        if "xsd" in entry:
            raise ConfigError(f"{where}: only xml outputs take an xsd")
        return Output(entry["format"])
    if not entry.get("xsd"):
        raise ConfigError(f"{where}: an xml output names its xsd (a file in {XSD_DIR})")
    xsd = XSD_DIR / entry["xsd"]
    if not xsd.is_file():
        raise ConfigError(f"{where}: XSD {entry['xsd']!r} not found in {XSD_DIR}")
    return Output("xml", xsd)


def _report(entry: object, n: int) -> Report:
    where = f"reports[{n}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a mapping, got {entry!r}")
    required = {"norm", "id", "file", "model", "outputs"}
    missing, unknown = required - set(entry), set(entry) - required - {"supports_as_of"}
    if missing or unknown:
        raise ConfigError(f"{where}: missing keys {sorted(missing)}, unknown {sorted(unknown)}")
    for key in ("norm", "id", "file", "model"):
        if not isinstance(entry[key], str) or not NAME.match(entry[key]):
            raise ConfigError(f"{where}.{key}: {entry[key]!r} is not a lower-case [a-z0-9_] name")
    where = f"report {entry['norm']}/{entry['id']}"
    if not isinstance(entry.get("supports_as_of", False), bool):
        raise ConfigError(f"{where}: supports_as_of is true or false")
    if not isinstance(entry["outputs"], list) or not entry["outputs"]:
        raise ConfigError(f"{where}: outputs is a non-empty list")
    outputs = tuple(_output(o, where) for o in entry["outputs"])
    formats = [o.format for o in outputs]
    if len(set(formats)) != len(formats):
        raise ConfigError(f"{where}: a format appears twice in outputs")
    return Report(
        norm=entry["norm"],
        id=entry["id"],
        file=entry["file"],
        model=entry["model"],
        supports_as_of=entry.get("supports_as_of", False),
        outputs=outputs,
    )


def load_config(path: Path | str = DEFAULT_CONFIG) -> Config:
    """Read and check reports.yml (default: the one in the package)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"cannot read {path}: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("reports"), list):
        raise ConfigError(f"{path}: expected `schema`, `as_of_model` and a list `reports`")
    for key in ("schema", "as_of_model"):
        if not isinstance(data.get(key), str) or not NAME.match(data[key]):
            raise ConfigError(f"{path}: `{key}` must be a lower-case [a-z0-9_] name")
    reports = tuple(_report(entry, n) for n, entry in enumerate(data["reports"]))
    for attr in ("key", "model"):
        values = [getattr(r, attr) for r in reports]
        twice = sorted({v for v in values if values.count(v) > 1})
        if twice:
            raise ConfigError(f"{path}: {attr} used by more than one report: {twice}")
    paths = [r.path(o.format) for r in reports for o in r.outputs]
    if len(set(paths)) != len(paths):
        raise ConfigError(f"{path}: two reports write the same file (norm and file)")
    return Config(schema=data["schema"], as_of_model=data["as_of_model"], reports=reports)
