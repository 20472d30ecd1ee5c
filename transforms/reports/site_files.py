"""The report site on disk (``$WELLNESS_HOME/reports/``): pages written whole (a reader never sees half a
page), the one copy of plotly.js beside them, participant pages of people no longer in the cohort removed,
and a link check of the cohort page. No warehouse here: the pages come from transforms/reports/site.py."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import unquote

from transforms.reports.site import PLOTLY_JS, plotly_js

PROGRESS_EVERY = 500


def write_site(reports: Path, pages: Iterable[tuple[str, str]], report: Callable[[str], None] | None = None) -> int:
    """Write ``pages`` (relative path, HTML) under ``reports`` and the site's plotly.js; returns how many
    pages. ``report(line)`` hears progress every PROGRESS_EVERY pages."""
    (reports / "participants").mkdir(parents=True, exist_ok=True)
    script, bundled = reports / PLOTLY_JS, plotly_js()
    if not script.exists() or script.stat().st_size != bundled.stat().st_size:
        script.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(bundled, script.with_suffix(".tmp"))
        os.replace(script.with_suffix(".tmp"), script)
    written: set[str] = set()
    for path, text in pages:
        target = reports / path
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
        written.add(path)
        if report and len(written) % PROGRESS_EVERY == 0:
            report(f"{'report site':<20} {len(written):,} pages written")
    for stale in (reports / "participants").glob("*.html"):
        if f"participants/{stale.name}" not in written:
            stale.unlink()
    return len(written)


_HREF = re.compile(r"""(?:href|src)=['"]([^'"#?]+)""")


def broken_links(page: Path) -> list[str]:
    """Links and scripts of ``page`` that lead to no file (links to other sites are not followed)."""
    text = page.read_text(encoding="utf-8")
    targets = {unquote(t) for t in _HREF.findall(text) if "://" not in t and not t.startswith("mailto:")}
    return sorted(t for t in targets if not (page.parent / t).is_file())
