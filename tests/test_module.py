"""The Module base: own parameters, children with dotted names, modes, state dicts."""

import numpy as np
import pytest

from lstmkit import GRU, LSTM, Module


class Affine(Module):
    def __init__(self, size):
        super().__init__()
        self.weight = self.add_parameter("weight", np.ones((size, size)))


class Model(Module):
    def __init__(self):
        super().__init__()
        self.scale = self.add_parameter("scale", np.ones(2))
        self.encoder = LSTM(2, 3, seed=0)
        self.head = Affine(3)


def test_params_and_grads_are_dotted_and_share_arrays():
    model = Model()
    assert list(model.params)[:3] == ["scale", "encoder.weight_ih_l0", "encoder.weight_hh_l0"]
    assert list(model.params)[-1] == "head.weight"
    assert list(model.grads) == list(model.params)
    assert model.params["encoder.weight_ih_l0"] is model.encoder.params["weight_ih_l0"]
    model.params["head.weight"][0, 0] = 5.0  # in place reaches the child
    assert model.head.weight[0, 0] == 5.0
    assert [name for name, _ in model.named_modules()] == ["", "encoder", "head"]
    assert [name for name, _ in model.children()] == ["encoder", "head"]


def test_reassigning_an_attribute_unregisters_the_child():
    model = Model()
    model.head = None
    assert "head.weight" not in model.params


def test_train_eval_reach_children_and_zero_grad_all():
    model = Model()
    model.eval()
    assert not model.encoder.training and not model.head.training
    model.train()
    assert model.encoder.training
    for grad in model.grads.values():
        grad += 1
    model.zero_grad()
    assert all(not g.any() for g in model.grads.values())


def test_state_dict_round_trip_with_children():
    a, b = Model(), Model()
    b.encoder = LSTM(2, 3, seed=5)
    b.load_state_dict(a.state_dict())
    for k, v in a.params.items():
        np.testing.assert_array_equal(b.params[k], v)
    wrong = a.state_dict()
    wrong["encoder.weight_ih_l0"] = np.zeros((3, 3))
    with pytest.raises(ValueError, match=r"encoder.weight_ih_l0: expected shape \(12, 2\)"):
        b.load_state_dict(wrong)


def test_submodule_before_init_is_a_clear_error():
    class Broken(Module):
        def __init__(self):
            self.child = GRU(1, 1)

    with pytest.raises(AttributeError, match="call Module.__init__"):
        Broken()


def test_dotted_parameter_names_are_refused():
    with pytest.raises(ValueError, match="cannot contain '.'"):
        Module().add_parameter("a.b", np.zeros(1))
