"""output-built-with: a model trained on the outputs of a Qwen model must display
"Built with Qwen" or "Improved using Qwen" in its documentation.

Qwen LICENSE (2.5-era) §4.b: if you use the Materials "or any outputs or results therefrom"
to create, train, fine-tune or improve an AI model that is distributed or made available,
you shall prominently display "Built with Qwen" or "Improved using Qwen" in the related
product documentation (the Qwen team confirmed outputs may train other models on these
terms). A model's documentation is its card text, which metadata does not carry: every
such model is a warning to check, not a violation. Path: model -> dataset -> Qwen model.
"""

from __future__ import annotations

from licensegraph.rules.data_base import OutputRule

# Licenses whose display clause names outputs (licenses.md, Qwen).
OUTPUT_DISPLAY_LICENSES = ("qwen", "qwen-research")


class OutputBuiltWith(OutputRule):
    id = "output-built-with"
    label = "output-built-with"
    severity = "warning"
    order = 540
    card_field = "datasets"
    applies_to = "models trained on outputs of Qwen models"
    clause_licenses = OUTPUT_DISPLAY_LICENSES
    duties = ("display",)
    message = ("format('{} is trained on {}, which holds outputs of {}; the {} license requires \"Built with Qwen\" or "
               "\"Improved using Qwen\" in the documentation of a model trained on its outputs (not visible in "
               "metadata: check the card)', model_id, detail, ancestor_id, ancestor_license)")
    remedy = "'Display \"Built with Qwen\" or \"Improved using Qwen\" prominently on the model card'"

    qualifies = f"g.gen_license IN {OUTPUT_DISPLAY_LICENSES!r}"


DATA_RULE = OutputBuiltWith()
