"""Questionnaire change against the participant's own earlier scores.

For each scored administration, in time order within participant·instrument:

    previous_score      = the participant's preceding score on the instrument
    change              = score − previous_score
    baseline_score      = median of all the participant's earlier scores (n_previous of them)
    change_from_baseline = score − baseline_score
    reliable_change     = |change| ≥ the instrument's reliable-change threshold (instruments.toml: PHQ-9 5,
                          GAD-7 4, WHO-5 10, PSS-10 7 by default, PSQI 3)
    direction           = "worse" / "better" on reliable changes (a WHO-5 rise is better; the others worse)
    band_crossed        = the severity band differs from the previous administration's
                          (severity_from → severity_to)

Administrations without a score (too many missing items) are skipped, so "previous" means previous scored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms import catalogue, vocabulary
from transforms.ingest.records import empty_frame

CHANGE_SCHEMA = catalogue.table("questionnaire_change").frame_schema()


def questionnaire_change(scores: pd.DataFrame) -> pd.DataFrame:
    scored = scores[scores["score"].notna()].sort_values(["participant_id", "instrument", "administered_at"])
    if scored.empty:
        return empty_frame(CHANGE_SCHEMA)
    specs = vocabulary.instruments()
    keys = [scored["participant_id"], scored["instrument"]]
    grouped = scored.groupby(keys, sort=False)
    out = scored[["participant_id", "instrument", "administered_at", "day", "score"]].copy()
    out["previous_score"] = grouped["score"].shift()
    out["previous_administered_at"] = grouped["administered_at"].shift()
    out["change"] = out["score"] - out["previous_score"]
    out["n_previous"] = grouped.cumcount().astype("int64")
    expanding = grouped["score"].expanding().median().reset_index(level=[0, 1], drop=True)
    out["baseline_score"] = expanding.groupby(keys, sort=False).shift()
    out["change_from_baseline"] = out["score"] - out["baseline_score"]
    threshold = out["instrument"].map({c: s.reliable_change for c, s in specs.items()}).astype("float64")
    better_up = out["instrument"].map({c: s.higher_is_better for c, s in specs.items()}).astype(bool)
    out["reliable_change"] = (out["change"].abs() >= threshold).fillna(False).astype(bool)
    improved = np.where(better_up, out["change"] > 0, out["change"] < 0)
    out["direction"] = pd.Series(np.where(improved, "better", "worse"), index=out.index, dtype="string").where(
        out["reliable_change"]
    )
    out["severity_to"] = scored["severity"].astype("string")
    out["severity_from"] = grouped["severity"].shift().astype("string")
    out["band_crossed"] = (
        (out["severity_from"].notna() & (out["severity_from"] != out["severity_to"])).fillna(False).astype(bool)
    )
    return (
        out[list(CHANGE_SCHEMA)]
        .astype({"participant_id": "string", "instrument": "string"})
        .sort_values(["day", "participant_id", "instrument", "administered_at"])
        .reset_index(drop=True)
    )
