"""Pittsburgh Sleep Quality Index exports with the questions as headers (StudentLife ``psqi.csv``).

The seven components (Buysse et al., 1989), each 0–3, become the ``psqi`` items 1–7 and are scored by
``transforms.questionnaires.scoring`` (global = C1 + … + C7, 0–21, > 5 = poor):

    C1 subjective quality   Q9: very good 0, fairly good 1, fairly bad 2, very bad 3
    C2 latency              Q2 minutes (≤15: 0, 16–30: 1, 31–60: 2, >60: 3) + Q5a; sum 0→0, 1–2→1, 3–4→2, 5–6→3
    C3 duration             Q4 hours: ≥7: 0, 6–<7: 1, 5–<6: 2, <5: 3
    C4 efficiency           100 × Q4 / (Q3 − Q1 clock times): ≥85: 0, 75–84: 1, 65–74: 2, <65: 3
    C5 disturbances         Q5b…Q5j summed (5j blank = 0): 0→0, 1–9→1, 10–18→2, 19–27→3
    C6 medication           Q6
    C7 daytime dysfunction  Q7 + Q8: 0→0, 1–2→1, 3–4→2, 5–6→3

Frequency answers: "Not during the past month" 0, "Less than once a week" 1, "Once or twice a week" 2, "Three or
more times a week" 3 (StudentLife's "Once or a twice week" spellings included; Q8 also accepts "No problem at
all" … "A very big problem").

Free text: minutes and hours are read from numbers in the answer ("10 mins", "about 20", a range "5-10"
→ 7.5, "half an hour" → 30, "an hour" → 60); Excel's mangling of a range "9-10" into "10-Sep" is decoded
back to 9–10 h. Clock times: "2:00 AM", "1AM", "around 1 am", "23:30", "midnight", "noon"; without am/pm a
bedtime 6–11 is taken as evening and a rising time 4–11 as morning (1–3 as afternoon). An answer that
cannot be read leaves its component uncomputable, and the administration is quarantined with the reasons.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from transforms.ingest.errors import SchemaDrift
from transforms.ingest.records import ParseResult, excerpt
from transforms.ingest.sources._questionnaire import (
    EVENT_COLUMNS,
    ID_COLUMNS,
    TIME_COLUMNS,
    administration_times,
    first_present,
    normalise,
    submissions_result,
)
from transforms.ingest.sources._tabular import RecordChecker, data_columns, read_csv_strings

FORMAT = "psqi_csv"
SCOPE = "cohort"
ACCOUNT_SOURCE = "questionnaire"
USES_LANDING_CONFIG = True

QUESTIONS = {  # key → words the normalised header contains
    "bedtime": "gone to bed",
    "latency": "to fall asleep",
    "getup": "gotten up",
    "hours": "hours of actual sleep",
    "q5a": "cannot get to sleep within 30 minutes",
    "medicine": "taken medicine",
    "awake": "trouble staying awake",
    "enthusiasm": "enthusiasm",
    "quality": "rate your sleep quality",
}
LABELS = {
    "bedtime": "bedtime (Q1)",
    "latency": "minutes to fall asleep (Q2)",
    "getup": "rising time (Q3)",
    "hours": "hours of sleep (Q4)",
    "medicine": "medication (Q6)",
    "awake": "daytime sleepiness (Q7)",
    "enthusiasm": "enthusiasm (Q8)",
    "quality": "sleep quality (Q9)",
    **{f"q5{c}": f"Q5{c}" for c in "abcdefghij"},
}
MONTHS = {
    m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])
}


def _columns(columns) -> dict[str, str]:
    found = {}
    for col in columns:
        norm = normalise(col)
        for key, words in QUESTIONS.items():
            if words in norm and key not in found:
                found[key] = col
        m = re.match(r"^\s*([b-j])\.\s", str(col))
        if m and "please describe" not in norm:
            found.setdefault(f"q5{m.group(1)}", col)
    return found


def detect(name: str, head: str) -> bool:
    import csv
    import io

    try:
        header = next(csv.reader(io.StringIO(head.lstrip("\ufeff"))))
    except (StopIteration, csv.Error):
        return False
    cols = _columns(header)
    return first_present(header, ID_COLUMNS) is not None and {"bedtime", "hours", "quality"} <= set(cols)


def frequency(text: pd.Series) -> pd.Series:
    """Frequency / problem / quality answers → 0–3 (NaN when unreadable or blank)."""
    norm = text.fillna("").map(normalise)
    rules = [
        ("not during", 0),
        ("less than once", 1),
        ("once or", 2),
        ("three or", 3),
        ("no problem", 0),
        ("very slight", 1),
        ("somewhat", 2),
        ("very big", 3),
        ("very good", 0),
        ("fairly good", 1),
        ("fairly bad", 2),
        ("very bad", 3),
    ]
    out = pd.Series(np.nan, index=text.index)
    for words, value in rules:
        out = out.where(out.notna() | ~norm.str.contains(words, regex=False), float(value))
    numeric = pd.to_numeric(norm.where(norm.str.fullmatch(r"[0-3]")), errors="coerce")
    return out.fillna(numeric)


def amount(text: str, unit: str) -> float:
    """Minutes (``unit='min'``) or hours (``'h'``) from a free-text answer; NaN when unreadable."""
    t = str(text).strip().lower()
    if not t:
        return np.nan
    excel = re.fullmatch(r"(\d{1,2})-([a-z]{3})", t)
    if excel and excel.group(2) in MONTHS:  # "9-10" saved by Excel as the date 10-Sep
        lo, hi = MONTHS[excel.group(2)], int(excel.group(1))
        return (lo + hi) / 2
    if re.search(r"half (an? )?hour", t):
        return 30.0 if unit == "min" else 0.5
    numbers = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", t)]
    if not numbers and re.search(r"\ban hour\b", t):
        numbers = [1.0]
    if not numbers:
        return np.nan
    value = (numbers[0] + numbers[1]) / 2 if len(numbers) >= 2 and re.search(r"\d\s*(-|to)\s*\d", t) else numbers[0]
    if unit == "min" and re.search(r"\bh(ou)?rs?\b|\bhour", t) and "min" not in t:
        value *= 60
    if unit == "h" and re.search(r"\bmin", t):
        value /= 60
    return value


def clock(text: str, evening: bool) -> float:
    """Hours after midnight (0–24) from a free-text clock time; NaN when unreadable."""
    t = str(text).strip().lower().replace(".", "")
    if "midnight" in t:
        return 0.0
    if "noon" in t:
        return 12.0
    m = re.search(r"\b(\d{1,2})(?::?(\d{2}))?\s*(am|pm|a m|p m)?\b", t)  # "2:00 am", "1am", "830"
    if not m:
        return np.nan
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").replace(" ", "")
    if hour > 24 or minute > 59:
        return np.nan
    if half == "pm" and hour < 12:
        hour += 12
    elif half == "am" and hour == 12:
        hour = 0
    elif not half and hour <= 12:
        if evening:
            hour = hour + 12 if 6 <= hour <= 11 else (0 if hour == 12 else hour)
        else:
            hour = hour + 12 if 1 <= hour <= 3 else hour
    return (hour % 24) + minute / 60


def _band(x: pd.Series, edges: list[float]) -> pd.Series:
    """0..3 by lower-inclusive thresholds on x (NaN stays NaN)."""
    return pd.Series(np.where(x.isna(), np.nan, np.digitize(x.fillna(0), edges)), index=x.index)


def components(frame: pd.DataFrame, cols: dict[str, str]) -> tuple[pd.DataFrame, pd.Series]:
    """C1–C7 per row, and the reasons rows cannot be scored."""
    text = {k: frame[c].fillna("").str.strip() for k, c in cols.items()}
    problems = pd.Series("", index=frame.index)

    def need(values: pd.Series, key: str, what: str) -> pd.Series:
        nonlocal problems
        answer = text.get(key, pd.Series("", index=frame.index))
        blank = values.isna() & (answer == "")
        unreadable = values.isna() & (answer != "")
        problems = problems.where(~blank, problems + f"{LABELS[key]} unanswered; ")
        problems = problems.where(~unreadable, problems + f"{what} " + excerpt(answer) + "; ")
        return values

    def col(key: str) -> pd.Series:
        return text.get(key, pd.Series("", index=frame.index))

    quality = need(frequency(col("quality")), "quality", "cannot read sleep quality from")
    minutes = need(col("latency").map(lambda t: amount(t, "min")), "latency", "cannot read minutes to fall asleep from")
    q5a = need(frequency(col("q5a")), "q5a", "cannot read Q5a from")
    hours = col("hours").map(lambda t: amount(t, "h"))  # free text: a per-answer parse, not a data loop
    hours = need(hours.where(hours <= 24), "hours", "cannot read hours of sleep (0–24) from")
    bed = need(col("bedtime").map(lambda t: clock(t, evening=True)), "bedtime", "cannot read bedtime from")
    up = need(col("getup").map(lambda t: clock(t, evening=False)), "getup", "cannot read rising time from")
    disturb_keys = [f"q5{c}" for c in "bcdefghi"]
    disturb = pd.concat(
        [need(frequency(col(k)), k, f"cannot read {LABELS[k]} from") for k in disturb_keys], axis=1
    ).sum(axis=1, min_count=len(disturb_keys)) + frequency(col("q5j")).fillna(0)
    medicine = need(frequency(col("medicine")), "medicine", "cannot read medication from")
    awake = need(frequency(col("awake")), "awake", "cannot read daytime sleepiness from")
    enthusiasm = need(frequency(col("enthusiasm")), "enthusiasm", "cannot read enthusiasm from")

    in_bed = (up - bed) % 24
    efficiency = 100 * hours / in_bed.where(in_bed > 0)
    latency_score = _band(minutes, [16, 31, 61])
    out = pd.DataFrame(
        {
            "psqi_c1": quality,
            "psqi_c2": _band(latency_score + q5a, [1, 3, 5]),
            "psqi_c3": 3 - _band(hours, [5, 6, 7]),
            "psqi_c4": 3 - _band(efficiency, [65, 75, 85]),
            "psqi_c5": _band(disturb, [1, 10, 19]),
            "psqi_c6": medicine,
            "psqi_c7": _band(awake + enthusiasm, [1, 3, 5]),
        },
        index=frame.index,
    )
    return out, problems.str.rstrip("; ")


def parse(source, ctx) -> ParseResult:
    table = read_csv_strings(source, ctx.source_file, [], FORMAT)
    frame = table.frame
    id_col = first_present(frame.columns, ID_COLUMNS)
    cols = _columns(data_columns(frame))
    if id_col is None or not {"bedtime", "hours", "quality"} <= set(cols):
        raise SchemaDrift(ctx.source_file, ["uid and PSQI questions"], data_columns(frame))
    chk = RecordChecker(frame)
    chk.fail_where(frame[id_col].str.strip() == "", f"missing {id_col}")
    administered = administration_times(
        frame, first_present(frame.columns, TIME_COLUMNS), first_present(frame.columns, EVENT_COLUMNS), ctx.events, chk
    )
    comps, problems = components(frame, cols)
    chk.fail_where(problems != "", "PSQI: " + problems)
    items = {f"psqi_c{i}": ("psqi", i) for i in range(1, 8)}
    return submissions_result(
        table, chk, id_col, administered, items, {c: comps[c] for c in items}, FORMAT, ctx.source_file
    )
