import importlib.util
import re

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


ENUMS = [("IKPE_STORE", "remote", "ftp", "`embedded`, `remote`"),
         ("IKPE_SHACL_ENGINE", "pyshacl", "rust", "`turbo`, `pyshacl`"),
         ("IKPE_LOG_FORMAT", "text", "xml", "`json`, `text`"),
         ("IKPE_LOG_LEVEL", "WARNING", "LOUD", "`DEBUG`, `INFO`, `WARNING`, `ERROR`"),
         ("IKPE_REMOTE_AUTH", "digest", "kerberos", "`basic`, `digest`"),
         ("IKPE_DEFAULT_LANGUAGE", "en", "fr", "`de`, `en`"),
         ("IKPE_STORE_MEMORY_COPY", "all", "always", "`sparql`, `all`, `none`"),
         ("IKPE_GUNICORN_LOGLEVEL", "warning", "chatty", "`debug`, `info`, `warning`, `error`, `critical`")]


@pytest.mark.parametrize("variable, good, bad, allowed", ENUMS, ids=[e[0] for e in ENUMS])
def test_a_value_outside_a_settings_choices_is_refused_when_settings_load(monkeypatch, variable, good, bad,
                                                                            allowed):
    name = variable.removeprefix("IKPE_").lower()
    monkeypatch.setenv(variable, good.upper() if good.islower() else good.lower())  # case does not matter
    assert getattr(load_settings(), name) == good
    monkeypatch.setenv(variable, bad)
    message = re.escape(f"{variable}='{bad}' is not a valid value; allowed: {allowed}")
    with pytest.raises(SettingsError, match=message):
        load_settings()
    monkeypatch.delenv(variable)
    with pytest.raises(SettingsError, match=message):  # the same check for values given in code
        load_settings(**{name: bad})


def test_an_unknown_override_is_refused_by_name():
    with pytest.raises(SettingsError, match="Unknown setting.*sparql_timout"):
        load_settings(sparql_timout=3)


def test_gunicorn_reads_its_values_from_the_settings(monkeypatch):
    monkeypatch.setenv("IKPE_GUNICORN_WORKERS", "3")
    monkeypatch.setenv("IKPE_GUNICORN_BIND", "127.0.0.1:8123")
    monkeypatch.setenv("IKPE_GUNICORN_MAX_REQUESTS", "500")
    spec = importlib.util.spec_from_file_location("gunicorn_conf", PROJECT_ROOT / "deploy" / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert (conf.workers, conf.bind, conf.max_requests, conf.max_requests_jitter) == (3, "127.0.0.1:8123", 500, 50)
    assert conf.threads == load_settings().gunicorn_threads and conf.accesslog is None
    source = (PROJECT_ROOT / "deploy" / "gunicorn.conf.py").read_text(encoding="utf-8")
    assert "os.environ" not in source, "gunicorn's values are settings (docs/settings.md)"
