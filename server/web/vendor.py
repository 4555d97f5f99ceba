"""Copy the front-end assets installed by npm into the static folder (served from our own host)."""
from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATIC = Path(__file__).resolve().parent / "static" / "vendor"

# npm package file → name under static/vendor/
ASSETS = {
    "@zazuko/yasgui/build/yasgui.min.js": "yasgui/yasgui.min.js",
    "@zazuko/yasgui/build/yasgui.min.css": "yasgui/yasgui.min.css",
    "axe-core/axe.min.js": "axe-core/axe.min.js",
}


def main() -> None:
    for source, target in ASSETS.items():
        origin = ROOT / "node_modules" / source
        if not origin.exists():
            raise SystemExit(f"missing npm asset {origin}; run `npm install` first")
        destination = STATIC / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(origin, destination)


if __name__ == "__main__":
    main()
