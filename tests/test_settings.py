"""The unit's own settings: found beside its data, over the shipped defaults key by key, checked against one
schema, refused in one line naming the key and what is allowed; a starter file to begin from."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from firestats.cli import main
from firestats.errors import InputError
from firestats.settings import Settings, _shipped, settings, starter, unit_settings, use_settings


@pytest.fixture(autouse=True)
def shipped_afterwards():
    yield
    use_settings(None)


def test_the_shipped_settings_hold_to_the_schema():
    assert Settings.model_validate(_shipped()).percentiles.min_n == 20


@pytest.mark.parametrize("body, message", [
    ("percentiles: {min_n: -3}", "percentiles.min_n: Input should be greater than 0 (given -3)"),
    ("findings: {weakest_item: {below_pass_rate: 1.5}}",
     "findings.weakest_item.below_pass_rate: Input should be less than or equal to 1 (given 1.5)"),
    ("response: {within_standard: nfpa}", "response.within_standard names no profile: one of cn, nfpa1710, uk"),
    ("response_standards: {profiles: {cn: {name: 布局, thresholds: [{segment: walk, seconds: 3, source: s}]}}}",
     "response_standards.profiles.cn.thresholds.0.segment: Input should be 'call_processing', 'turnout', "
     "'travel', 'total' or 'dispatch_to_arrival' (given 'walk')"),
    ("stations: {full_nam: {}}", "unknown setting stations.full_nam (known here: full_suffix, full_names, source)"),
    ("- 1\n- 2\n", "the file should be a mapping of settings (keys: response, "),
    ("percentiles:\n  min_n: [", "not a readable settings file (line 2: expected the node content"),
])
def test_a_wrong_setting_is_refused_in_one_line_naming_its_key(tmp_path, body, message):
    unit = tmp_path / "firestats.yaml"
    unit.write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as refused:
        use_settings(unit)
    assert str(refused.value).startswith(f"{unit}: {message}") and "\n" not in str(refused.value)


def test_a_unit_adds_its_own_profile_and_station_names(tmp_path):
    unit = tmp_path / "firestats.yaml"
    unit.write_text("response: {within_standard: mine}\n"
                    "response_standards: {profiles: {mine: {name: 本支队规定, thresholds: "
                    "[{segment: dispatch_to_arrival, seconds: 240, source: 支队规定}]}}}\n"
                    "stations: {full_names: {城东站: 城东特勤消防站}}\n", encoding="utf-8")
    use_settings(unit)
    assert settings()["stations"]["full_names"] == {"城东站": "城东特勤消防站"}
    assert settings()["stations"]["full_suffix"] == "消防救援站"  # the rest as shipped
    assert set(settings()["response_standards"]["profiles"]) == {"cn", "nfpa1710", "uk", "mine"}


def test_the_units_file_is_found_named_then_in_the_environment_then_in_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FIRESTATS_SETTINGS", raising=False)
    assert unit_settings(None) is None
    (tmp_path / "firestats.yaml").write_text("notable: {top: 5}\n", encoding="utf-8")
    assert unit_settings(None) == str(tmp_path / "firestats.yaml")
    monkeypatch.setenv("FIRESTATS_SETTINGS", "elsewhere.yaml")
    assert unit_settings(None) == str(tmp_path / "elsewhere.yaml")
    assert unit_settings("given.yaml") == str(tmp_path / "given.yaml")


def test_init_settings_writes_a_starter_that_changes_nothing_until_a_line_is_uncommented(tmp_path):
    runner = CliRunner()
    target = tmp_path / "firestats.yaml"
    assert runner.invoke(main, ["init-settings", str(target)]).exit_code == 0
    assert target.read_text("utf-8") == starter() and yaml.safe_load(starter()) is None
    again = runner.invoke(main, ["init-settings", str(target)])
    assert again.exit_code == 2 and "already exists; --force replaces it" in again.output
    lines = target.read_text("utf-8").splitlines()
    # Uncomment the percentiles section and its min_n, with the value changed: that one setting changes.
    start = lines.index("# percentiles:")
    chosen = [lines[start][2:], next(line for line in lines[start:] if "min_n:" in line)[2:].replace("20", "30")]
    target.write_text("\n".join(chosen) + "\n", encoding="utf-8")
    use_settings(target)
    assert settings()["percentiles"]["min_n"] == 30 and settings()["percentiles"]["bootstrap_seed"] == 20240101


def test_an_example_threshold_is_marked_示例_until_the_unit_sets_it(tmp_path):
    from firestats.compute import findings

    scores = {"weakest_items": ["3000米跑"], "by_item": {"3000米跑": {"pass_rate": 0.5, "n": 100}}}
    figures = {"assessments": scores}
    assert "低于90%（示例）（有效成绩100项次）" in findings.weakest_item(figures).text
    unit = tmp_path / "firestats.yaml"
    unit.write_text("findings: {weakest_item: {below_pass_rate: 0.85, source: 本支队训练考核规定}}\n", encoding="utf-8")
    use_settings(unit)
    assert "低于85%（有效成绩100项次）" in findings.weakest_item(figures).text
    assert settings()["findings"]["beyond_5min"]["example"]  # a rule it did not set stays the example


def test_the_units_names_and_form_come_from_its_settings(tmp_path):
    from firestats.periods import Period
    from firestats.publish import annual
    from firestats.request import Request
    from firestats.wording import overview_title

    ours = tmp_path / "本支队措辞.yaml"
    ours.write_text('title: "{station_name}{period_name}总结"\nblocks:\n  - salutation: "{salutation}"\n',
                    encoding="utf-8")
    unit = tmp_path / "firestats.yaml"
    unit.write_text("unit: {detachment: 东江市消防救援支队, recipient: 东城大队, template: 本支队措辞.yaml}\n",
                    encoding="utf-8")
    request = Request.of("城东站", 2025, settings=unit)
    assert request.options.docx_template == str(ours)  # the settings' template, from the settings' folder
    use_settings(unit)
    assert overview_title(Period(2025)) == "东江市消防救援支队 2025年度各站对比"
    publication = {"figures": {"incidents": {"total": 0, "by_type": {}}, "people": {}, "rows": {}},
                   "station_name": "城东消防救援站"}
    blocks = annual.draft(annual.load_template(request.options.docx_template), publication, Period(2025))
    assert [b.text for b in blocks] == ["城东消防救援站2025年度总结", "东城大队："]
    use_settings(None)
    assert overview_title(Period(2025)) == "支队 2025年度各站对比"
