"""Learning-rate schedules against torch.optim.lr_scheduler, state dicts, argument errors.

Each parity case builds an lstmkit SGD and a torch SGD with the same lr, the same schedule on
each, and compares the lr after construction and after each of 50 `step()` calls (optimizer
step first, as torch expects). The schedules use torch's own recursions with torch's
operation order, so the learning rates are expected to agree to the last bit; the test allows
1e-12 relative and the largest difference is printed at the end (pytest -s).
"""

import json
import math

import numpy as np
import pytest

from lstmkit import optim

EPOCHS = 50
_LARGEST: dict[str, float] = {}


@pytest.fixture(scope="module", autouse=True)
def _report_largest_differences():
    yield
    print(f"\n[schedules torch parity] largest relative lr difference over {EPOCHS} epochs:")
    for name, err in _LARGEST.items():
        print(f"  {name:18s} {err:.3e}")


class ArrayModel:
    def __init__(self):
        self.params = {"w": np.zeros(3)}
        self.grads = {"w": np.zeros(3)}


def _pair(torch, name, kwargs, lr=0.1):
    """(our optimizer, our schedule, torch optimizer, torch schedule)."""
    ours_opt = optim.SGD(ArrayModel(), lr=lr)
    ours = getattr(optim, name)(ours_opt, **kwargs)
    theirs_opt = torch.optim.SGD([torch.zeros(3, requires_grad=True)], lr=lr)
    theirs = getattr(torch.optim.lr_scheduler, name)(theirs_opt, **kwargs)
    return ours_opt, ours, theirs_opt, theirs


def _record(name, ours_lr, theirs_lr):
    difference = abs(ours_lr - theirs_lr) / max(abs(theirs_lr), 1e-300)
    _LARGEST[name] = max(_LARGEST.get(name, 0.0), difference)
    return difference


EPOCH_CASES = [
    ("StepLR", {"step_size": 7}),
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 50}),
    ("CosineAnnealingLR", {"T_max": 20, "eta_min": 0.001}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}),  # several periods in 50 epochs
    ("LinearLR", {}),
    ("LinearLR", {"start_factor": 0.1, "total_iters": 10}),
    ("LinearLR", {"start_factor": 1.0, "end_factor": 0.05, "total_iters": 30}),
]


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [pytest.param(n, k, id=f"{n}-{k}") for n, k in EPOCH_CASES],
)
def test_epoch_schedules_match_torch(name, kwargs, torch):
    ours_opt, ours, theirs_opt, theirs = _pair(torch, name, kwargs)
    lrs = [ours_opt.lr]
    for epoch in range(EPOCHS + 1):
        if epoch:
            ours_opt.step()
            theirs_opt.step()
            ours.step()
            theirs.step()
        expected = theirs_opt.param_groups[0]["lr"]
        assert ours.get_last_lr() == ours_opt.lr
        assert theirs.get_last_lr() == [expected]
        difference = _record(name, ours_opt.lr, expected)
        assert difference <= 1e-12, f"epoch {epoch}: lr {ours_opt.lr!r}, torch {expected!r}"
        lrs.append(ours_opt.lr)
    assert len(set(lrs)) > 2  # the schedule did change the lr


def test_cosine_values_follow_the_closed_form_up_to_t_max():
    opt = optim.SGD(ArrayModel(), lr=0.1)
    schedule = optim.CosineAnnealingLR(opt, T_max=40, eta_min=0.002)
    for epoch in range(1, 41):
        schedule.step()
        closed = 0.002 + (0.1 - 0.002) * (1 + math.cos(math.pi * epoch / 40)) / 2
        assert opt.lr == pytest.approx(closed, rel=1e-12, abs=1e-15)
    assert opt.lr == 0.002


@pytest.mark.parametrize("name", ["StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR"])
def test_outside_lr_changes_carry_forward_as_in_torch(name, torch):
    """The Trainer halves the lr after a non-finite loss; the schedules chain from there."""
    kwargs = {
        "StepLR": {"step_size": 4},
        "ExponentialLR": {"gamma": 0.95},
        "CosineAnnealingLR": {"T_max": 30},
        "LinearLR": {"total_iters": 20},
    }[name]
    ours_opt, ours, theirs_opt, theirs = _pair(torch, name, kwargs)
    for epoch in range(1, 31):
        if epoch in (5, 13):
            ours_opt.lr *= 0.5
            theirs_opt.param_groups[0]["lr"] *= 0.5
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
        expected = theirs_opt.param_groups[0]["lr"]
        assert _record(name, ours_opt.lr, expected) <= 1e-12, f"epoch {epoch}"


