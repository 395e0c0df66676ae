"""Output formats: one module per format, each turning a typed API result into text.

`table` (the layout of terminal tables, plain text), `json`, `csv`, `markdown`, `sarif`.
Formats import `licensegraph.api` results and nothing of the CLI; they never query a store.
"""
