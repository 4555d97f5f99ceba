"""axe-core in a Playwright page: the serious and critical findings, which BITV 2.0 (WCAG 2.1 AA) asks
every HTML page to be free of. axe-core comes from npm, vendored to ``static/vendor`` like YASGUI."""
from __future__ import annotations

import re

import pytest

from server.settings import PROJECT_ROOT

AXE = PROJECT_ROOT / "server" / "web" / "static" / "vendor" / "axe-core" / "axe.min.js"


def serious_axe_violations(page, include: str | None = None) -> list[str]:
    """Findings of impact serious or critical in the page (or in the elements ``include`` selects)."""
    if not AXE.exists():
        pytest.fail("axe-core is not vendored: run `npm install && .venv/bin/python -m server.web.vendor`.")
    origin = re.match(r"https?://[^/]+", page.url).group(0)
    page.add_script_tag(url=origin + "/static/vendor/axe-core/axe.min.js")  # same host: allowed by the CSP
    context = f"{{include: [{include!r}]}}" if include else "document"
    result = page.evaluate(f"async () => await axe.run({context}, {{resultTypes: ['violations']}})")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]