PLATEAU_METRICS = (
    [10.0, 9.0, 8.0, 8.0, 8.0, 8.0, 7.9999, 8.0, 8.0, 7.0, 7.0, 7.0, 7.0, float("nan")]
    + [7.0] * 12
    + [6.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0]
)

PLATEAU_CASES = [  # (kwargs, how many reductions the metrics above trigger)
    ({}, 1),
    ({"patience": 2, "factor": 0.5, "cooldown": 2, "min_lr": 0.02}, 3),  # down to min_lr
    ({"patience": 1, "factor": 0.5, "eps": 0.01}, 3),  # then reductions below eps are skipped
    ({"patience": 0, "threshold": 0.5, "threshold_mode": "abs", "factor": 0.3}, 14),
    ({"mode": "max", "patience": 2, "factor": 0.5, "cooldown": 1}, 8),
    ({"mode": "max", "threshold_mode": "abs", "threshold": 0.1, "patience": 1}, 7),
]


@pytest.mark.parametrize(("kwargs", "count"), PLATEAU_CASES, ids=[str(k) for k, _ in PLATEAU_CASES])
def test_reduce_lr_on_plateau_matches_torch(kwargs, count, torch):
    ours_opt, ours, theirs_opt, theirs = _pair(torch, "ReduceLROnPlateau", kwargs)
    reductions = 0
    for epoch, loss in enumerate(PLATEAU_METRICS, start=1):
        metric = 20.0 - loss if kwargs.get("mode") == "max" else loss  # max: higher is better
        previous = ours_opt.lr
        ours.step(metric)
        theirs.step(metric)
        reductions += ours_opt.lr < previous
        expected = theirs_opt.param_groups[0]["lr"]
        assert _record("ReduceLROnPlateau", ours_opt.lr, expected) <= 1e-12, f"epoch {epoch}"
        assert ours.get_last_lr() == ours_opt.lr
        assert (ours.num_bad_epochs, ours.cooldown_counter) == (
            theirs.num_bad_epochs,
            theirs.cooldown_counter,
        ), f"epoch {epoch}"
        assert ours.best == theirs.best, f"epoch {epoch}"
    assert reductions == count


def test_reduce_lr_on_plateau_respects_min_lr_and_eps():
    opt = optim.SGD(ArrayModel(), lr=0.1)
    schedule = optim.ReduceLROnPlateau(opt, patience=0, factor=0.5, min_lr=0.03)
    schedule.step(1.0)
    lrs = []
    for _ in range(4):
        schedule.step(1.0)
        lrs.append(opt.lr)
    assert lrs == [0.05, 0.03, 0.03, 0.03]


# ---- state dicts ----------------------------------------------------------------------------

