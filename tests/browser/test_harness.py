"""The browser harness itself: it reports what a page logs and what it requests.

Each check has a page that does the thing and a quiet page that does not, so that a harness
reporting everything, or nothing, fails.
"""

QUIET = "<!doctype html><title>quiet</title><p>nothing happens here</p>"


def _page(tmp_path, name: str, html: str):
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return path


def test_a_console_error_is_reported(browser_page, tmp_path):
    noisy = "<!doctype html><title>noisy</title><script>console.error('gate out of range')</script>"
    page = browser_page(_page(tmp_path, "noisy.html", noisy))
    assert len(page.console_errors) == 1
    assert "gate out of range" in page.console_errors[0]
    assert page.requests == []


def test_a_quiet_page_has_no_console_error_and_no_request(browser_page, tmp_path):
    page = browser_page(_page(tmp_path, "quiet.html", QUIET))
    assert page.console_errors == []
    assert page.requests == []


def test_a_request_leaving_the_file_is_reported(browser_page, tmp_path):
    html = '<!doctype html><title>image</title><img src="http://example.invalid/x.png">'
    page = browser_page(_page(tmp_path, "image.html", html))
    assert page.requests == ["http://example.invalid/x.png"]


def test_data_uris_are_not_requests(browser_page, tmp_path):
    pixel = "data:image/gif;base64,R0lGODlhAQABAAAAACw="
    html = f'<!doctype html><title>inline</title><img src="{pixel}">'
    page = browser_page(_page(tmp_path, "inline.html", html))
    assert page.requests == []


def test_a_screenshot_is_saved_as_a_png(browser_page, tmp_path):
    page = browser_page(_page(tmp_path, "quiet.html", QUIET))
    path = page.screenshot("harness")
    assert path.name == "harness.png" and path.parent.name == "screenshots"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
