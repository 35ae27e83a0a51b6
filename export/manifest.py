"""model.json, exactly as src/model/manifest.ts defines it."""

from __future__ import annotations

import json
from pathlib import Path

MANIFEST_FORMAT = "robustmedsam-model/1"


def write_manifest(path: Path, manifest: dict) -> None:
    Path(path).write_text(json.dumps(manifest, indent=2) + "\n")
