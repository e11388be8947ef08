"""Tools for checking gradients: central finite differences and a relative error.

Used by lstmkit's own tests and offered to users who write their own layers:

    numeric = numerical_gradient(loss, array)     # perturbs `array` in place, restores it
    assert relative_error(analytic, numeric) < 1e-6

or, for a whole module (every parameter and the inputs its backward differentiates):

    errors = gradient_errors(module, forward, backward, inputs={"x": x})
    assert max(errors.values()) < 1e-6

Central differences, (L(a + eps) - L(a - eps)) / (2 eps), have truncation error O(eps^2) and
round-off error O(machine eps * |L| / eps); in float64 with eps = 1e-6 both stay near 1e-10
for losses of order one, far below the 1e-6 the tests demand.
"""

import math

import numpy as np


def numerical_gradient(loss, array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d loss() / d array by central differences, element by element.

    `loss` is a function of no arguments that reads `array` (which is perturbed in place and
    restored exactly afterwards) and returns a scalar.
    """
    grad = np.zeros(array.shape, dtype=np.float64)
    flat = array.reshape(-1)  # a view: writes reach `array`
    if not np.shares_memory(flat, array):
        raise ValueError("array must be contiguous so that it can be perturbed in place")
    for index in range(flat.size):
        original = flat[index]
        flat[index] = original + eps
        upper = loss()
        flat[index] = original - eps
        lower = loss()
        flat[index] = original
        grad.reshape(-1)[index] = (upper - lower) / (2 * eps)
    return grad


def relative_error(actual, expected) -> float:
    """max |actual - expected| / max(max |actual|, max |expected|); 0 when both are zero."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        raise ValueError(f"shapes differ: actual {actual.shape}, expected {expected.shape}")
    scale = max(np.abs(actual).max(initial=0.0), np.abs(expected).max(initial=0.0))
    if scale == 0.0:
        return 0.0
    return float(np.abs(actual - expected).max() / scale)


def flatten_outputs(result) -> tuple[np.ndarray, ...]:
    """The arrays of a forward result in order: nested tuples and lists are flattened, Python
    numbers become 0-d arrays and None entries are left out.

        >>> [a.shape for a in flatten_outputs((np.zeros((2, 3)), (np.zeros(1), None), 1.5))]
        [(2, 3), (1,), ()]
    """
    if result is None:
        return ()
    if isinstance(result, (tuple, list)):
        return tuple(array for part in result for array in flatten_outputs(part))
    return (np.asarray(result),)


def gradient_errors(module, forward, backward, inputs=None, seed=0, eps=1e-6) -> dict:
    """Relative error of each analytic gradient of `module` against central differences.

    The loss is L = sum_k sum(u_k * y_k) over the outputs y_k of `forward()` (flattened by
    `flatten_outputs`), with fixed weights u_k ~ N(0, 1) drawn from `seed`: u_k is a random
    upstream gradient dL/dy_k. `backward(upstream)` receives the list of u_k, must run the
    module's backward for them and return {name: dL/d inputs[name]} for every entry of
    `inputs` (the float arrays that `forward` reads and that are perturbed in place).

    Random masks are replayed: every forward pass starts from the generator states
    (`rng_states()`) the module had on entry, so a module in training mode is checked with
    one fixed dropout mask. Everything must be float64 (eps = 1e-6 is meaningless in
    float32). Returns {parameter name: error, "input " + name: error}; `module.grads` then
    holds the analytic gradients.
    """
    inputs = {} if inputs is None else inputs
    not_float64 = [
        name
        for name, array in [*module.params.items(), *inputs.items()]
        if np.asarray(array).dtype != np.float64
    ]
    if not_float64:
        raise ValueError(f"gradient checks need float64 arrays; not float64: {not_float64}")
    replay = module.rng_states()

    def run():
        module.set_rng_states(replay)
        return flatten_outputs(forward())

    rng = np.random.default_rng(seed)
    upstream = [rng.standard_normal(output.shape) for output in run()]

    def loss():
        return math.fsum(float(np.sum(u * y)) for u, y in zip(upstream, run(), strict=True))

    module.zero_grad()
    run()
    input_grads = backward(upstream) or {}
    missing = sorted(set(inputs) - set(input_grads))
    if missing:
        raise ValueError(f"backward returned no gradient for inputs {missing}")
    analytic = {name: grad.copy() for name, grad in module.grads.items()}
    analytic.update({f"input {name}": input_grads[name] for name in inputs})
    arrays = {**module.params, **{f"input {name}": array for name, array in inputs.items()}}
    return {
        name: relative_error(analytic[name], numerical_gradient(loss, array, eps))
        for name, array in arrays.items()
    }
