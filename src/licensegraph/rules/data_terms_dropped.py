"""data-terms-dropped: a model trained on a dataset whose license has non-commercial,
share-alike, no-derivatives or research-only terms, under a license that drops them.

CC BY-NC* 4.0 §1(i) and §2(a)(1) (NonCommercial), CC BY-SA/BY-NC-SA 4.0 §3(b) (ShareAlike
on Adapted Material), CC BY-ND/BY-NC-ND 4.0 §2(a)(1)(B) (no Adapted Material shared), and
research-only data terms. Whether a trained model is Adapted Material (a derivative) of its
training data is legally unsettled (licenses.md, "Distillation, synthetic-data training"),
so every finding is a risk and says so; the dataset is the ancestor, the path model ->
dataset, the clause the dataset license's.
"""

from __future__ import annotations

from licensegraph.rules.data_base import UNSETTLED, DataRule


class DataTermsDropped(DataRule):
    id = "data-terms-dropped"
    label = "data-terms-dropped"
    severity = "risk"
    order = 510
    applies_to = "models trained on datasets with NC, SA, ND or research-only terms"
    duties = ("non-commercial", "share-alike", "no-derivatives")
    message = ("format('{} is trained on {} ({}), whose {} term the model''s license {} drops; "
               f"{UNSETTLED}', model_id, ancestor_id, ancestor_license, detail, model_license)")
    remedy = ("format('Keep the {} term of {} on the model (a license that carries it, or state it on the card), '"
              "|| 'or train without {}', detail, ancestor_license, ancestor_id)")

    _BASE = """
        FROM _dtrained t
        JOIN _dmodels m USING (model_key)
        JOIN _dlic dl ON dl.license = t.dataset_license
        JOIN _dlic ml ON ml.license = m.license
        WHERE dl.decidable AND ml.decidable
    """

    def qualifying_sql(self) -> str:
        return f"SELECT DISTINCT t.model_key {self._BASE} AND (dl.nc OR dl.sa OR dl.nd)"

    def findings_sql(self) -> str:
        select = ("SELECT t.model_key, m.model_id, m.license AS model_license, t.dataset_id AS ancestor_id, "
                  "t.dataset_license AS ancestor_license, [m.model_id, t.dataset_id] AS path")
        return f"""
            {select}, 'non-commercial' AS duty,
                   CASE WHEN contains(t.dataset_license, 'research') THEN 'research-only' ELSE 'non-commercial' END
                     AS detail
            {self._BASE} AND dl.nc AND NOT ml.nc
            UNION ALL
            {select}, 'share-alike' AS duty, 'share-alike' AS detail
            {self._BASE} AND dl.sa AND m.license <> t.dataset_license AND NOT list_contains(dl.sa_accepts, m.license)
            UNION ALL
            {select}, 'no-derivatives' AS duty, 'no-derivatives' AS detail
            {self._BASE} AND dl.nd AND NOT ml.nd
        """


DATA_RULE = DataTermsDropped()
