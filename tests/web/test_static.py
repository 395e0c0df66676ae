"""The dashboard's front-end files ship with the package: the vendored graph library at its
pinned version with its license, and nothing that loads from elsewhere."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import licensegraph.web

STATIC = Path(licensegraph.web.__file__).parent / "static"
TEMPLATES = Path(licensegraph.web.__file__).parent / "templates"

#: npm `cytoscape` at this version: `npm pack cytoscape@3.35.0`, dist/cytoscape.min.js (README).
CYTOSCAPE_VERSION = "3.35.0"
CYTOSCAPE_SHA256 = "71fa9ebec21a7ca2c40cff6aacc30d1f6464e363662ad4b2c197e1adc770cd94"


def test_cytoscape_is_vendored_at_its_pinned_version_with_its_license():
    js = STATIC / "vendor" / "cytoscape" / "cytoscape.min.js"
    assert hashlib.sha256(js.read_bytes()).hexdigest() == CYTOSCAPE_SHA256
    assert f'"{CYTOSCAPE_VERSION}"' in js.read_text(encoding="utf-8")
    license_text = (STATIC / "vendor" / "cytoscape" / "LICENSE").read_text(encoding="utf-8")
    assert "The Cytoscape Consortium" in license_text and "Permission is hereby granted" in license_text
    assert f"**{CYTOSCAPE_VERSION}**" in (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_nothing_loads_from_another_origin():
    for path in [*TEMPLATES.glob("*.html"), *STATIC.glob("js/*.js"), *STATIC.glob("css/*.css")]:
        text = path.read_text(encoding="utf-8")
        # links to license texts and sources are fine; loading anything from elsewhere is not
        assert not re.search(r'(src|href)="(https?:)?//', text.replace('href="{{', "")), path.name
        assert "<script>" not in text and " on" + "click=" not in text, path.name
        assert "style=" not in text or path.suffix != ".html", path.name
