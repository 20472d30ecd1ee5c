"""Questionnaire change: previous score, reliable-change thresholds per instrument, direction, band crossings
and the expanding median of earlier scores."""

import numpy as np
import pandas as pd
import pytest

from transforms import vocabulary
from transforms.questionnaires.change import questionnaire_change


def _scores(rows):
    frame = pd.DataFrame(rows, columns=["participant_id", "instrument", "administered_at", "score"])
    frame["administered_at"] = pd.to_datetime(frame["administered_at"])
    frame["day"] = frame["administered_at"].dt.normalize()
    specs = vocabulary.instruments()
    frame["severity"] = [
        None if np.isnan(s) else _band(specs[i].bands, s) for i, s in zip(frame["instrument"], frame["score"])
    ]
    return frame


def _band(bands, score):
    return [label for lower, label in bands if score >= lower][-1]


def _one(out, pid, instrument, when):
    row = out[
        (out.participant_id == pid) & (out.instrument == instrument) & (out.administered_at == pd.Timestamp(when))
    ]
    assert len(row) == 1
    return row.iloc[0]


@pytest.mark.parametrize(
    "instrument, threshold, higher_is_better",
    [("phq9", 5, False), ("gad7", 4, False), ("who5", 10, True), ("pss10", 7, False)],
)
def test_reliable_change_uses_the_instrument_threshold_and_direction(instrument, threshold, higher_is_better):
    rows = [
        ("p1", instrument, "2025-01-01", 10.0),
        ("p1", instrument, "2025-01-15", 10.0 + threshold - 1),  # just under: not reliable
        ("p1", instrument, "2025-01-29", 10.0 + 2 * threshold - 1),  # +threshold vs previous: reliable
        ("p1", instrument, "2025-02-12", 10.0 + threshold - 1),
    ]  # −threshold: reliable, other way
    out = questionnaire_change(_scores(rows))
    first = _one(out, "p1", instrument, "2025-01-01")
    assert pd.isna(first.previous_score) and not first.reliable_change and pd.isna(first.direction)
    assert first.n_previous == 0 and pd.isna(first.baseline_score)
    under = _one(out, "p1", instrument, "2025-01-15")
    assert under.change == threshold - 1 and not under.reliable_change
    up = _one(out, "p1", instrument, "2025-01-29")
    assert up.change == threshold and up.reliable_change
    assert up.direction == ("better" if higher_is_better else "worse")
    down = _one(out, "p1", instrument, "2025-02-12")
    assert down.change == -threshold and down.reliable_change
    assert down.direction == ("worse" if higher_is_better else "better")


def test_baseline_is_the_median_of_earlier_scores_only():
    values = [4.0, 12.0, 6.0, 20.0, 5.0]
    days = pd.date_range("2025-01-01", periods=len(values), freq="14D")
    out = questionnaire_change(_scores([("p1", "phq9", d, v) for d, v in zip(days, values)]))
    out = out.sort_values("administered_at")
    expected = [np.nan] + [float(np.median(values[:i])) for i in range(1, len(values))]
    np.testing.assert_allclose(out["baseline_score"].to_numpy(dtype=float), expected)
    np.testing.assert_allclose(out["change_from_baseline"].to_numpy(dtype=float), np.array(values) - expected)
    assert out["n_previous"].tolist() == list(range(len(values)))


def test_band_crossing_names_both_bands():
    out = questionnaire_change(
        _scores(
            [("p1", "phq9", "2025-01-01", 8.0), ("p1", "phq9", "2025-01-15", 9.0), ("p1", "phq9", "2025-01-29", 11.0)]
        )
    )
    same, crossed = _one(out, "p1", "phq9", "2025-01-15"), _one(out, "p1", "phq9", "2025-01-29")
    assert not same.band_crossed
    assert crossed.band_crossed and (crossed.severity_from, crossed.severity_to) == ("mild", "moderate")
    assert not crossed.reliable_change  # a 2-point change across a cut-off is a band crossing, not a reliable change


def test_unscored_administrations_are_skipped_and_participants_kept_apart():
    rows = [
        ("p1", "gad7", "2025-01-01", 3.0),
        ("p1", "gad7", "2025-01-08", np.nan),
        ("p1", "gad7", "2025-01-15", 9.0),
        ("p2", "gad7", "2025-01-05", 15.0),
        ("p1", "phq9", "2025-01-09", 2.0),
    ]
    out = questionnaire_change(_scores(rows))
    assert len(out) == 4
    later = _one(out, "p1", "gad7", "2025-01-15")
    assert later.previous_score == 3.0 and later.previous_administered_at == pd.Timestamp("2025-01-01")
    assert later.reliable_change and later.direction == "worse"
    assert pd.isna(_one(out, "p2", "gad7", "2025-01-05").previous_score)
    assert pd.isna(_one(out, "p1", "phq9", "2025-01-09").previous_score)


def test_matches_a_plain_loop_on_random_histories():
    rng = np.random.default_rng(5)
    rows = []
    for p in range(30):
        for instrument, top in (("phq9", 27), ("who5", 100)):
            for k in range(rng.integers(1, 9)):
                score = float(rng.integers(0, top + 1)) if instrument == "phq9" else float(4 * rng.integers(0, 26))
                rows.append((f"p{p}", instrument, pd.Timestamp("2025-01-01") + pd.Timedelta(days=7 * int(k)), score))
    out = questionnaire_change(_scores(rows))
    specs = vocabulary.instruments()
    for (pid, instrument), hist in pd.DataFrame(rows, columns=["p", "i", "t", "s"]).groupby(["p", "i"]):
        hist = hist.sort_values("t")
        got = out[(out.participant_id == pid) & (out.instrument == instrument)].sort_values("administered_at")
        s = hist["s"].to_numpy()
        change = np.r_[np.nan, np.diff(s)]
        np.testing.assert_allclose(got["change"].to_numpy(dtype=float), change)
        np.testing.assert_array_equal(
            got["reliable_change"].to_numpy(), np.nan_to_num(np.abs(change), nan=0) >= specs[instrument].reliable_change
        )
