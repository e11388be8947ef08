"""The activation functions of the ONNX recurrent operators, as objects with a derivative.

    Relu(x)            max(0, x)
    Tanh(x)            tanh(x)
    Sigmoid(x)         1 / (1 + exp(-x))
    Affine(x)          alpha * x + beta
    LeakyRelu(x)       x if x >= 0 else alpha * x
    ThresholdedRelu(x) x if x > alpha else 0     (the ThresholdedRelu operator's and onnxruntime's
                                                 choice; the RNN operators' text says >=)
    ScaledTanh(x)      alpha * tanh(beta * x)
    HardSigmoid(x)     min(max(alpha * x + beta, 0), 1)
    Elu(x)             x if x >= 0 else alpha * (exp(x) - 1)
    Softsign(x)        x / (1 + |x|)
    Softplus(x)        log(1 + exp(x))

Each derivative is written from the forward OUTPUT y (what the cells keep), e.g. Softsign'
= (1 - |y|)^2 and Softplus' = 1 - exp(-y). For LeakyRelu, ThresholdedRelu and Elu this needs
alpha > 0 (so that the sign of y tells the branch) and for ScaledTanh alpha != 0. Inference
(the ONNX operators) never needs a derivative; training uses sigmoid, tanh and relu.

Defaults of alpha and beta are those of the standalone ONNX operators of the same name
(LeakyRelu 0.01, ThresholdedRelu 1.0, HardSigmoid 0.2 and 0.5, Elu 1.0), and for the two
without one today, Affine and ScaledTanh, the identity-like values alpha = 1, beta = 0 (Affine)
and alpha = beta = 1 (ScaledTanh). onnxruntime fills unspecified values of ThresholdedRelu,
Affine and ScaledTanh with 0 instead; pass them explicitly to be portable.
"""

from dataclasses import dataclass, field

import numpy as np

from lstmkit.ops.activations import sigmoid_, sigmoid_grad_from_output, tanh_grad_from_output

# name (lower case) -> (takes alpha, takes beta, default alpha, default beta)
PARAMETERS = {
    "relu": (False, False, 0.0, 0.0),
    "tanh": (False, False, 0.0, 0.0),
    "sigmoid": (False, False, 0.0, 0.0),
    "affine": (True, True, 1.0, 0.0),
    "leakyrelu": (True, False, 0.01, 0.0),
    "thresholdedrelu": (True, False, 1.0, 0.0),
    "scaledtanh": (True, True, 1.0, 1.0),
    "hardsigmoid": (True, True, 0.2, 0.5),
    "elu": (True, False, 1.0, 0.0),
    "softsign": (False, False, 0.0, 0.0),
    "softplus": (False, False, 0.0, 0.0),
}

ONNX_NAMES = (
    "Relu",
    "Tanh",
    "Sigmoid",
    "Affine",
    "LeakyRelu",
    "ThresholdedRelu",
    "ScaledTanh",
    "HardSigmoid",
    "Elu",
    "Softsign",
    "Softplus",
)


