"""What every training command prints last, and how it reports where its files went."""

import time


class Stopwatch:
    """Wall time since creation, for the summary line."""

    def __init__(self):
        self.started = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


def summary_line(seconds, best_epoch, metric, folder, saved=None) -> str:
    """`done in 12.3 s: best epoch 41, test accuracy 0.978; files in run/`.

    best_epoch may be None (not known); metric is "name value" text or None; saved, when
    given, replaces the files part (e.g. "nothing saved (no --out)").
    """
    parts = [f"done in {seconds:.1f} s"]
    details = []
    if best_epoch is not None:
        details.append(f"best epoch {best_epoch}")
    if metric:
        details.append(metric)
    where = saved or (
        f"files in {folder}/" if folder is not None else "no files written (no --out)"
    )
    details.append(where)
    return parts[0] + ": " + ", ".join(details)
