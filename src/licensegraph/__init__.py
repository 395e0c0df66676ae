"""licensegraph: do Hugging Face models respect the licenses of the models they were built from?

The library's entry point is `licensegraph.api.LicenseGraph`.
"""

from licensegraph.vocab import NOT_LEGAL_ADVICE

__version__ = "0.1.0"

__all__ = ["NOT_LEGAL_ADVICE", "__version__"]
