"""The vocabulary of `licensegraph.vocab`, for interfaces (which import only the api)."""

from licensegraph.vocab import (  # noqa: F401
    BREAKDOWN,
    NOT_LEGAL_ADVICE,
    RELATIONS,
    SEVERITIES,
    VIEWS,
)

__all__ = ["BREAKDOWN", "NOT_LEGAL_ADVICE", "RELATIONS", "SEVERITIES", "VIEWS"]
