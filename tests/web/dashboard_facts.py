"""Facts of the real sample the dashboard tests rely on, and where their artifacts go."""

from __future__ import annotations

import os
from pathlib import Path

#: The real model of the sample the dashboard tests look at: a Llama 2 adapter-chat whose
#: parent inceptionai/jais-adapted-7b is itself noncompliant; 15 models are built on it.
FOCUS = "inceptionai/jais-adapted-7b-chat"
FOCUS_PARENT = "inceptionai/jais-adapted-7b"
FOCUS_ROOT = "meta-llama/Llama-2-7b"
FOCUS_CHILDREN = 15

ARTIFACTS = Path(os.environ.get("LICENSEGRAPH_TEST_ARTIFACTS", Path(__file__).resolve().parents[1] / "artifacts"))
