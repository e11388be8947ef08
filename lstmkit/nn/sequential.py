"""Sequential: modules applied one after another, each to the previous one's output."""

from lstmkit.errors import NoForwardPassError
from lstmkit.module import Module
from lstmkit.registry import class_key, lookup


class Sequential(Module):
    """A chain of single-input modules: children named "0", "1", ... in call order.

    Equations (modules m_0 ... m_{K-1}):

        forward:   a_0 = x,  a_{k+1} = m_k.forward(a_k),  y = a_K
        backward:  d_K = dy, d_k = m_k.backward(d_{k+1}), dx = d_0

    Parameters appear under dotted names (`0.weight`, `2.bias`); `train()` / `eval()`,
    `zero_grad()` and state dicts reach every child. Each module must take one array and
    return one array; the recurrent layers return `(y, state)` and so are not chained here.
    If a module's backward returns None (an `Embedding`: ids have no gradient), it must come
    first, and `backward` returns None.

    `len(seq)` counts the modules, `seq[k]` is the k-th (negative k from the end), `seq[a:b]`
    a new Sequential of the same module objects (sharing their parameters).

    Example:
        >>> import numpy as np
        >>> from lstmkit.nn import Dropout, Linear, Sequential
        >>> model = Sequential(Linear(8, 16, seed=0), Dropout(0.1, seed=1), Linear(16, 2, seed=2))
        >>> y = model(np.ones((5, 8)))              # x (..., 8) -> y (..., 2)
        >>> y.shape
        (5, 2)
        >>> dx = model.backward(np.ones_like(y))    # adds into model.grads["0.weight"], ...
        >>> dx.shape
        (5, 8)
        >>> sorted(model.params)
        ['0.bias', '0.weight', '2.bias', '2.weight']
    """

    def __init__(self, *modules):
        super().__init__()
        for position, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(
                    f"modules[{position}] must be an lstmkit Module; got {type(module).__name__}"
                )
            setattr(self, str(position), module)
        self._ran_forward = False

    def _modules(self) -> list:
        return [module for _, module in self.children()]

    def forward(self, x):
        """y = m_{K-1}(... m_1(m_0(x)))."""
        for module in self._modules():
            x = module(x)
        self._ran_forward = True
        return x

    def backward(self, dy):
        """dx for dy = dL/dy, through every module's backward in reverse order."""
        if not self._ran_forward:
            raise NoForwardPassError(
                "Sequential.backward called before forward: run forward(x) first"
            )
        modules = self._modules()
        for position in range(len(modules) - 1, -1, -1):
            dy = modules[position].backward(dy)
            if dy is None and position > 0:
                raise ValueError(
                    f"module {position} ({modules[position]!r}) returned no input gradient, so "
                    f"the modules before it cannot be trained; place it first"
                )
        return dy

    def __len__(self) -> int:
        return len(self._children)

    def __iter__(self):
        return iter(self._modules())

    def __getitem__(self, index):
        modules = self._modules()
        if isinstance(index, slice):
            return Sequential(*modules[index])
        try:
            return modules[index]
        except IndexError:
            raise IndexError(
                f"index {index} is out of range for a Sequential of {len(modules)} modules"
            ) from None
        except TypeError:
            raise TypeError(
                f"index must be an integer or a slice; got {type(index).__name__}"
            ) from None

    # ---- saving: the configuration lists each module's class and configuration -----------

    def get_config(self) -> dict:
        return {
            "modules": [
                {"class": class_key(type(module)), "init": module.get_config()}
                for module in self._modules()
            ]
        }

    @classmethod
    def from_config(cls, init: dict) -> "Sequential":
        return _build(cls, init)

    def __repr__(self) -> str:
        if not self._children:
            return "Sequential()"
        lines = [
            f"  ({name}): {module!r}".replace("\n", "\n  ") for name, module in self.children()
        ]
        return "Sequential(\n" + "\n".join(lines) + "\n)"


def _build(cls, init: dict) -> Module:
    """A module of class `cls` from its configuration, Sequentials rebuilt recursively."""
    if issubclass(cls, Sequential):
        return cls(*(_build(lookup(spec["class"]), spec["init"]) for spec in init["modules"]))
    return cls(**init)
