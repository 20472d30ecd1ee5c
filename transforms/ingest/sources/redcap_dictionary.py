"""REDCap data dictionary (``Variable / Field Name``, ``Form Name``, …, ``Choices, Calculations, OR Slider
Labels``): study metadata, not participant data. Recognised so it is not reported as unsupported; its rows
are counted as ignored. ``declared_missing_codes`` reads the codes a dictionary labels as "don't know",
"decline", "not applicable" or "missing", which REDCap exports then carry as answers; the project's
configured list (instruments.toml ``[redcap] missing_codes``) is checked against real dictionaries in tests.
"""

from __future__ import annotations

import re

import pandas as pd

from transforms.ingest.records import ParseResult
from transforms.ingest.sources._tabular import read_csv_strings

FORMAT = "redcap_dictionary"
SCOPE = "cohort"
ACCOUNT_SOURCE = "questionnaire"
CHOICES = "Choices, Calculations, OR Slider Labels"
MISSING_WORDS = re.compile(r"don.?t know|decline|refuse|not applicable|prefer not|missing|unknown", re.I)


def detect(name: str, head: str) -> bool:
    header = head.lstrip("\ufeff").split("\n", 1)[0]
    return "Variable / Field Name" in header and "Form Name" in header and "Field Type" in header


def parse(source, ctx) -> ParseResult:
    table = read_csv_strings(source, ctx.source_file, ["Variable / Field Name", "Form Name", CHOICES])
    return ParseResult(n_records=table.n_records, n_ignored=table.n_records)


def declared_missing_codes(frame: pd.DataFrame) -> set[int]:
    """Codes whose choice label says the answer is missing ('999, Don't know | 777, Decline to answer')."""
    codes = set()
    for choices in frame[CHOICES].dropna():
        for part in str(choices).split("|"):
            code, _, label = part.partition(",")
            label = re.sub(r"<[^>]+>", "", label)
            if code.strip().lstrip("-").isdigit() and MISSING_WORDS.search(label):
                codes.add(int(code.strip()))
    return codes
