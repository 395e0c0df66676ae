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

from licensegraph.rules.data_base import OutputRule


class OutputNoImprove(OutputRule):
    id = "output-no-improve"
    label = "output-no-improve"
    severity = "violation"
    order = 520
    applies_to = "models trained on outputs of Llama 2, Llama 3 or Tongyi Qianwen models"
    duties = ("no-improve-other-llm",)
    message = ("format('{} is trained on {}, which holds outputs of {}; the {} license forbids using its outputs to "
               "improve any other large language model, and the model''s own lineage ({}) is not of that family', "
               "model_id, detail, ancestor_id, ancestor_license, model_license)")
    remedy = ("format('Do not train on outputs of {} (drop {}), or build the model on {} itself', "
              "ancestor_id, detail, ancestor_license)")

    qualifies = "gl.no_improve_exempt IS NOT NULL"
    # exempt: the model's own or an ancestor's license is of the clause's family
    breaks = "NOT list_contains(m.tags, gl.no_improve_exempt)"


DATA_RULE = OutputNoImprove()
