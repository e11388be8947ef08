"""One M3 table from several bench/m3.py runs (one process per group or method set, so that
the pieces can run at once or fit in the time at hand), scored by bench/m3.py's own code.

Each run is given as its `--dump` file and the file its output went to (stdout and stderr
together: the per-seed "GROUP METHOD seed S: sMAPE x, W s, C CPU s" lines give the times):

    python bench/m3.py --groups monthly --methods lstmkit --dump m.npz > m.log 2>&1
    python bench/m3.py --groups yearly quarterly other --methods lstmkit \
        --dump yqo.npz > yqo.log 2>&1
    python bench/m3_merge.py m.npz m.log yqo.npz yqo.log

The "all" row pools every group's series seed by seed, as bench/m3.py does in one process;
it is given for a method only where all four groups are there.
"""

import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import m3  # noqa: E402

TIMES = re.compile(r"(\w+) (\w+) seed (\S+): sMAPE [\d.]+, ([\d.]+) s, ([\d.]+) CPU s")
METHODS = ("lstmkit", *m3.STATS_MODELS)


def read_runs(paths):
    """{(group, method): {seed: (scores, (wall, cpu))}} from pairs of dump and log files."""
    runs, times, groups = {}, {}, {}
    for dump_path, log_path in zip(paths[::2], paths[1::2], strict=True):
        for line in Path(log_path).read_text().splitlines():
            found = TIMES.match(line)
            if found:
                times[found[1], found[2], found[3]] = (float(found[4]), float(found[5]))
        dump = np.load(dump_path)
        for group, method, seed in sorted({tuple(key.split("/")[:3]) for key in dump.files}):
            if group not in groups:  # each group's series read once, however many runs
                groups[group] = m3.load_group(group)
            series = groups[group]
            forecasts = {name: tuple(dump[f"{group}/{method}/{seed}/{name}"]) for name in series}
            period = m3.GROUPS[group][1]
            seconds = times.get((group, method, seed), (np.nan, np.nan))
            runs.setdefault((group, method), {})[seed] = (
                m3.scores(series, forecasts, period),
                seconds,
            )
    return runs


def table(runs) -> str:
    rows = []
    for group in m3.GROUPS:
        for method in METHODS:
            if (group, method) in runs:
                by_seed = runs[group, method]
                count = len(next(iter(by_seed.values()))[0]["sMAPE"])
                rows.append(
                    (
                        group,
                        count,
                        label(method, len(by_seed)),
                        m3.summarise(list(by_seed.values())),
                    )
                )
    for method in METHODS:
        per_group = [runs.get((group, method)) for group in m3.GROUPS]
        if all(per_group):
            seeds = sorted(set.intersection(*(set(runs_) for runs_ in per_group)))
            pooled = m3.pooled([[runs_[seed] for seed in seeds] for runs_ in per_group])
            total = sum(len(runs_[seeds[0]][0]["sMAPE"]) for runs_ in per_group)
            rows.append(("all", total, label(method, len(seeds)), m3.summarise(pooled)))
    return m3.markdown(rows)


def label(method: str, seeds: int) -> str:
    return f"{method} ({seeds} seeds)" if seeds > 1 else method


def main(argv=None) -> None:
    paths = sys.argv[1:] if argv is None else argv
    if not paths or len(paths) % 2:
        raise SystemExit("m3_merge.py: error: give pairs of DUMP.npz LOG")
    print(table(read_runs(paths)))


if __name__ == "__main__":
    main()