@dataclass(frozen=True)
class Activation:
    """One activation function with its alpha and beta (unused ones are 0)."""

    name: str
    alpha: float = field(default=None)
    beta: float = field(default=None)

    def __post_init__(self):
        key = str(self.name).lower()
        if key not in PARAMETERS:
            raise ValueError(
                f"activation must be one of {', '.join(ONNX_NAMES)} (any case); got {self.name!r}"
            )
        takes_alpha, takes_beta, alpha, beta = PARAMETERS[key]
        object.__setattr__(self, "name", key)
        a = alpha if self.alpha is None or not takes_alpha else float(self.alpha)
        b = beta if self.beta is None or not takes_beta else float(self.beta)
        object.__setattr__(self, "alpha", a if takes_alpha else 0.0)
        object.__setattr__(self, "beta", b if takes_beta else 0.0)

    def __call__(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """act(z) written into `out` (default: in place into z); returns it."""
        out = z if out is None else out
        _FORWARD[self.name](z, out, self.alpha, self.beta)
        return out

    def derivative(self, y: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """d act / dz at the point whose OUTPUT is y, written into `out` (default: new)."""
        out = np.empty_like(y) if out is None else out
        _DERIVATIVE[self.name](y, out, self.alpha, self.beta)
        return out


SIGMOID = Activation("sigmoid")
TANH = Activation("tanh")
RELU = Activation("relu")


def _sigmoid(z, out, alpha, beta):
    if out is not z:
        np.copyto(out, z)
    sigmoid_(out)


def _hardsigmoid(z, out, alpha, beta):
    np.multiply(z, alpha, out=out)
    out += beta
    np.clip(out, 0.0, 1.0, out=out)


def _leakyrelu(z, out, alpha, beta):
    np.multiply(z, np.where(z >= 0, 1.0, alpha).astype(z.dtype), out=out)


def _thresholdedrelu(z, out, alpha, beta):
    np.multiply(z, z > alpha, out=out)


def _scaledtanh(z, out, alpha, beta):
    np.multiply(z, beta, out=out)
    np.tanh(out, out=out)
    out *= alpha


def _elu(z, out, alpha, beta):
    negative = np.minimum(z, 0)
    np.expm1(negative, out=negative)
    negative *= alpha
    np.copyto(out, np.where(z >= 0, z, negative))


def _softsign(z, out, alpha, beta):
    denominator = np.abs(z)
    denominator += 1
    np.divide(z, denominator, out=out)


def _affine(z, out, alpha, beta):
    np.multiply(z, alpha, out=out)
    out += beta


_FORWARD = {
    "relu": lambda z, out, a, b: np.maximum(z, 0, out=out),
    "tanh": lambda z, out, a, b: np.tanh(z, out=out),
    "sigmoid": _sigmoid,
    "affine": _affine,
    "leakyrelu": _leakyrelu,
    "thresholdedrelu": _thresholdedrelu,
    "scaledtanh": _scaledtanh,
    "hardsigmoid": _hardsigmoid,
    "elu": _elu,
    "softsign": _softsign,
    "softplus": lambda z, out, a, b: np.logaddexp(0, z, out=out),
}


def _d_scaledtanh(y, out, alpha, beta):
    np.divide(y, alpha, out=out)
    out *= out
    np.subtract(1, out, out=out)
    out *= alpha * beta


def _d_softsign(y, out, alpha, beta):
    np.abs(y, out=out)
    np.subtract(1, out, out=out)
    out *= out


def _d_softplus(y, out, alpha, beta):
    np.negative(y, out=out)
    np.expm1(out, out=out)
    np.negative(out, out=out)


_DERIVATIVE = {
    "relu": lambda y, out, a, b: np.greater(y, 0, out=out, casting="unsafe"),
    "tanh": lambda y, out, a, b: tanh_grad_from_output(y, out),
    "sigmoid": lambda y, out, a, b: sigmoid_grad_from_output(y, out),
    "affine": lambda y, out, a, b: out.fill(a),
    "leakyrelu": lambda y, out, a, b: np.copyto(out, np.where(y >= 0, 1.0, a)),
    "thresholdedrelu": lambda y, out, a, b: np.not_equal(y, 0, out=out, casting="unsafe"),
    "scaledtanh": _d_scaledtanh,
    "hardsigmoid": lambda y, out, a, b: np.copyto(out, np.where((y > 0) & (y < 1), a, 0.0)),
    "elu": lambda y, out, a, b: np.copyto(out, np.where(y >= 0, 1.0, y + a)),
    "softsign": _d_softsign,
    "softplus": _d_softplus,
}


def resolve_activations(names, alphas, betas, defaults: tuple, argument: str = "activations"):
    """ONNX attribute lists -> a tuple of Activation objects.

    `names` None gives `defaults` (Activation objects). Otherwise its length must equal
    len(defaults); alpha and beta values are consumed in order by the functions that take them
    (as the ONNX operators specify), and a function whose value is not given takes its default.
    """
    if names is None:
        if alphas or betas:
            raise ValueError("activation_alpha/activation_beta need activations to be given")
        return tuple(defaults)
    if isinstance(names, str) or len(names) != len(defaults):
        raise ValueError(f"{argument} must list {len(defaults)} activation names; got {names!r}")
    alphas, betas = list(alphas or []), list(betas or [])
    resolved = []
    for index, name in enumerate(names):
        key = str(name).lower()
        if key not in PARAMETERS:
            raise ValueError(
                f"{argument}[{index}] must be one of {', '.join(ONNX_NAMES)} (any case); "
                f"got {name!r}"
            )
        takes_alpha, takes_beta = PARAMETERS[key][:2]
        alpha = alphas.pop(0) if takes_alpha and alphas else None
        beta = betas.pop(0) if takes_beta and betas else None
        resolved.append(Activation(name, alpha, beta))
    return tuple(resolved)
