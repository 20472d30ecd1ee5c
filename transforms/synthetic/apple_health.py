"""Write one participant's simulated days as an Apple Health ``export.xml`` (or ``export.zip``).

Realistic content: the DTD header Apple writes, a ``<Me>`` element with a date of birth (which must never
reach a table), heart-rate samples from the Watch with metadata children, a daily RestingHeartRate, a few
HRV SDNN readings, step counts from both the Watch and the iPhone for the same walks (the double count the
Health app de-duplicates), an iPhone InBed interval plus Watch sleep stages, record types this project
ignores (active energy, distance), workouts and activity summaries. Times carry the offset of
``zone`` on that date, so a DST change appears exactly as Apple writes it.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from transforms.synthetic.cohort import Cohort

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 13 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord|Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth         CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex       CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBloodType           CDATA #REQUIRED
  HKCharacteristicTypeIdentifierFitzpatrickSkinType CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
]>
<HealthData locale="en_US">
 <ExportDate value="{export_date}"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="{dob}" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale" HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet"/>
"""
WATCH = 'sourceName="Alex’s Apple Watch" sourceVersion="10.1" device="&lt;&lt;HKDevice: 0x2816a2f30&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,1, software:10.1&gt;"'
PHONE = 'sourceName="Alex’s iPhone" sourceVersion="17.1" device="&lt;&lt;HKDevice: 0x2816a2e40&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, hardware:iPhone14,5, software:17.1&gt;"'
DOB = "1984-03-02"


def _stamp(local: pd.DatetimeIndex, zone: str) -> np.ndarray:
    """``YYYY-MM-DD HH:MM:SS ±HHMM`` with the zone's offset at each time (naive = local wall clock)."""
    aware = local if local.tz is not None else local.tz_localize(zone, ambiguous=False, nonexistent="shift_forward")
    return np.asarray(aware.tz_convert(zone).strftime("%Y-%m-%d %H:%M:%S %z"))


def _records(
    kind: str, source: str, unit: str, start: np.ndarray, end: np.ndarray, values, child: str = ""
) -> list[str]:
    unit_attr = f' unit="{unit}"' if unit else ""
    close = f">\n{child}\n </Record>" if child else "/>"
    return [
        f' <Record type="{kind}" {source}{unit_attr} creationDate="{e}" startDate="{s}" endDate="{e}" value="{v}"{close}'
        for s, e, v in zip(start, end, values)
    ]


def export_text(cohort: Cohort, p: int, zone: str = "America/New_York", hr_every_s: int = 300, seed: int = 0) -> str:
    """The whole export.xml for participant index ``p`` of ``cohort``."""
    rng = np.random.default_rng(seed + p)
    d = cohort.daily
    worn = np.flatnonzero(cohort.worn[p])
    days = cohort.dates[worn]
    out = [
        HEADER.format(export_date=_stamp(pd.DatetimeIndex([cohort.dates[-1] + pd.Timedelta(days=1)]), zone)[0], dob=DOB)
    ]
    hr_child = '  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>'
    for i, day in zip(worn, days):  # one day at a time keeps the text for a single day in memory
        mid = day + pd.Timedelta(minutes=float(d["sleep_midpoint_min"][p, i]))
        in_bed = float(d["time_in_bed"][p, i])
        bed, wake = (
            (mid - pd.Timedelta(minutes=in_bed / 2)).floor("min"),
            (mid + pd.Timedelta(minutes=in_bed / 2)).floor("min"),
        )
        rhr = float(d["resting_hr_bpm"][p, i])

        n_hr = 86400 // hr_every_s
        hr_local = day + pd.to_timedelta(np.arange(n_hr) * hr_every_s + rng.integers(0, 30, n_hr), unit="s")
        keep = rng.random(n_hr) > 0.08
        hr_local = hr_local[keep]
        asleep_now = (hr_local >= bed) & (hr_local < wake)
        hr = np.round(np.where(asleep_now, rhr - 3, rhr + 18) + rng.normal(0, 5, len(hr_local)))
        st = _stamp(pd.DatetimeIndex(hr_local), zone)
        out += _records("HKQuantityTypeIdentifierHeartRate", WATCH, "count/min", st, st, hr.astype(int), hr_child)

        wake_stamp = _stamp(pd.DatetimeIndex([wake + pd.Timedelta(hours=2)]), zone)
        out += _records(
            "HKQuantityTypeIdentifierRestingHeartRate", WATCH, "count/min", wake_stamp, wake_stamp, [round(rhr)]
        )
        hrv_times = _stamp(pd.DatetimeIndex([bed + pd.Timedelta(hours=h) for h in (1, 3, 5)]), zone)
        sdnn = np.round(d["hrv_rmssd_ms"][p, i] * 1.25 * rng.lognormal(0, 0.1, 3), 4)
        out += _records("HKQuantityTypeIdentifierHeartRateVariabilitySDNN", WATCH, "ms", hrv_times, hrv_times, sdnn)

        walk_hours = rng.choice(np.arange(8, 21), size=6, replace=False)
        per_walk = np.maximum(d["steps"][p, i] * rng.dirichlet(np.ones(6)), 1).astype(int)
        w_start = pd.DatetimeIndex([day + pd.Timedelta(hours=int(h), minutes=5) for h in walk_hours])
        w_end = w_start + pd.Timedelta(minutes=10)
        out += _records(
            "HKQuantityTypeIdentifierStepCount", WATCH, "count", _stamp(w_start, zone), _stamp(w_end, zone), per_walk
        )
        phone_counts = (per_walk * rng.uniform(0.9, 1.05, 6)).astype(int)  # the same walks, counted again
        out += _records(
            "HKQuantityTypeIdentifierStepCount",
            PHONE,
            "count",
            _stamp(w_start + pd.Timedelta(minutes=1), zone),
            _stamp(w_end, zone),
            phone_counts,
        )
        energy_t = _stamp(pd.DatetimeIndex([day + pd.Timedelta(hours=h) for h in range(8, 22, 2)]), zone)
        out += _records(
            "HKQuantityTypeIdentifierActiveEnergyBurned",
            WATCH,
            "Cal",
            energy_t,
            energy_t,
            np.round(rng.uniform(5, 40, len(energy_t)), 3),
        )

        out += _records(
            "HKCategoryTypeIdentifierSleepAnalysis",
            PHONE,
            "",
            _stamp(pd.DatetimeIndex([bed]), zone),
            _stamp(pd.DatetimeIndex([wake]), zone),
            ["HKCategoryValueSleepAnalysisInBed"],
        )
        out += _sleep_stages(bed, wake, float(d["sleep_minutes"][p, i]), zone, rng)
        out.append(
            f' <ActivitySummary dateComponents="{day:%Y-%m-%d}" activeEnergyBurned="412.5" '
            'activeEnergyBurnedGoal="500" activeEnergyBurnedUnit="Cal" appleExerciseTime="31" '
            'appleExerciseTimeGoal="30" appleStandHours="11" appleStandHoursGoal="12"/>'
        )
    out.append("</HealthData>\n")
    return "\n".join(out)


