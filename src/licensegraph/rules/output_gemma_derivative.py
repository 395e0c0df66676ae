"""output-gemma-derivative: a model trained on the outputs of a Gemma model is a Gemma
"Model Derivative" and must carry Gemma's use restrictions.

Gemma Terms of Use §1.1(e): Model Derivatives include "any model created by transferring
patterns of the weights, parameters, operations, or Output of Gemma ... including through
distillation methods or synthetic data generation"; §3.1: a Model Derivative is distributed
with the §3.2 use restrictions (Prohibited Use Policy) as an enforceable provision, a copy
of the terms and a notice. Severity: a warning. The definition is explicit, unlike the
question of data licenses, but its trigger (a model trained so that it performs similarly
to Gemma) is a fact metadata cannot settle: a model trained on a dataset holding some
Gemma outputs may or may not be such a model. Findings are the models whose own license
does not carry Gemma's restrictions (a license of the Gemma lineage does).
"""

from __future__ import annotations

from licensegraph.rules.data_base import OutputRule


class OutputGemmaDerivative(OutputRule):
    id = "output-gemma-derivative"
    label = "output-gemma-derivative"
    severity = "warning"
    order = 550
    card_field = "license"
    applies_to = "models trained on outputs of Gemma models"
    clause_lineage = "gemma"
    duties = ("use-restrictions",)
    message = ("format('{} is trained on {}, which holds outputs of {}: under the Gemma terms a model trained on Gemma '"
               "|| 'output is a Model Derivative, bound by Gemma''s use restrictions, which its license {} does not carry',"
               " model_id, detail, ancestor_id, model_license)")
    remedy = ("'Distribute the model under the Gemma terms (use restrictions of §3.2 as an enforceable provision, '"
              "|| 'a copy of the terms and a notice), or train without the Gemma outputs'")

    qualifies = "gl.lineage_tag = 'gemma'"
    # a model whose own license is of the Gemma lineage carries the restrictions
    joins = "LEFT JOIN _dlic ml ON ml.license = m.license"
    breaks = "ml.lineage_tag IS DISTINCT FROM 'gemma'"


DATA_RULE = OutputGemmaDerivative()
