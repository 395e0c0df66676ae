"""JSON: `to_dict()` of a result (or a list of results), with stable key order."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from licensegraph.api.model_results import Result


def to_data(result: Result | Sequence[Result] | dict[str, Any]) -> Any:
    """Plain data for a result, a sequence of results, or data already plain."""
    if isinstance(result, Result):
        return result.to_dict()
    if isinstance(result, dict):
        return result
    return [r.to_dict() for r in result]


def dumps(data: Any) -> str:
    """The JSON text every command prints: indented, keys in their stable order, no trailing newline."""
    return json.dumps(data, indent=2, default=str, ensure_ascii=True)


def render(result: Result | Sequence[Result] | dict[str, Any]) -> str:
    """A result (or several) as JSON text."""
    return dumps(to_data(result))
