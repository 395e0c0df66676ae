"""output-no-improve: a model trained on the outputs of a Llama 2, Llama 3 or Tongyi Qianwen
model, whose own weight lineage is not of that family.

Llama 2 §1.b.v and Meta Llama 3 §1.b.v: "You will not use the Llama Materials or any output
or results of the Llama Materials to improve any other large language model (excluding
Llama 2 / Meta Llama 3 or derivative works thereof)"; Tongyi Qianwen §5.b likewise. The
clause names outputs, so no question of derivatives arises: a violation. Path: model ->
dataset -> the generating model; the exempt family is the clause's (knowledge base
`exempt`), matched against the lineage tags of the model's and its ancestors' licenses.
"""

from __future__ import annotations

from licensegraph.rules.data_base import DataRule


class OutputNoImprove(DataRule):
    id = "output-no-improve"
    label = "output-no-improve"
    severity = "violation"
    order = 520
    relation = "generated-by"
    applies_to = "models trained on outputs of Llama 2, Llama 3 or Tongyi Qianwen models"
    duties = ("no-improve-other-llm",)
    message = ("format('{} is trained on {}, which holds outputs of {}; the {} license forbids using its outputs to "
               "improve any other large language model, and the model''s own lineage ({}) is not of that family', "
               "model_id, detail, ancestor_id, ancestor_license, model_license)")
    remedy = ("format('Do not train on outputs of {} (drop {}), or build the model on {} itself', "
              "ancestor_id, detail, ancestor_license)")

    _BASE = """
        FROM _dtrained t
        JOIN _dmodels m USING (model_key)
        JOIN _dgen g ON g.dataset_key = t.dataset_key
        JOIN _dlic gl ON gl.license = g.gen_license
        WHERE NOT t.dangling AND gl.no_improve_exempt IS NOT NULL
    """

    def qualifying_sql(self) -> str:
        return f"SELECT DISTINCT t.model_key {self._BASE}"

    def findings_sql(self) -> str:
        return f"""
            SELECT t.model_key, m.model_id, m.license AS model_license, g.gen_id AS ancestor_id,
                   g.gen_license AS ancestor_license, [m.model_id, t.dataset_id, g.gen_id] AS path,
                   'no-improve-other-llm' AS duty, t.dataset_id AS detail
            {self._BASE} AND NOT list_contains(m.tags, gl.no_improve_exempt)
        """


DATA_RULE = OutputNoImprove()
