"""Built-in data sets, shipped with the package (sources and licences in README.md here).

    >>> from lstmkit.datasets import load_airline, load_japanese_vowels
    >>> series = load_airline()             # Series: 144 monthly values, dates 1949-01..1960-12
    >>> train = load_japanese_vowels("train")   # TSData: 270 cases of (T_i, 12), labels "1".."9"

On the command line the same data go by the names in `NAMES` wherever a data file is expected.
"""

from pathlib import Path

from lstmkit.data.csv_series import Series, read_csv_series
from lstmkit.data.ts_format import TSData, read_ts

FOLDER = Path(__file__).resolve().parent

NAMES = {
    "airline": "airline.csv",
    "japanese-vowels-train": "JapaneseVowels_TRAIN.ts.gz",
    "japanese-vowels-test": "JapaneseVowels_TEST.ts.gz",
}


def path(name: str) -> Path:
    """The file of the built-in data set `name` (one of NAMES)."""
    if name not in NAMES:
        raise ValueError(f"name must be a built-in data set, one of {sorted(NAMES)}; got {name!r}")
    return FOLDER / NAMES[name]


def load_airline() -> Series:
    """Monthly airline passengers 1949-1960 (Box and Jenkins series G): 144 values, column
    "Passengers", monthly dates. It fits `Forecaster` as it is (`Forecaster().fit(series)`),
    whose forecasts then come back as a Series dated from 1961-01."""
    return read_csv_series(path("airline"), value_columns="Passengers", date_column="Date")


def load_japanese_vowels(split: str = "train") -> TSData:
    """JapaneseVowels (UEA/UCR archive): split "train" (270 cases) or "test" (370 cases);
    12 channels, lengths 7 to 29, speaker labels "1".."9"."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test'; got {split!r}")
    return read_ts(path(f"japanese-vowels-{split}"))


def resolve(name) -> Path:
    """A data argument of the command line: an existing file, else a built-in name (NAMES).

    Raises FileNotFoundError naming the file (and the built-in names) when it is neither.
    """
    candidate = Path(name)
    if candidate.exists() or str(name) not in NAMES:
        if not candidate.exists():
            raise FileNotFoundError(
                f"no such file: {name} (built-in data sets: {', '.join(sorted(NAMES))})"
            )
        return candidate
    return path(str(name))
