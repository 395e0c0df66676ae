"""output-name-prefix: a model trained on the outputs of a Llama 3.1 or later model must
have a name that begins with "Llama".

Llama 3.1 / 3.2 / 3.3 / 4 §1.b.i (last sentence): "If you use the Llama Materials or any
outputs or results of the Llama Materials to create, train, fine tune, or otherwise improve
an AI model, which is distributed or made available, you shall also include 'Llama' at
the beginning of any such AI model name." (Llama 3.0's prefix clause covers the Materials
only; its outputs fall under output-no-improve.) The name is the repo name; a violation
when it does not begin with the prefix. Path: model -> dataset -> the generating model.
"""

from __future__ import annotations

from licensegraph.rules.data_base import OutputRule

# Licenses whose name-prefix clause names outputs (licenses.md, Llama table, "Naming").
OUTPUT_PREFIX_LICENSES = ("llama3.1", "llama3.2", "llama3.3", "llama4")


class OutputNamePrefix(OutputRule):
    id = "output-name-prefix"
    label = "output-name-prefix"
    severity = "violation"
    order = 530
    card_field = "model_name"
    applies_to = "models trained on outputs of Llama 3.1+ models"
    clause_licenses = OUTPUT_PREFIX_LICENSES
    duties = ("name-prefix",)
    message = ("format('{} is trained on {}, which holds outputs of {}; the {} license requires \"Llama\" at the "
               "beginning of the name of any model trained on its outputs', model_id, detail, ancestor_id, "
               "ancestor_license)")
    remedy = ("format('Rename the model so that its name begins with \"Llama\" (e.g. Llama-{}), or train without {}', "
              "split_part(model_id, '/', -1), detail)")

    qualifies = f"g.gen_license IN {OUTPUT_PREFIX_LICENSES!r} AND gl.name_prefix IS NOT NULL"
    # the repo name, separators folded, begins with the KB duty's prefix
    breaks = ("NOT starts_with(lower(regexp_replace(split_part(m.model_id, '/', -1), '[-_ .]+', ' ', 'g')), "
              "lower(regexp_replace(gl.name_prefix, '[-_ .]+', ' ', 'g')))")


DATA_RULE = OutputNamePrefix()
