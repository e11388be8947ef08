"""A real browser for the tests: headless Chromium driven by Selenium.

`browser_page(path)` opens `file://path` and returns a `PageResult`: the WebDriver, the
console errors the page logged (level SEVERE, from the browser log), the requests it made
(every URL the Performance log's Network events name, except the page itself and data: and
blob: URIs, which never leave the file) and `screenshot(name)`, which saves
`tests/browser/screenshots/<name>.png` for a person to look at.

One Chromium serves the whole session (starting one takes about a second). Chromium and its
driver come from Debian's `chromium` and `chromium-driver` packages (.ci/run installs them),
Selenium from the dev extra. When any of them is missing the tests skip with the reason, unless
LSTMKIT_REQUIRE_REFERENCES=1 (CI), where a missing browser is a failure, as in tests/conftest.py.
"""

import json
import os
import shutil
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
# a page's own URIs: they are read from the page in memory, never requested from anywhere
IN_PAGE_SCHEMES = ("data:", "blob:")


def _unavailable(message: str) -> None:
    """Skip the test with `message`, or fail it where CI requires the references."""
    if os.environ.get("LSTMKIT_REQUIRE_REFERENCES") == "1":
        pytest.fail(f"the browser tests need {message}")
    pytest.skip(f"browser tests skipped: {message}")


def _executable(*names: str) -> str | None:
    """The first of `names` found on PATH or in /usr/bin (where Debian installs Chromium)."""
    for name in names:
        found = shutil.which(name) or shutil.which(name, path="/usr/bin")
        if found:
            return found
    return None


class PageResult:
    """One opened page: its driver, console errors, requests and screenshots.

    `console_errors` and `requests` read the browser's logs each time they are asked, and keep
    what they read, so that a check after an interaction sees what the interaction caused too.
    """

    def __init__(self, driver, url: str):
        self.driver = driver
        self.url = url
        self._console_errors: list[str] = []
        self._requests: list[str] = []

    @property
    def console_errors(self) -> list[str]:
        """SEVERE messages the page logged (console.error, uncaught errors, failed loads)."""
        for entry in self.driver.get_log("browser"):
            if entry["level"] == "SEVERE":
                self._console_errors.append(entry["message"])
        return list(self._console_errors)

    @property
    def requests(self) -> list[str]:
        """URLs the page requested, other than the page itself and data:/blob: URIs."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] != "Network.requestWillBeSent":
                continue
            url = message["params"]["request"]["url"]
            if url != self.url and not url.startswith(IN_PAGE_SCHEMES):
                self._requests.append(url)
        return list(self._requests)

    def screenshot(self, name: str) -> Path:
        """Save the visible page as tests/browser/screenshots/<name>.png; return the path."""
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        if not self.driver.save_screenshot(str(path)):
            raise RuntimeError(f"Chromium could not save a screenshot to {path}")
        return path


@pytest.fixture(scope="session")
def chromium_driver():
    """A headless Chromium WebDriver with the browser and Performance logs switched on."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as error:
        _unavailable(f"selenium (pip install '.[dev]'): {error}")
    browser = _executable("chromium", "chromium-browser")
    driver_path = _executable("chromedriver")
    if browser is None or driver_path is None:
        _unavailable("Debian's chromium and chromium-driver (apt-get install them)")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,1000")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # the given chromedriver: Selenium Manager would otherwise look for one on the network
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def browser_page(chromium_driver):
    """`browser_page(path) -> PageResult`: open the local file `path` in headless Chromium."""

    def open_page(path) -> PageResult:
        url = Path(path).resolve().as_uri()
        # empty both logs first: what an earlier test's page logged is not this page's
        for log in ("browser", "performance"):
            chromium_driver.get_log(log)
        chromium_driver.get(url)
        return PageResult(chromium_driver, url)

    return open_page
