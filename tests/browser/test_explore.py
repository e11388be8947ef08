"""`lstmkit explore` in a real browser: the page's cell against `lstmkit.cells.lstm_step`.

Two pages: a seeded cell (I = 3, H = 4) and the cell of a tiny classifier trained here, passed
with --model. Every expected number is computed in Python, in float64, from the weights of
the lstmkit layer itself (not from the page): the page's `window.lstmkitCell.step`, the bars
it draws after an input is edited, and what the mistakes switch draws, whose wrong cell updates
(c' = f * h + i * g; c' = f_prev * c + i * g) are written out below.
"""

import json

import numpy as np
import pytest

from lstmkit import LSTM, load
from lstmkit.cells import lstm_step
from lstmkit.cli import main
from lstmkit.models import SequenceClassifier

NAMES = ("i", "f", "g", "o", "c", "h")


# Selenium's locator strategies (selenium.webdriver.common.by.By), spelled out so that this
# module imports without selenium: the browser_page fixture then skips with the reason
class By:
    ID = "id"
    CSS_SELECTOR = "css selector"


SEEDED = {"input_size": 3, "hidden_size": 4, "seed": 5}


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """{"seeded": (page path, cell params), "trained": (...)}: the pages and the float64
    step parameters of the LSTM each shows, taken from the lstmkit layer."""
    folder = tmp_path_factory.mktemp("explore")
    seeded = folder / "seeded.html"
    sizes = [f"--{k.replace('_', '-')}={v}" for k, v in SEEDED.items()]
    assert main(["explore", "--out", str(seeded), *sizes, "--quiet"]) == 0
    # the seeded cell is `lstmkit trace`'s: forget bias 1, float64, the seed given
    layer = LSTM(3, 4, forget_bias=1.0, dtype="float64", seed=SEEDED["seed"])

    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 6, 2))
    y = np.array(["up" if x[:, 0].sum() > 0 else "down" for x in X])
    classifier = SequenceClassifier(hidden_size=4, epochs=2, ensemble=1, seed=0).fit(X, y)
    classifier.save(folder / "classifier.safetensors")
    np.savez(folder / "data.npz", X=X, y=y)
    trained = folder / "trained.html"
    model = ["--model", str(folder / "classifier.safetensors"), "--data", str(folder / "data.npz")]
    assert main(["explore", "--out", str(trained), *model, "--quiet"]) == 0
    encoder = load(folder / "classifier.safetensors").network_.member(0).encoder
    return {"seeded": (seeded, _params(layer)), "trained": (trained, _params(encoder))}


def _params(layer) -> dict:
    return {
        name.removesuffix("_l0"): np.asarray(value, np.float64)
        for name, value in layer.params.items()
        if name.endswith("_l0")
    }


def _reference(params, x, h, c, mode="correct", f_prev=None) -> dict:
    """One step in float64: the gates from lstm_step, the cell update as `mode` computes it."""
    _, c_step, cache = lstm_step(x[None], h[None], c[None], params)
    i, f, g, o = np.split(cache.gates[0], 4)
    if mode == "forget-on-h":  # the forget gate applied to h instead of c
        c_new = f * h + i * g
    elif mode == "previous-f":  # the forget gate of the step before
        c_new = f_prev * c + i * g
    else:
        c_new = c_step[0]
    return {"i": i, "f": f, "g": g, "o": o, "c": c_new, "h": o * np.tanh(c_new)}


def _drawn(driver) -> dict:
    """The values of the bars drawn for every gate and state, by unit."""
    values = {}
    for name in NAMES:
        bars = driver.find_elements(By.CSS_SELECTOR, f"#gates rect.bar[data-name='{name}']")
        values[name] = np.array([float(b.get_attribute("data-value")) for b in bars])
    return values


def _inputs(driver, name: str, size: int) -> np.ndarray:
    fields = [driver.find_element(By.ID, f"in-{name}-{k}") for k in range(size)]
    return np.array([float(field.get_attribute("value")) for field in fields])


def _shown_state(driver, params):
    """(x, h, c) as the page's input fields hold them."""
    features, hidden = params["weight_ih"].shape[1], params["weight_hh"].shape[1]
    sizes = {"x": features, "h": hidden, "c": hidden}
    return tuple(_inputs(driver, name, size) for name, size in sizes.items())


@pytest.mark.parametrize("which", ["seeded", "trained"])
def test_the_page_loads_without_console_error_or_request(browser_page, pages, which):
    page = browser_page(pages[which][0])
    assert page.driver.execute_script("return typeof window.lstmkitCell.step") == "function"
    page.driver.find_element(By.ID, "next").click()  # stepping draws too: still nothing
    assert page.console_errors == []
    assert page.requests == []


