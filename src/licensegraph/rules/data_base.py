"""What a rule over data and outputs is: SQL over the `trained-on` and `generated-by` edges.

Weight-lineage rules (rules.base) decide per model over license matrices; the rules here
decide per (model, dataset[, generating model]) path, which the store holds as edges, so
each is one SQL query over the prepared tables of `rules.data_engine`:

- `_dmodels(model_key, model_id, license, tags)`: every model in `_dtrained`, its license,
  and the lineage tags of its own and its ancestors' licenses;
- `_dtrained(model_key, dataset_key, dataset_id, dataset_license)`: the trained-on edges to
  datasets the store has a record of (a dangling one, to a dataset it has none of, has no
  license and no generator for a rule to judge);
- `_dgen(dataset_key, dataset_id, gen_key, gen_id, gen_kind, gen_license, source, evidence)`;
- `_dlic(license, decidable, nc, sa, sa_accepts, nd, lineage_tag, no_improve_exempt,
  output_prefix, output_built_with, derivative_by_outputs)`: knowledge-base facts per license.

A rule's `findings_sql` returns the columns of `FINDING_COLUMNS`; `qualifying_sql` the
models the rule looks at (the denominator of its row in the "data and outputs" table).
The rules over outputs share one path, model -> dataset -> generating model: they are
`OutputRule`s and state only which generators qualify and which models break the clause.
"""

from __future__ import annotations

import inspect
import sys

from licensegraph.licenses.kb import KnowledgeBase
from licensegraph.rules.base import rule_clauses

FINDING_COLUMNS = ("model_key", "model_id", "model_license", "ancestor_id", "ancestor_license", "path", "duty",
                   "detail")
# What every finding over data says about the law it rests on.
UNSETTLED = ("whether training a model on data makes the model a derivative of that data is legally unsettled, "
             "so this is a risk, not a verdict")


class DataRule:
    """A rule over data and outputs (one module per rule, `DATA_RULE = ...`)."""

    id: str = ""
    label: str = ""
    severity: str = "risk"
    order: int = 500
    applies_to: str = ""
    relation: str = "trained-on"
    # Where the rule's duty is written when no ancestor license supplies it (url, clause).
    source: tuple[str, str] = ("", "")
    card_field: str = "datasets"
    duties: tuple[str, ...] = ()
    message: str = "NULL"  # SQL over finding columns (model_license, ancestor_license, ancestor_id, model_id, detail)
    remedy: str = "NULL"
    # The clauses the rule rests on: those of these licenses only (empty: every license
    # carrying one of `duties`), or of licenses of this lineage tag.
    clause_licenses: tuple[str, ...] = ()
    clause_lineage: str = ""
    in_study = False
    # a model's training data is its own card's: both views see the same findings
    view_independent = True

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label,)

    def clauses(self, kb: KnowledgeBase) -> list[tuple[str, str, str]]:
        """(license id, clause, source URL) of every knowledge-base license carrying one of the
        rule's duties, plus the rule's own source: the clauses the rule rests on."""
        return rule_clauses(kb, self.source, lambda lic, d: d.kind in self.duties
                            and (not self.clause_licenses or lic.id in self.clause_licenses)
                            and (not self.clause_lineage or lic.lineage_tag == self.clause_lineage))

    @property
    def help(self) -> str:
        """The rule's help text: its module's description."""
        module = sys.modules.get(type(self).__module__)
        return inspect.cleandoc(module.__doc__ or "") if module is not None else ""

    def findings_sql(self) -> str:
        raise NotImplementedError

    def qualifying_sql(self) -> str:
        raise NotImplementedError


class OutputRule(DataRule):
    """A rule over the path model -trained-on-> dataset -generated-by-> generating model.

    The join is shared: `_dtrained t`, `_dmodels m`, `_dgen g` and the generator license's
    facts `_dlic gl` (NULL columns when the knowledge base has no such license). A rule
    file states the rest: `qualifies` (SQL over t, m, g, gl: the generators whose clause
    applies), `breaks` (SQL: the models that break it), `joins` (more tables it reads,
    e.g. the model license's facts), and owns its clause, message and remedy."""

    relation = "generated-by"
    qualifies: str = "true"
    breaks: str = "true"
    joins: str = ""

    def _path_sql(self) -> str:
        return f"""
            FROM _dtrained t
            JOIN _dmodels m USING (model_key)
            JOIN _dgen g ON g.dataset_key = t.dataset_key
            LEFT JOIN _dlic gl ON gl.license = g.gen_license
            {self.joins}
            WHERE ({self.qualifies})
        """

    def qualifying_sql(self) -> str:
        return f"SELECT DISTINCT t.model_key {self._path_sql()}"

    def findings_sql(self) -> str:
        duty = self.duties[0].replace("'", "''")
        return f"""
            SELECT t.model_key, m.model_id, m.license AS model_license, g.gen_id AS ancestor_id,
                   g.gen_license AS ancestor_license, [m.model_id, t.dataset_id, g.gen_id] AS path,
                   '{duty}' AS duty, t.dataset_id AS detail
            {self._path_sql()} AND ({self.breaks})
        """
