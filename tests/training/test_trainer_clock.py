"""The Trainer's clock (issue 21): max_time is read from it, so a budget can be CPU time
(time.process_time) rather than wall time; wall time stays the default."""

import time

import pytest

from lstmkit.training import Trainer
from tests.training.test_trainer_streams import TinyLM, make_step, text_chunks


class StepClock:
    """A clock that reads one second more after every training step and never moves
    otherwise: the budget it gives does not depend on how fast or loaded the machine is."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def counting(self, step):
        def counted(chunk, training, carry):
            if training:
                self.now += 1.0
            return step(chunk, training, carry)

        return counted


def test_max_time_is_read_from_the_clock_given():
    # 7 chunks per epoch (width 41, length 6, random offset < 6), 3 epochs; the clock passes
    # max_time = 2.5 at the 3rd training step, so the 1st epoch ends there and training stops.
    # On the default wall clock, a few milliseconds in all, all 3 epochs would run.
    clock, log = StepClock(), []
    model = TinyLM()
    trainer = Trainer(lr=0.01, epochs=3, seed=0, verbose=0, max_time=2.5, clock=clock)
    history = trainer.fit(model, clock.counting(make_step(model, log)), text_chunks(0))
    assert history.epochs == 1
    assert [training for training, *_ in log] == [True, True, True]
    assert clock.now == 3.0


def test_the_default_clock_is_wall_time():
    assert Trainer().clock is time.perf_counter
    assert Trainer(clock=time.process_time).clock is time.process_time


def test_a_clock_that_is_not_a_function_is_refused():
    with pytest.raises(ValueError, match=r"clock must be a function \(\) -> seconds.*got 'cpu'"):
        Trainer(clock="cpu")


def test_char_language_model_reads_max_time_from_the_clock_it_is_given():
    # on the wall clock, max_time=1e-9 ends training after the first chunk
    # (tests/models/test_char_language_model.py); on a clock that never moves it never ends it
    from tests.models.test_char_language_model import TEXT, small

    model = small(epochs=2, max_time=1e-9).fit(TEXT, clock=lambda: 0.0)
    assert model.n_epochs_ == 2
    # the whole first epoch: 4 streams of len(TEXT) / 4 - 1 = 239 inputs, read from an
    # offset below seq_len 24
    assert 4 * (239 - 23) <= model.history_[0]["chars"] <= 4 * 239


def test_char_language_model_records_cpu_seconds_per_epoch():
    from tests.models.test_char_language_model import TEXT, small

    before = time.process_time()
    model = small(epochs=3).fit(TEXT)
    spent = time.process_time() - before
    cpu = [record["cpu_seconds"] for record in model.history_]
    assert cpu == sorted(cpu) and 0 < cpu[-1] <= spent  # since fit began, and within it
