"""Seeds and child streams: the one place where lstmkit turns a `seed` into random numbers.

Every random thing in lstmkit takes `seed` (or `rng`), one of

- None: fresh entropy from the operating system (not reproducible);
- an int >= 0 (or a NumPy integer): the same int gives the same numbers, bit for bit;
- a `np.random.SeedSequence`: treated as a value, like an int (the same sequence gives the
  same numbers; lstmkit never advances its spawn counter);
- a `np.random.Generator`: its draws are used, so using it advances it (as scikit-learn's
  `random_state` does with a `RandomState`); the same generator state gives the same numbers.

Nothing here touches NumPy's global generator.

Where one seed must feed several independent things (the layers of a network, the members of
an ensemble, the epochs of a training run), each gets a child stream spawned from a
`np.random.SeedSequence`:

    child(seed, k) = SeedSequence(seed, spawn_key=(k,))      for an int seed

never `seed + k`: sums collide (member 1 of seed 0 would be member 0 of seed 1000), spawn keys
do not. Children of a child extend the spawn key, `(k, j)`, so a whole tree of streams drawn
from one seed stays distinct by construction. The children of an int seed are exactly NumPy's
`np.random.SeedSequence(seed).spawn(n)`.

A Generator has no fixed identity to spawn from, so a Generator's children come from 128 bits
drawn from it (`generator.integers`, which advances it) as the entropy of a new SeedSequence;
they therefore depend on the generator's current state, and a generator restored to a saved
state gives the same children again.
"""

import numbers

import numpy as np

SEED_TYPES = "None, an int >= 0, a np.random.Generator or a np.random.SeedSequence"


def check_seed(seed, name: str = "seed"):
    """Return `seed` unchanged if it is one of `SEED_TYPES`; otherwise raise.

    TypeError for any other type (bool and float included: `True` and `1.0` are not seeds);
    ValueError for a negative int. The message names the argument, what was expected and what
    came, e.g. ``seed must be None, an int >= 0, ...; got -1``.
    """
    if seed is None or isinstance(seed, np.random.Generator | np.random.SeedSequence):
        return seed
    if isinstance(seed, bool | np.bool_) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be {SEED_TYPES}; got {_describe(seed)}")
    if seed < 0:
        raise ValueError(f"{name} must be {SEED_TYPES}; got {int(seed)}")
    return seed


def as_generator(seed, name: str = "seed") -> np.random.Generator:
    """A `np.random.Generator` for `seed` (checked with `check_seed`).

    A Generator comes back as is (the caller then draws from, and advances, the caller's
    generator); None, an int or a SeedSequence gives a new PCG64 generator, as
    `np.random.default_rng` does.
    """
    return np.random.default_rng(_plain(check_seed(seed, name)))


def seed_sequence(seed, name: str = "seed") -> np.random.SeedSequence:
    """The SeedSequence that `seed`'s children are spawned from.

    An int gives `SeedSequence(int)`; a SeedSequence comes back as is; None gives one with
    fresh entropy; a Generator gives one whose entropy is 128 bits drawn from it (advancing it).
    """
    seed = check_seed(seed, name)
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        words = seed.integers(0, 2**32, size=4, dtype=np.uint64)
        return np.random.SeedSequence([int(word) for word in words])
    return np.random.SeedSequence(_plain(seed))


def spawn(seed, n: int, name: str = "seed") -> list[np.random.SeedSequence]:
    """`n` child seeds of `seed`: SeedSequences with spawn keys `(*key, 0)` ... `(*key, n - 1)`.

    Children of the same int (or SeedSequence) are the same, bit for bit, whenever they are
    asked for; children of distinct `(seed, k)` never share a stream. For None the children
    share one fresh root; for a Generator one draw from it roots all `n` children. Each child
    is a valid `seed` for every lstmkit function.
    """
    _check_count(n, "n")
    root = seed_sequence(seed, name)
    return [_child_of(root, k) for k in range(n)]


def child(seed, k: int, name: str = "seed") -> np.random.SeedSequence:
    """Child `k` of `seed`: the same as `spawn(seed, k + 1)[k]` for an int or SeedSequence seed
    (for None or a Generator, a child of a new root at each call)."""
    _check_count(k, "k", minimum=0)
    return _child_of(seed_sequence(seed, name), k)


def seed_to_json(seed):
    """`seed` as a JSON value, for saving hyperparameters: an int stays an int; anything else
    (None, a Generator, a SeedSequence: nothing that rebuilds the same stream in a file)
    becomes None."""
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool | np.bool_):
        return int(seed)
    return None


def _child_of(root: np.random.SeedSequence, k: int) -> np.random.SeedSequence:
    # built from the root's entropy and key rather than `root.spawn`, which would advance the
    # root's spawn counter and make the same seed give different children on a second call
    return np.random.SeedSequence(
        root.entropy, spawn_key=(*root.spawn_key, k), pool_size=root.pool_size
    )


def _plain(seed):
    """NumPy integer -> int (SeedSequence takes Python ints); everything else unchanged."""
    if isinstance(seed, numbers.Integral):
        return int(seed)
    return seed


def _check_count(value, name: str, minimum: int = 0) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}; got {value!r}")


def _describe(value) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"
