"""kill -9 during saves (issue 23, the kill-during-save loop and item 16).

A child process saves a model into one path over and over (`lstmkit.save`, every weight set to
the save's number) and is killed with SIGKILL at a random moment, many times over. After each
kill the destination is absent (before the first completed save) or a complete file that
`lstmkit.load` reads, holding one save's weights (never a mix), never older than the file seen
before. Kills mid-write leave temporary files; the next save removes those of dead writers, so
they never pile up, and after a last normal save none remain.

The child is forked from the test process (lstmkit already imported): a kill costs
milliseconds, not an interpreter start. 20 kills in CI, 200 with LSTMKIT_FUZZ=nightly.
"""

import os
import signal
import time

import numpy as np
import pytest

import lstmkit
from lstmkit import LSTM

KILLS = 200 if os.environ.get("LSTMKIT_FUZZ") == "nightly" else 20
SAVES_PER_CHILD = 10**6  # numbers of the saves: child k writes k * SAVES_PER_CHILD + 1, + 2 ...

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")


def start_saving(model, path, first: int) -> int:
    """Fork a child that saves `model` into `path` in a loop (numbers first + 1, first + 2,
    ...); returns its pid once it is about to save."""
    ready, signal_ready = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(ready)
            os.write(signal_ready, b"r")
            number = first
            while True:
                number += 1
                for value in model.params.values():
                    value[...] = number
                lstmkit.save(model, path)
        finally:
            os._exit(0)
    os.close(signal_ready)
    assert os.read(ready, 1) == b"r"
    os.close(ready)
    return pid


def temporaries(path) -> list:
    return sorted(path.parent.glob(f".{path.name}.*.tmp"))


def saved_number(path) -> int | None:
    """The number of the save `path` holds (None when there is no file); fails on a file that
    does not load or mixes two saves."""
    if not path.exists():
        return None
    arrays = lstmkit.load(path).params.values()
    values = {float(x) for v in arrays for x in (v.flat[0], v.flat[-1])}
    assert len(values) == 1, f"a file mixes saves {sorted(values)}"
    return int(values.pop())


def test_a_save_killed_at_any_moment_leaves_a_complete_file_and_no_stale_temporaries(tmp_path):
    path = tmp_path / "model.safetensors"
    model = LSTM(64, 256, num_layers=2, seed=0)  # 3.4 MB: a save takes a few milliseconds
    rng = np.random.default_rng(0)
    last, killed_mid_write = None, 0
    for k in range(1, KILLS + 1):
        pid = start_saving(model, path, k * SAVES_PER_CHILD)
        time.sleep(float(rng.uniform(0.0, 0.04)))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)  # reaped: its process id is free, the writer dead
        number = saved_number(path)
        assert number is not None or last is None, "the destination disappeared"
        assert last is None or number >= last, "an older file replaced a newer one"
        last = number
        left = temporaries(path)
        killed_mid_write += bool(left)
        # a save first removes the temporaries of dead writers: they never pile up
        assert len(left) <= 2, [p.name for p in left]
    assert killed_mid_write > 0, "no kill hit a save mid-write: the loop tested nothing"
    for value in model.params.values():
        value[...] = 7
    lstmkit.save(model, path)
    assert temporaries(path) == []
    assert saved_number(path) == 7
