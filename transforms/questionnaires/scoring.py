"""Questionnaire scoring: item answers → one score per participant·instrument·administration.

For instrument I with n items, answer range [lo, hi], reverse-scored items R and multiplier k
(instruments.toml):

    item score  s_j = lo + hi − a_j  if j ∈ R  else  a_j
    raw         = Σ s_j                                          when every item is answered
                = round_half_up( mean(s_j answered) × n )        when 1 ≤ missing ≤ max_missing (prorated)
                = NULL                                           when more items are missing
    score       = k × raw                      (WHO-5: k = 4, percentage scale 0–100)
    severity    = label of the highest band whose lower bound ≤ score

Missing answers never count as 0: an administration with too many missing items is kept with
``items_answered`` but no score. PHQ-9: 0–27, bands 5/10/15/20; GAD-7: 0–21, bands 5/10/15;
PSS-10: 0–40, items 4, 5, 7, 8 reversed; WHO-5: raw × 4 = 0–100.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms import catalogue, vocabulary
from transforms.ingest.records import empty_frame

SCORE_SCHEMA = catalogue.table("questionnaire_scores").frame_schema()
SCORE_COLUMNS = list(SCORE_SCHEMA)
ADMINISTRATION = ["participant_id", "instrument", "administered_at"]


def round_half_up(x: np.ndarray) -> np.ndarray:
    return np.floor(np.asarray(x, dtype="float64") + 0.5)


def score_administrations(responses: pd.DataFrame) -> pd.DataFrame:
    """Score every administration in ``responses`` (canonical item answers).

    The same item answered twice for one administration (the submission exported in two files) counts
    once, from the first file in path order.
    """
    if responses.empty:
        return empty_frame(SCORE_SCHEMA)
    specs = vocabulary.instruments()
    answers = responses.sort_values(ADMINISTRATION + ["item", "source_file"]).drop_duplicates(
        ADMINISTRATION + ["item"], keep="first"
    )
    inst = answers["instrument"]
    lo = inst.map({c: s.item_min for c, s in specs.items()})
    hi = inst.map({c: s.item_max for c, s in specs.items()})
    reverse_pairs = {(c, j) for c, s in specs.items() for j in s.reverse_items}
    is_reverse = pd.Series(list(zip(inst, answers["item"])), index=answers.index).isin(reverse_pairs)
    answers = answers.assign(item_score=answers["value"].where(~is_reverse, lo + hi - answers["value"]))

    admin = (
        answers.groupby(ADMINISTRATION, sort=False)
        .agg(
            day=("day", "first"),
            items_answered=("item", "size"),
            total=("item_score", "sum"),
            source_file=("source_file", "first"),
        )
        .reset_index()
    )
    code = admin["instrument"]
    n_items = code.map({c: s.n_items for c, s in specs.items()}).astype("int64")
    max_missing = code.map({c: s.max_missing for c, s in specs.items()}).astype("int64")
    multiplier = code.map({c: s.transform_multiplier for c, s in specs.items()}).astype("float64")
    missing = n_items - admin["items_answered"]

    prorated_raw = round_half_up(admin["total"] / admin["items_answered"] * n_items)
    raw = np.where(missing == 0, admin["total"], np.where(missing <= max_missing, prorated_raw, np.nan))
    admin["score"] = raw * multiplier
    admin["prorated"] = (missing > 0) & (missing <= max_missing)
    admin["items_expected"] = n_items
    admin["items_answered"] = admin["items_answered"].astype("int64")
    admin["severity"] = _severity(admin["instrument"], admin["score"], specs)
    return (
        admin[SCORE_COLUMNS]
        .sort_values(["day", "participant_id", "instrument", "administered_at"])
        .reset_index(drop=True)
    )


def _severity(instrument: pd.Series, score: pd.Series, specs) -> pd.Series:
    out = pd.Series(pd.NA, index=score.index, dtype="string")
    for code, spec in specs.items():
        rows = (instrument == code) & score.notna()
        if not rows.any():
            continue
        lowers = np.array([lo for lo, _ in spec.bands])
        labels = np.array([label for _, label in spec.bands], dtype=object)
        idx = np.searchsorted(lowers, score[rows].to_numpy(), side="right") - 1
        out[rows] = labels[np.clip(idx, 0, len(labels) - 1)]
    return out
