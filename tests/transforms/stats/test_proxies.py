"""Domain proxies (weighted signed robust z per domain) and the sleep-regularity metric, against plain
references."""

import numpy as np
import pandas as pd
import pytest

from transforms import vocabulary
from transforms.stats.proxies import compute_proxies


def _drift(rows):
    return pd.DataFrame(rows, columns=["participant_id", "day", "metric", "robust_z", "baseline_sufficient"]).assign(
        day=lambda f: pd.to_datetime(f["day"])
    )


def test_the_domain_map_file_is_read_with_signs_and_weights():
    comps = vocabulary.proxy_domains()
    domains = {c.domain for c in comps}
    assert domains == {"autonomic_arousal", "sleep_circadian", "activity_drive", "mood_affect"}
    by_key = {(c.domain, c.metric): c for c in comps}
    assert by_key[("autonomic_arousal", "hrv_rmssd_ms")].sign == -1
    assert by_key[("autonomic_arousal", "resting_hr_bpm")].sign == 1
    assert by_key[("sleep_circadian", "sleep_regularity_sd_min")].sign == -1


def test_score_is_the_weighted_mean_of_available_signed_z():
    out = compute_proxies(
        _drift(
            [
                ("p1", "2025-03-01", "resting_hr_bpm", 2.0, True),  # autonomic +1 × 1.0
                ("p1", "2025-03-01", "hrv_rmssd_ms", -1.0, True),  # autonomic −1 × 1.0
                ("p1", "2025-03-01", "ema_stress", 4.0, True),  # autonomic +1 × 0.5, mood −1 × 0.5
                ("p1", "2025-03-01", "ema_mood", 1.0, True),  # mood +1 × 1.0
                ("p1", "2025-03-01", "steps", 3.0, False),  # baseline not sufficient: left out
                ("p1", "2025-03-01", "sleep_minutes", np.nan, True),  # no z: left out
            ]
        ),
        min_components=2,
    )
    got = out.set_index("domain")
    assert got.loc["autonomic_arousal", "score"] == pytest.approx((2.0 + 1.0 + 0.5 * 4.0) / 2.5)
    assert got.loc["autonomic_arousal", "n_components"] == 3 and got.loc["autonomic_arousal", "sufficient"]
    assert got.loc["mood_affect", "score"] == pytest.approx((1.0 - 0.5 * 4.0) / 1.5)
    assert got.loc["mood_affect", "weight_available"] == 1.5
    assert "activity_drive" not in got.index and "sleep_circadian" not in got.index


def test_z_is_clipped_and_one_component_is_not_sufficient():
    out = compute_proxies(_drift([("p1", "2025-03-01", "resting_hr_bpm", 40.0, True)]), min_components=2)
    row = out.iloc[0]
    assert row.score == 5.0 and row.n_components == 1 and not row.sufficient


def test_matches_a_plain_loop_and_ignores_row_order():
    rng = np.random.default_rng(3)
    metrics = [
        "resting_hr_bpm",
        "hrv_rmssd_ms",
        "sleep_minutes",
        "sleep_efficiency_pct",
        "steps",
        "ema_mood",
        "ema_stress",
        "active_minutes",
    ]
    rows = [
        (f"p{p}", d, m, float(rng.normal(0, 3)), bool(rng.random() < 0.9))
        for p in range(8)
        for d in pd.date_range("2025-03-01", periods=5)
        for m in metrics
        if rng.random() < 0.8
    ]
    drift = _drift(rows)
    out = compute_proxies(drift, min_components=2)
    comps = vocabulary.proxy_domains()
    expected = {}
    for pid, day, metric, z, ok in rows:
        for c in comps:
            if c.metric == metric and ok:
                acc = expected.setdefault((pid, pd.Timestamp(day), c.domain), [0.0, 0.0])
                acc[0] += c.weight * c.sign * min(max(z, -5.0), 5.0)
                acc[1] += c.weight
    assert len(out) == len(expected)
    for row in out.itertuples():
        total, weight = expected[(row.participant_id, row.day, row.domain)]
        assert row.score == pytest.approx(total / weight, abs=1e-12)
    shuffled = compute_proxies(drift.sample(frac=1, random_state=1), min_components=2)
    pd.testing.assert_frame_equal(out, shuffled)  # bit-identical: re-runs must not change a stored row
    # categorical columns (the frames compute_drift returns), with a category no row uses, give the same rows
    categorical = drift.astype({"participant_id": "category", "metric": "category"})
    categorical["metric"] = categorical["metric"].cat.add_categories(["unused_metric"])
    pd.testing.assert_frame_equal(compute_proxies(categorical, min_components=2), out)