STATE_CASES = [
    ("StepLR", {"step_size": 4, "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.93}),
    ("CosineAnnealingLR", {"T_max": 25, "eta_min": 1e-3}),
    ("LinearLR", {"start_factor": 0.2, "total_iters": 30}),
    ("ReduceLROnPlateau", {"patience": 1, "factor": 0.5, "cooldown": 1}),
]


def _advance(opt, schedule, epochs, start):
    lrs = []
    for epoch in range(start, start + epochs):
        opt.step()
        if isinstance(schedule, optim.ReduceLROnPlateau):
            schedule.step(PLATEAU_METRICS[epoch % len(PLATEAU_METRICS)])
        else:
            schedule.step()
        lrs.append(opt.lr)
    return lrs


@pytest.mark.parametrize(("name", "kwargs"), STATE_CASES, ids=[n for n, _ in STATE_CASES])
def test_state_dict_through_json_resumes_exactly(name, kwargs):
    opt = optim.SGD(ArrayModel(), lr=0.1)
    schedule = getattr(optim, name)(opt, **kwargs)
    _advance(opt, schedule, 20, 0)
    saved_schedule = json.loads(json.dumps(schedule.state_dict(), allow_nan=False))
    saved_optimizer = opt.state_dict()
    saved_optimizer["config"] = json.loads(json.dumps(saved_optimizer["config"]))
    expected = _advance(opt, schedule, 30, 20)

    resumed_opt = optim.SGD(ArrayModel(), lr=0.1)
    resumed = getattr(optim, name)(resumed_opt, **kwargs)
    resumed_opt.load_state_dict(saved_optimizer)
    resumed.load_state_dict(saved_schedule)
    assert _advance(resumed_opt, resumed, 30, 20) == expected
    assert resumed.state_dict() == schedule.state_dict()


def test_fresh_plateau_state_is_strict_json():
    schedule = optim.ReduceLROnPlateau(optim.SGD(ArrayModel(), lr=0.1), mode="max")
    state = json.loads(json.dumps(schedule.state_dict(), allow_nan=False))
    assert state["best"] == "-inf"
    other = optim.ReduceLROnPlateau(optim.SGD(ArrayModel(), lr=0.1), mode="max")
    other.best = 3.0
    other.load_state_dict(state)
    assert other.best == -math.inf


def test_load_state_dict_lists_what_differs():
    opt = optim.SGD(ArrayModel(), lr=0.1)
    state = optim.StepLR(opt, step_size=4).state_dict()
    with pytest.raises(ValueError, match=r"step_size: this schedule has 5, saved 4"):
        optim.StepLR(opt, step_size=5).load_state_dict(state)
    with pytest.raises(ValueError, match=r"saved by 'StepLR', loaded into 'ExponentialLR'"):
        optim.ExponentialLR(opt, gamma=0.5).load_state_dict(state)
    target = optim.StepLR(opt, step_size=4)
    broken = dict(state, last_epoch=-3)
    del broken["last_lr"]
    with pytest.raises(ValueError, match=r"last_epoch must be an integer >= 0.*last_lr"):
        target.load_state_dict(broken)
    assert target.last_epoch == 0


@pytest.mark.parametrize(
    ("name", "kwargs", "error", "match"),
    [
        ("StepLR", {"step_size": 0}, ValueError, "step_size"),
        ("StepLR", {"step_size": 2.5}, TypeError, "step_size"),
        ("ExponentialLR", {"gamma": -0.1}, ValueError, "gamma"),
        ("CosineAnnealingLR", {"T_max": 0}, ValueError, "T_max"),
        ("CosineAnnealingLR", {"T_max": 5, "eta_min": -1.0}, ValueError, "eta_min"),
        ("LinearLR", {"start_factor": 0.0}, ValueError, "start_factor"),
        ("LinearLR", {"end_factor": 1.5}, ValueError, "end_factor"),
        ("LinearLR", {"total_iters": 0}, ValueError, "total_iters"),
        ("ReduceLROnPlateau", {"mode": "lowest"}, ValueError, "mode"),
        ("ReduceLROnPlateau", {"factor": 1.0}, ValueError, "factor"),
        ("ReduceLROnPlateau", {"threshold_mode": "pct"}, ValueError, "threshold_mode"),
        ("ReduceLROnPlateau", {"patience": -1}, ValueError, "patience"),
        ("ReduceLROnPlateau", {"cooldown": -1}, ValueError, "cooldown"),
        ("ReduceLROnPlateau", {"min_lr": -1e-3}, ValueError, "min_lr"),
    ],
)
def test_bad_hyperparameters_are_named(name, kwargs, error, match):
    with pytest.raises(error, match=match):
        getattr(optim, name)(optim.SGD(ArrayModel(), lr=0.1), **kwargs)


def test_bad_optimizer_and_metric():
    with pytest.raises(TypeError, match="optimizer must have a numeric `lr`"):
        optim.StepLR(object(), step_size=3)
    schedule = optim.ReduceLROnPlateau(optim.SGD(ArrayModel(), lr=0.1))
    with pytest.raises(TypeError, match="metric"):
        schedule.step(None)
    with pytest.raises(TypeError, match="metric"):
        schedule.step("0.5")
    schedule.step(np.float32(0.5))
    assert schedule.best == 0.5
