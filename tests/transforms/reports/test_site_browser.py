"""The report site in a real browser: headless Chromium (Debian's chromium and chromium-driver, which .ci/run
installs) opens the site the pipeline built for a small cohort from ``file://``: no JavaScript console
errors on any page, every chart drawn with its expected traces, every link leading to a page, screenshots
saved (``$WELLNESS_SCREENSHOTS`` or the test's folder). Skipped with the reason where Chromium is absent,
except in CI."""

import os
import shutil
from pathlib import Path

import pytest

from tests.pipelines.helpers import generate_home, run

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
CHART_TRACES = "return Array.from(document.querySelectorAll('[data-figure]')).map(d => (d.data || []).map(t => t.name))"


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: .ci/run installs Debian's chromium and chromium-driver")
        pytest.skip("no chromium/chromedriver here (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1800"):
        options.add_argument(argument)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    paths, cohort = generate_home(tmp_path_factory.mktemp("site"), participants=8, days=120, seed=11)
    assert run(paths).ok
    return paths.reports, sorted(cohort.people["participant_id"])


def _open(driver, page: Path, shots: Path | None = None) -> list:
    driver.get(page.as_uri())
    driver.execute_script("return document.readyState")
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], f"{page.name}: {errors}"
    if shots:
        height = driver.execute_script("return document.body.scrollHeight")
        driver.set_window_size(1400, min(height + 50, 8000))
        driver.save_screenshot(str(shots / f"{page.stem}.png"))
        driver.set_window_size(1400, 1800)
    return driver.execute_script(CHART_TRACES)


def test_the_site_renders_in_chromium_with_its_charts_and_links(browser, site, tmp_path):
    reports, people = site
    shots = Path(os.environ.get("WELLNESS_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)

    index = _open(browser, reports / "index.html", shots)
    assert index == [["proxy domains now"]]  # the heat map
    heat = browser.execute_script("const d = document.querySelector('[data-figure]').data[0]; return [d.type, d.y]")
    assert heat[0] == "heatmap" and set(heat[1]) <= set(people) and heat[1]
    links = browser.execute_script("return Array.from(document.links).map(a => a.href)")
    participant_links = sorted({link for link in links if "/participants/" in link})
    assert len(participant_links) == len(people)
    assert any(link.endswith("/quality_report.html") for link in links)

    quality = _open(browser, reports / "quality_report.html", shots)
    assert quality == []  # the quality report draws no plotly charts
    questionnaire_charts = 0
    for n, link in enumerate(participant_links):
        page = Path(link.removeprefix("file://"))
        assert page.is_file(), link
        charts = _open(browser, page, shots if n < 2 else None)
        assert charts, page.name
        drawn = browser.execute_script("return document.querySelectorAll('.js-plotly-plot .main-svg').length")
        assert drawn >= len(charts)  # plotly drew every chart
        names = [set(c) for c in charts]
        proxies = names[0]
        assert proxies == {"autonomic_arousal", "sleep_circadian", "activity_drive", "mood_affect"}
        metric_panels = [c for c in names if "baseline median" in c]
        assert metric_panels, page.name
        for panel in metric_panels:
            assert {"baseline p10", "baseline p10–p90"} <= panel
            assert any(name.endswith(")") for name in panel)  # the values, "metric (unit)"
        questionnaires = [c for c in names if "reliable change" in c]
        assert all(any(name.endswith(" score") for name in c) for c in questionnaires)
        questionnaire_charts += len(questionnaires)
        back = browser.execute_script("return Array.from(document.links).map(a => a.href)")
        assert all(Path(h.removeprefix("file://")).is_file() for h in back), back
    assert questionnaire_charts >= len(people)  # the cohort answers questionnaires: each on its own chart
    assert {p.name for p in shots.glob("*.png")} >= {"index.png", "quality_report.png"}