def _sleep_stages(bed: pd.Timestamp, wake: pd.Timestamp, asleep_min: float, zone: str, rng) -> list[str]:
    """Watch sleep stages: 15 min awake at the start, then cycles of Core/Deep/Core/REM with short Awake
    gaps, so that the asleep total ≈ ``asleep_min``."""
    # elapsed time, not wall-clock arithmetic: a night across a DST change stays right
    start = pd.Timestamp(bed).tz_localize(zone, ambiguous=False, nonexistent="shift_forward") + pd.Timedelta(minutes=15)
    wake = pd.Timestamp(wake).tz_localize(zone, ambiguous=False, nonexistent="shift_forward")
    total_awake = max((wake - start).total_seconds() / 60 - asleep_min, 0)
    n_cycles = 5
    awake_each = total_awake / n_cycles
    segments, t = [], start
    for c in range(n_cycles):
        sleep_len = asleep_min / n_cycles
        for stage, share in (("Core", 0.45), ("Deep", 0.2), ("Core", 0.15), ("REM", 0.2)):
            end = t + pd.Timedelta(minutes=sleep_len * share)
            segments.append((t, end, f"HKCategoryValueSleepAnalysisAsleep{stage}"))
            t = end
        if c < n_cycles - 1 and awake_each >= 1:
            end = t + pd.Timedelta(minutes=awake_each)
            segments.append((t, end, "HKCategoryValueSleepAnalysisAwake"))
            t = end
    starts = _stamp(pd.DatetimeIndex([s.tz_convert("UTC").floor("s") for s, _, _ in segments]), zone)
    ends = _stamp(pd.DatetimeIndex([e.tz_convert("UTC").floor("s") for _, e, _ in segments]), zone)
    return _records("HKCategoryTypeIdentifierSleepAnalysis", WATCH, "", starts, ends, [v for _, _, v in segments])


def write_apple_health(cohort: Cohort, p: int, folder: Path, zipped: bool = True, **kwargs) -> Path:
    """Write ``export.zip`` (``apple_health_export/export.xml`` inside, as the Health app does) or
    ``export.xml`` into ``folder``; returns the path."""
    folder.mkdir(parents=True, exist_ok=True)
    text = export_text(cohort, p, **kwargs)
    if not zipped:
        path = folder / "export.xml"
        path.write_text(text, encoding="utf-8")
        return path
    path = folder / "export.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("apple_health_export/export.xml", date_time=(2025, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, text.encode("utf-8"))
    path.write_bytes(buffer.getvalue())
    return path
