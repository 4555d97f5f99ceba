"""The OpenAPI description of the non-SPARQL HTTP interface (docs/openapi.yaml: catalog, VoID, dumps,
search, reconciliation, health) checked with schemathesis against the app in process: generated
requests for every operation, and every answer must be no 5xx, have a documented status code and
content type, and match the documented JSON schema."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings as hsettings

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the test extra: pip install -e '.[test]'")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance, response_schema_conformance, status_code_conformance)

from server.settings import PROJECT_ROOT, load_settings  # noqa: E402
from server.web.app import create_app  # noqa: E402

pytestmark = pytest.mark.slow

OPENAPI = PROJECT_ROOT / "docs" / "openapi.yaml"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_path(OPENAPI)


@pytest.fixture(scope="module")
def api_app(build_dir):
    app = create_app(load_settings(build_dir=build_dir))
    app.config["TESTING"] = False
    return app


def test_every_documented_path_exists_in_the_app(api_app):
    rules = {r.rule for r in api_app.url_map.iter_rules()}
    for path in schema.raw_schema["paths"]:
        flask_path = path.replace("{", "<").replace("}", ">")
        generic = {"/catalog/dataset/<name>": "/catalog/<path:rest>", "/dumps/<file>": "/dumps/<path:rest>",
                   "/dumps/<release>/<file>": "/dumps/<path:rest>", "/catalog.<ext>": "/catalog.<ext>",
                   "/.well-known/void.<ext>": "/.well-known/void.<ext>",
                   "/timemap/link/<path>": "/timemap/link/<path:path>", "/timemap/json/<path>": "/timemap/json/<path:path>",
                   "/history/<path>": "/history/<path:path>"}
        assert generic.get(flask_path, flask_path) in rules, f"{path} is documented but not served"


@schema.parametrize()
@hsettings(max_examples=25, deadline=None, derandomize=True,
           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                  HealthCheck.filter_too_much])
def test_api_conforms_to_openapi(case, api_app):
    case.call_and_validate(app=api_app, checks=CHECKS)
