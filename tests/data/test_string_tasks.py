"""The seeded string-task generators: valid pairs, reproducible, unique sources."""

import datetime
import re

import pytest

from lstmkit.data.string_tasks import DATE_FORMAT_COUNT, addition_pairs, date_pairs

# strptime formats written independently of the generator (C locale: English names)
PARSE_FORMATS = [
    "%d %B %Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d %b %Y",
    "%A, %B %d, %Y",
    "%a %d %b %Y",
    "%d.%m.%Y",
    "%m/%d/%Y",
    "%Y/%m/%d",
    "%B %d %Y",
]


def _parse(text):
    found = set()
    for fmt in PARSE_FORMATS:
        try:
            found.add(datetime.datetime.strptime(text.title(), fmt).date())
        except ValueError:
            pass
    return found


def test_dates_parse_back_to_the_target():
    sources, targets = date_pairs(600, seed=0)
    for source, target in zip(sources, targets, strict=True):
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", target)
        assert _parse(source) == {datetime.date.fromisoformat(target)}, source


def test_dates_cover_every_format_and_the_range():
    sources, targets = date_pairs(2000, seed=1, start="1990-01-01", end="1990-12-31")
    assert all(t.startswith("1990-") for t in targets)
    shapes = {re.sub(r"\d", "9", re.sub(r"[A-Za-z]+", "w", s)) for s in sources}
    assert len(shapes) >= 8
    assert DATE_FORMAT_COUNT >= 10


def test_sums_are_right_and_operands_have_up_to_three_digits():
    sources, targets = addition_pairs(1000, seed=0)
    lengths = set()
    for source, target in zip(sources, targets, strict=True):
        a, b = source.split("+")
        assert str(int(a)) == a and str(int(b)) == b  # no leading zeros
        assert int(a) + int(b) == int(target)
        lengths.update({len(a), len(b)})
    assert lengths == {1, 2, 3}


def test_seeded_and_unique():
    assert date_pairs(50, seed=3) == date_pairs(50, seed=3)
    assert date_pairs(50, seed=3) != date_pairs(50, seed=4)
    assert addition_pairs(50, seed=3) == addition_pairs(50, seed=3)
    sources, _ = addition_pairs(3000, seed=2)
    assert len(set(sources)) == 3000
    # the first k pairs are a prefix of a longer draw: train/test splits are disjoint
    assert addition_pairs(10, seed=2)[0] == sources[:10]


def test_errors():
    with pytest.raises(ValueError, match="n must be a non-negative integer; got -1"):
        date_pairs(-1)
    with pytest.raises(ValueError, match="digits must be a positive integer"):
        addition_pairs(3, digits=0)
    with pytest.raises(ValueError, match="at most 100 unique pairs"):
        addition_pairs(101, digits=1)
    with pytest.raises(ValueError, match="end must not precede start"):
        date_pairs(3, start="2000-01-02", end="2000-01-01")
