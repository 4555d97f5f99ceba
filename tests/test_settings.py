import pytest

from server.settings import PROJECT_ROOT, SettingsError, load_settings, settings_markdown, settings_table


def test_every_setting_is_documented_in_the_settings_table():
    doc = (PROJECT_ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert settings_markdown() in doc, "docs/settings.md is out of date: run `python -m server.settings`"
    for name, _, meaning in settings_table():
        assert meaning.strip(), f"{name} has no description"


def test_environment_overrides_defaults(monkeypatch):
    monkeypatch.setenv("IKPE_SPARQL_TIMEOUT", "7.5")
    monkeypatch.setenv("IKPE_PUBLIC_BASE", "https://example.org/")
    settings = load_settings()
    assert settings.sparql_timeout == 7.5
    assert settings.public_base == "https://example.org"
    assert settings.id_base == "https://example.org/id/"


def test_an_unusable_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("IKPE_SPARQL_TIMEOUT", "soon")
    with pytest.raises(SettingsError, match="IKPE_SPARQL_TIMEOUT"):
        load_settings()