@pytest.mark.parametrize("which", ["seeded", "trained"])
def test_step_agrees_with_lstm_step(browser_page, pages, which):
    path, params = pages[which]
    driver = browser_page(path).driver
    weights = driver.execute_script("return window.lstmkitCell.weights")
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        np.testing.assert_array_equal(np.array(weights[name]), params[name])  # exact, via JSON
    rng = np.random.default_rng(1)
    hidden, features = params["weight_hh"].shape[1], params["weight_ih"].shape[1]
    for _ in range(5):
        x, h = rng.normal(size=features) * 2, rng.uniform(-1, 1, hidden)
        c = rng.normal(size=hidden) * 2
        got = driver.execute_script(
            "return window.lstmkitCell.step(arguments[0], arguments[1], arguments[2])",
            x.tolist(),
            h.tolist(),
            c.tolist(),
        )
        expected = _reference(params, x, h, c)
        for name in NAMES:
            np.testing.assert_allclose(got[name], expected[name], rtol=0, atol=1e-6)


def test_changing_an_input_changes_the_drawn_gates(browser_page, pages):
    path, params = pages["seeded"]
    page = browser_page(path)
    driver = page.driver
    before = _drawn(driver)
    field = driver.find_element(By.ID, "in-x-1")
    field.clear()
    field.send_keys("2.5")  # each key is an input event, as a person typing
    after = _drawn(driver)
    x, h, c = _shown_state(driver, params)
    assert x[1] == 2.5
    for name in ("i", "f", "g", "o"):  # x reaches every gate through weight_ih
        assert np.abs(after[name] - before[name]).max() > 1e-3
    expected = _reference(params, x, h, c)
    for name in NAMES:
        np.testing.assert_allclose(after[name], expected[name], rtol=0, atol=1e-6)
    page.screenshot("explore")
    assert page.console_errors == []


def _wrong_run(params, xs, mode) -> list:
    """A whole sequence under `mode` from h = c = f_prev = 0: per step (h, c, f_prev, out)."""
    hidden = params["weight_hh"].shape[1]
    h, c, f_prev = np.zeros(hidden), np.zeros(hidden), np.zeros(hidden)
    records = []
    for x in xs:
        out = _reference(params, x, h, c, mode, f_prev)
        records.append((h, c, f_prev, out))
        h, c, f_prev = out["h"], out["c"], out["f"]
    return records


@pytest.mark.parametrize("mode", ["forget-on-h", "previous-f"])
def test_the_mistakes_switch_draws_what_the_wrong_update_computes(browser_page, pages, mode):
    path, params = pages["seeded"]
    driver = browser_page(path).driver
    data = json.loads(driver.find_element(By.ID, "lstmkit-data").get_attribute("textContent"))
    xs = np.array(data["sequences"][0]["x"])
    step = 3
    for _ in range(step):
        driver.find_element(By.ID, "next").click()
    correct = _drawn(driver)
    driver.find_element(By.CSS_SELECTOR, f"input[name=mode][value='{mode}']").click()
    # the whole sequence ran the wrong update: step 3 starts from the wrong h, c (and f_prev)
    h, c, f_prev, expected = _wrong_run(params, xs, mode)[step]
    x, shown_h, shown_c = _shown_state(driver, params)
    np.testing.assert_array_equal(x, xs[step])
    np.testing.assert_allclose(shown_h, h, rtol=0, atol=1e-6)
    np.testing.assert_allclose(shown_c, c, rtol=0, atol=1e-6)
    drawn = _drawn(driver)
    for name in NAMES:
        np.testing.assert_allclose(drawn[name], expected[name], rtol=0, atol=1e-6)
    assert np.abs(drawn["c"] - correct["c"]).max() > 1e-3  # the switch changed what is drawn
    if mode == "previous-f":
        shown = [float(td.get_attribute("data-value")) for td in _row(driver, "fprev")]
        np.testing.assert_allclose(shown, f_prev, rtol=0, atol=1e-6)
    text = driver.find_element(By.ID, "eq-c-text").text
    assert text.startswith({"forget-on-h": "c' = f * h", "previous-f": "c' = f_prev * c"}[mode])


def _row(driver, name):
    return driver.find_elements(By.CSS_SELECTOR, f"#values td[id^='out-{name}-']")


def test_the_sequence_view_draws_every_step_of_the_chosen_sequence(browser_page, pages):
    path, params = pages["trained"]
    driver = browser_page(path).driver
    options = driver.find_elements(By.CSS_SELECTOR, "#sequence option")
    assert len(options) == 12 and all("label" in o.text for o in options)
    options[2].click()
    data = json.loads(driver.find_element(By.ID, "lstmkit-data").get_attribute("textContent"))
    steps = len(data["sequences"][2]["x"])
    hidden = params["weight_hh"].shape[1]
    cells = driver.find_elements(By.CSS_SELECTOR, "svg[data-name='c'] rect:not(.marker)")
    assert len(cells) == steps * hidden
    driver.find_element(By.ID, "next").click()
    assert driver.find_element(By.ID, "t-label").text == f"step t = 1 of 0..{steps - 1}"


def test_step_refuses_vectors_of_the_wrong_length(browser_page, pages):
    driver = browser_page(pages["seeded"][0]).driver
    call = "return window.lstmkitCell.step(arguments[0], [0, 0, 0, 0], [0, 0, 0, 0])"
    with pytest.raises(Exception, match="x must be an array of 3 numbers; got 2 numbers"):
        driver.execute_script(call, [1.0, 0.0])
