"""Seeded generators of string-to-string tasks for sequence-to-sequence models.

`date_pairs`: a calendar date written in one of many human formats -> its ISO form
`YYYY-MM-DD`, e.g. "Tuesday, March 5, 2024" -> "2024-03-05". Every format is unambiguous (the
day-first numeric form uses dots, the month-first one slashes), so the mapping is a function
that a model can learn exactly. Month and weekday names are English, written here (no locale).

`addition_pairs`: "a+b" -> the decimal sum, as in the Keras `addition_rnn` example: each operand
has 1..`digits` digits (the count drawn uniformly, then the number), e.g. "535+61" -> "596".

Both return two lists of strings (sources, targets), drawn from `lstmkit.random.as_generator(seed)`
(seed: None, an int, a np.random.Generator or a SeedSequence);
with `unique=True` (the default) no source repeats, so the first k pairs and the rest of one
call form disjoint training and test sets.
"""

import datetime

import numpy as np

from lstmkit.random import as_generator

MONTHS = (
    "January February March April May June July August September October November December"
).split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()


def _formats(d: datetime.date) -> list[str]:
    """The date in every supported format (the ISO form is the target, not a source)."""
    month, day, year = MONTHS[d.month - 1], d.day, d.year
    weekday = WEEKDAYS[d.weekday()]
    return [
        f"{day} {month} {year}",  # 5 March 2024
        f"{day:02d} {month} {year}",  # 05 March 2024
        f"{month} {day}, {year}",  # March 5, 2024
        f"{month[:3]} {day}, {year}",  # Mar 5, 2024
        f"{day} {month[:3]} {year}",  # 5 Mar 2024
        f"{weekday}, {month} {day}, {year}",  # Tuesday, March 5, 2024
        f"{weekday[:3]} {day} {month[:3]} {year}",  # Tue 5 Mar 2024
        f"{day:02d}.{d.month:02d}.{year}",  # 05.03.2024 (day first)
        f"{d.month}/{day}/{year}",  # 3/5/2024 (month first)
        f"{year}/{d.month:02d}/{day:02d}",  # 2024/03/05
        f"{month.lower()} {day} {year}",  # march 5 2024
        f"{day} {month[:3].upper()} {year}",  # 5 MAR 2024
    ]


DATE_FORMAT_COUNT = len(_formats(datetime.date(2000, 1, 1)))


def date_pairs(
    n: int, seed=None, *, start="1900-01-01", end="2099-12-31", unique: bool = True
) -> tuple[list[str], list[str]]:
    """`n` (human-readable date, ISO date) pairs, dates uniform in [start, end], formats
    uniform over the supported ones."""
    n = _check_count(n)
    first, last = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
    if last < first:
        raise ValueError(f"end must not precede start; got start={start}, end={end}")
    span = (last - first).days + 1
    if unique and n > span * DATE_FORMAT_COUNT:
        raise ValueError(
            f"n must be at most {span * DATE_FORMAT_COUNT} unique pairs in that range; got {n}"
        )
    rng = as_generator(seed)

    def draw():
        d = first + datetime.timedelta(days=int(rng.integers(span)))
        return _formats(d)[int(rng.integers(DATE_FORMAT_COUNT))], d.isoformat()

    return _collect(n, draw, unique)


def addition_pairs(
    n: int, seed=None, *, digits: int = 3, unique: bool = True
) -> tuple[list[str], list[str]]:
    """`n` ("a+b", "a+b's value") pairs with operands of 1..`digits` digits."""
    n = _check_count(n)
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise ValueError(f"digits must be a positive integer; got {digits!r}")
    # distinct operands of 1..digits digits: 10 one-digit numbers (0-9), then 9 * 10^(k-1)
    possible = 10 ** (2 * digits)
    if unique and n > possible:
        raise ValueError(f"n must be at most {possible} unique pairs with {digits} digits; got {n}")
    rng = as_generator(seed)

    def operand():
        k = int(rng.integers(1, digits + 1))
        low = 0 if k == 1 else 10 ** (k - 1)
        return int(rng.integers(low, 10**k))

    def draw():
        a, b = operand(), operand()
        return f"{a}+{b}", str(a + b)

    return _collect(n, draw, unique)


def _collect(n, draw, unique):
    sources, targets, seen = [], [], set()
    attempts = 0
    while len(sources) < n:
        attempts += 1
        if attempts > 100 * n + 10_000:
            raise ValueError(f"could not draw {n} unique pairs; ask for fewer")
        source, target = draw()
        if unique:
            if source in seen:
                continue
            seen.add(source)
        sources.append(source)
        targets.append(target)
    return sources, targets


def _check_count(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative integer; got {n!r}")
    return int(n)
