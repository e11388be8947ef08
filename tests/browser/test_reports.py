"""Every training command's report.html (forecast's panel path included) in headless
Chromium: it loads from file:// with no console error and no request leaving the file, its
training-curve image (and every other image: classify's and charlm's gate heatmaps among them)
is decoded and drawn, the user's HTML-like strings show as text and no script exists; a
screenshot of each is saved as screenshots/report_<command>.png."""

import runpy
from pathlib import Path

import pytest

from lstmkit.report import REPORT

# the seven tiny runs of the report tests (tests/ is no package: read the file by its path)
TINY_RUNS = runpy.run_path(str(Path(__file__).parents[1] / "report" / "tiny_runs.py"))

IMAGES = """
return Array.from(document.images).map(
    image => [image.id, image.complete, image.naturalWidth, image.naturalHeight, image.alt]);
"""
GATES = {"classify", "charlm"}  # the reports with a gate heatmap


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """{command: its report.html}, from one tiny run of each command."""
    pytest.importorskip("matplotlib")
    folder = tmp_path_factory.mktemp("browser-reports")
    return {command: make(folder) / REPORT for command, make in TINY_RUNS["RUNS"].items()}


@pytest.mark.parametrize("command", list(TINY_RUNS["RUNS"]))
def test_report_loads_offline_and_draws_its_curves(browser_page, reports, command):
    page = browser_page(reports[command])
    images = page.driver.execute_script(IMAGES)
    assert page.console_errors == []
    assert page.requests == []
    assert images[0][0] == "curves"
    for name, complete, width, height, _ in images:
        assert complete and width > 0 and height > 0, name
    gates = [alt for *_, alt in images if alt.startswith("gates and states of the LSTM")]
    assert len(gates) == (command in GATES)
    assert page.driver.execute_script("return document.scripts.length") == 0
    shown = page.driver.execute_script("return document.body.innerText")
    assert "<script>" in shown  # the user's string, as text
    assert page.screenshot(f"report_{command}").stat().st_size > 0
