"""The Forecaster's defaults that depend on the data, each chosen on a validation split of M3's
TRAINING series (every series' last h values held out; `bench/m3.py --validation`, the
ablation in docs/forecasting.md). M3's test part was not used to choose them.

deseasonalise="auto": on when more than one series is fitted. A global network that reads a
window of two seasons must otherwise learn every series' own seasonal shape from it (M3
monthly, validation sMAPE 16.47 -> 14.74); a network fitted to one series learns that series'
season itself and does better without (the airline series, last 12 months: MAPE 2.67 % as it
is, 3.29 % deseasonalised).

max_windows=None: SEASONAL_WINDOWS training windows for many seasonal series (period > 1, more
than one series), where each window shows the global network one phase of a series' season and
more windows of every series help (M3 monthly 18.99 -> 16.47 from 600 to 5000 windows, 14.74 ->
14.43 from 5000 to 20000 deseasonalised; quarterly 11.39 -> 10.82 -> 10.56), and PLAIN_WINDOWS
otherwise: one series (600 windows already cover every phase of its season many times over, and
a long weekly series would fit several times slower) and series without a season, where more
windows of the same short series made worse forecasts (M3 yearly, 3 seeds: 19.71 at 600, 20.20
at 2000; one seed: 20.89 at 5000).

lookback=None: two periods, at least 12, as before, but at least SEASONAL_LOOKBACK rows for
seasonal series: two quarters' seasons (8 rows) or 12 rows show a quarterly series' season too
few times beside its growth (M3 quarterly, deseasonalised, 5000 windows: lookback 8, 12, 16,
20, 24 gave 11.63, 10.82, 10.08, 9.93, 10.19); series without a season did worse with longer
windows (yearly 12 -> 15: 19.71 -> 20.44, 3 seeds; other 12 -> 20: 4.07 -> 4.34).
"""

PLAIN_WINDOWS = 600
SEASONAL_LOOKBACK = 20
SEASONAL_WINDOWS = 20000


def deseasonalise_for(setting, series_count: int) -> bool:
    """Whether to deseasonalise: `setting` True or False as given; "auto" when more than one
    series is fitted."""
    if setting == "auto":
        return series_count > 1
    return bool(setting)


def windows_for(setting, period: int, series_count: int) -> int:
    """The most training windows: `setting` as given; None: by the period and the number of
    series (module doc)."""
    if setting is not None:
        return int(setting)
    return SEASONAL_WINDOWS if period > 1 and series_count > 1 else PLAIN_WINDOWS


def default_lookback(period: int) -> int:
    """The default lookback before short series shorten it (module doc)."""
    least = SEASONAL_LOOKBACK if period > 1 else 12
    return max(2 * period, least)
