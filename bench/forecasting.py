"""Forecasting benchmarks: lstmkit's Forecaster against the classic baselines on real series.

- airline: the last 12 months held out; MAPE beside seasonal naive (9.99 %), seasonal ARIMA
  (2.90 %) and Holt-Winters (2.21 %) from ../shared/data/README.md.
- sunspots, co2: the last 10 % held out (horizon = that many steps); MASE scaled by the
  in-sample naive (m = 1) and seasonal naive (m = detected period) errors, beside the
  baselines' own MASE.

Run from the repository root (default settings, seeds 0..n-1):

    python bench/forecasting.py                       # airline, 5 seeds
    python bench/forecasting.py --series sunspots co2 --seeds 3
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "forecasting"


def spread(values) -> float:
    return statistics.stdev(values) if len(values) > 1 else 0.0


def split(name, values):
    if name == "airline":
        return values[:-12], values[-12:]
    held = max(1, len(values) // 10)
    return values[:-held], values[-held:]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--series", nargs="+", default=["airline"], choices=["airline", "sunspots", "co2"]
    )
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from lstmkit.data import read_csv_series
    from lstmkit.metrics import mape, mase
    from lstmkit.models import Forecaster
    from lstmkit.models.baselines import naive_forecast, seasonal_naive_forecast

    for name in args.series:
        values = read_csv_series(DATA / f"{name}.csv").values[:, 0]
        train, test = split(name, values)
        scores, seconds, period = [], [], None
        for seed in range(args.seeds):
            started = time.perf_counter()
            model = Forecaster(horizon=len(test), seed=seed).fit(train)
            seconds.append(time.perf_counter() - started)
            forecast = model.predict()
            period = model.period_
            if name == "airline":
                scores.append(mape(test, forecast))
            else:
                scores.append((mase(test, forecast, train, 1), mase(test, forecast, train, period)))
            print(f"{name} seed {seed}: {scores[-1]}, {seconds[-1]:.1f} s", flush=True)
        snaive = seasonal_naive_forecast(train, len(test), period)
        naive = naive_forecast(train, len(test))
        if name == "airline":
            print(
                f"| airline MAPE % | {statistics.mean(scores):.2f} ± "
                f"{spread(scores):.2f} "
                f"({min(scores):.2f}-{max(scores):.2f}) | {statistics.mean(seconds):.1f} s | "
                f"seasonal naive {mape(test, snaive):.2f}, seasonal ARIMA 2.90, "
                f"Holt-Winters 2.21 |"
            )
        else:
            for k, m in ((0, 1), (1, period)):
                values_k = [s[k] for s in scores]
                print(
                    f"| {name} MASE (m={m}) | {statistics.mean(values_k):.3f} ± "
                    f"{spread(values_k):.3f} | {statistics.mean(seconds):.1f} s | "
                    f"naive {mase(test, naive, train, m):.3f}, seasonal naive "
                    f"{mase(test, snaive, train, m):.3f} |"
                )


if __name__ == "__main__":
    main()
