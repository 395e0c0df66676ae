"""The local web dashboard (`licensegraph serve`): lineage graphs and findings in the browser.

A thin layer over `licensegraph.api`: it imports nothing else of licensegraph.
"""

from licensegraph.web.app import create_app

__all__ = ["create_app"]
