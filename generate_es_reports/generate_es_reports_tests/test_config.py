"""reports.yml: the packaged one, selection, and the mistakes it refuses."""

from __future__ import annotations

import pytest
from generate_es_reports.config import ConfigError, load_config
from generate_es_reports.formats import layout

from .conftest import garantia_report, write_config


def test_the_packaged_reports():
    config = load_config()
    assert config.schema == "dbt_lana_reports" and config.as_of_model == "report_as_of"
    assert {r.norm for r in config.reports} == {"nrp_91", "nrp_92", "nrp_28", "nrsf_03", "uif_07"}
    assert len(config.reports) == 9
    for report in config.reports:
        assert report.model.startswith(f"report_{report.norm}_")
        for output in report.outputs:
            if output.format == "xml":
                assert layout(output.xsd).row == report.file
    nrsf = {o.format for r in config.reports if r.norm == "nrsf_03" for o in r.outputs}
    assert nrsf == {"csv", "txt"}


def test_select_by_report_or_norm():
    config = load_config()
    assert [r.key for r in config.select(["nrp_92/01_persona"])] == ["nrp_92/01_persona"]
    assert [r.key for r in config.select(["nrsf_03", "nrsf_03/01_cliente"])] == [
        "nrsf_03/01_cliente",
        "nrsf_03/02_depositos",
    ]
    assert config.select([]) == list(config.reports)
    with pytest.raises(ConfigError, match=r"no report 'nrp_92/99' in reports.yml \(known: nrp_91"):
        config.select(["nrp_92/99"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"outputs": [{"format": "xml"}]}, "an xml output names its xsd"),
        ({"outputs": [{"format": "xml", "xsd": "nope.xsd"}]}, "XSD 'nope.xsd' not found"),
        ({"outputs": [{"format": "pdf"}]}, "an output is {format: xml|csv|txt}"),
        ({"outputs": [{"format": "csv", "xsd": "x.xsd"}]}, "only xml outputs take an xsd"),
        ({"outputs": [{"format": "csv"}, {"format": "csv"}]}, "a format appears twice"),
        ({"outputs": []}, "outputs is a non-empty list"),
        ({"file": "Persona.xml"}, "is not a lower-case"),
        ({"supports_as_of": "yes"}, "supports_as_of is true or false"),
        ({"colour": "red"}, r"unknown \['colour'\]"),
    ],
)
def test_mistakes_are_refused(tmp_path, change, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write_config(tmp_path / "r.yml", [{**garantia_report(), **change}]))


def test_two_reports_cannot_share_an_id_or_a_file(tmp_path):
    twice = [garantia_report("a"), garantia_report("b")]
    with pytest.raises(
        ConfigError, match=r"key used by more than one report: \['nrp_92/01_garantia'\]"
    ):
        load_config(write_config(tmp_path / "r.yml", twice))
    same_file = [garantia_report("a", "g", "01_a"), garantia_report("b", "g", "02_b")]
    with pytest.raises(ConfigError, match="two reports write the same file"):
        load_config(write_config(tmp_path / "r.yml", same_file))
