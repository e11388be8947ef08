"""CRF: a linear-chain conditional random field over per-step tag scores (emissions).

Shapes: emissions e (N, T, K) with K tags, lengths (N,) ints in 1..T, tags y (N, T) ints in
0..K-1 (positions past a sequence's length are ignored). Parameters: transitions (K, K),
transitions[i, j] the score of tag j following tag i; start (K,); end (K,).

The score of a tag path y_0..y_{L-1} of a sequence of length L:

    score(y) = start[y_0] + sum_{t<L} e[t, y_t] + sum_{0<t<L} transitions[y_{t-1}, y_t]
               + end[y_{L-1}]
    p(y | e) = exp(score(y)) / Z,   log Z = logsumexp over all K^L paths of score(y)
    nll      = log Z - score(y)

Forward algorithm (log space, every logsumexp shifted by its maximum so exp never overflows):

    alpha[0, j] = start[j] + e[0, j]
    alpha[t, j] = logsumexp_i(alpha[t-1, i] + transitions[i, j]) + e[t, j]       0 < t < L
    log Z       = logsumexp_j(alpha[L-1, j] + end[j])

Backward algorithm, for the marginals:

    beta[L-1, i] = end[i]
    beta[t, i]   = logsumexp_j(transitions[i, j] + e[t+1, j] + beta[t+1, j])      t < L-1
    p(y_t = j)               = exp(alpha[t, j] + beta[t, j] - log Z)
    p(y_{t-1} = i, y_t = j)  = exp(alpha[t-1, i] + transitions[i, j] + e[t, j] + beta[t, j] - log Z)

The gradient of nll is "expected counts minus observed counts" (d log Z / d theta is the
expected value of d score / d theta under p):

    d nll / d e[t, j]             = p(y_t = j) - [y_t == j]
    d nll / d transitions[i, j]   = sum_{0<t<L} p(y_{t-1} = i, y_t = j) - [y_{t-1} == i, y_t == j]
    d nll / d start[j]            = p(y_0 = j) - [y_0 == j]
    d nll / d end[j]              = p(y_{L-1} = j) - [y_{L-1} == j]

Viterbi decoding replaces logsumexp by max and keeps the arg max as a back-pointer:

    delta[0, j] = start[j] + e[0, j]
    delta[t, j] = max_i(delta[t-1, i] + transitions[i, j]) + e[t, j],  back[t, j] = arg max_i
    y_{L-1} = arg max_j(delta[L-1, j] + end[j]),   y_{t-1} = back[t, y_t]

In a padded batch every recursion runs over all T steps and a sequence's alpha / delta stop
changing past its length (its beta is `end` from its last step on), so each sequence gets
exactly what it would get alone.
"""

import numpy as np

from lstmkit.errors import NoForwardPassError
from lstmkit.module import Module, parameter_array
from lstmkit.validation import (
    check_array,
    check_lengths,
    check_positive_int,
    resolve_dtype,
)

REDUCTIONS = ("mean", "sum", "none")


def logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    """log(sum(exp(a), axis)), shifted by the maximum along `axis` (finite for finite a)."""
    m = a.max(axis=axis, keepdims=True)
    out = np.log(np.exp(a - m).sum(axis=axis, keepdims=True)) + m
    return np.squeeze(out, axis=axis)


class CRF(Module):
    """Linear-chain CRF layer: negative log-likelihood of tag paths, its gradient, Viterbi.

    Equations in the module docstring.

    Args:
        num_tags: K, the number of tags.
        dtype: "float32" (default) or "float64"; emissions are cast to it.

    The parameters start at zero (every path equally likely given the emissions); they need no
    random initialisation, since the emissions already differ between tags.

    `forward(emissions, tags, lengths=None, reduction="mean")` returns the negative
    log-likelihood: per sequence ("none", shape (N,)), summed ("sum") or averaged over the N
    sequences ("mean"). `backward(dloss=1.0)` adds the parameters' gradients into `grads` and
    returns d loss / d emissions (N, T, K), zero past each length. `decode(emissions, lengths)`
    returns the Viterbi paths.

    Example:
        >>> crf = CRF(3)
        >>> e = np.zeros((2, 4, 3), np.float32)
        >>> loss = crf(e, np.zeros((2, 4), int), lengths=[4, 2])   # log(3^4) and log(3^2), mean
        >>> paths, scores = crf.decode(e, lengths=[4, 2])
    """

    def __init__(self, num_tags, dtype="float32"):
        super().__init__()
        self.num_tags = check_positive_int(num_tags, "num_tags")
        self.dtype = resolve_dtype(dtype)
        k = self.num_tags
        self.transitions = self.add_parameter("transitions", parameter_array((k, k), self.dtype))
        self.start = self.add_parameter("start", parameter_array(k, self.dtype))
        self.end = self.add_parameter("end", parameter_array(k, self.dtype))
        self._cache = None

    def get_config(self) -> dict:
        return {"num_tags": self.num_tags, "dtype": self.dtype.name}

    # ---- input checks ------------------------------------------------------------------------

    def _check_emissions(self, emissions, lengths):
        e = np.asarray(emissions)
        if e.ndim != 3 or e.shape[2] != self.num_tags or 0 in e.shape:
            raise ValueError(
                f"emissions must have shape (N, T, {self.num_tags}) with N, T >= 1; got {e.shape}"
            )
        e = check_array(e, "emissions", e.shape, self.dtype)
        n, t = e.shape[:2]
        lengths = check_lengths(lengths, n, t)
        if lengths is None:
            lengths = np.full(n, t, dtype=np.int64)
        return e, lengths

    def _check_tags(self, tags, shape, lengths) -> np.ndarray:
        y = np.asarray(tags)
        if y.shape != shape:
            raise ValueError(f"tags must have shape {shape}, one tag per step; got {y.shape}")
        if y.dtype.kind not in "iu":
            raise TypeError(f"tags must be integers; got dtype {y.dtype}")
        valid = np.arange(shape[1]) < lengths[:, None]
        bad = np.argwhere(valid & ((y < 0) | (y >= self.num_tags)))
        if bad.size:
            n, t = (int(i) for i in bad[0])
            raise ValueError(
                f"tags must lie in 0..{self.num_tags - 1} within each length; "
                f"got tags[{n}, {t}] = {y[n, t]}"
            )
        return np.where(valid, y, 0).astype(np.intp)

    # ---- scores ------------------------------------------------------------------------------

    def _alpha(self, e, lengths):
        """alpha (T, N, K), frozen past each length, and log Z (N,)."""
        n, steps, k = e.shape
        alpha = np.empty((steps, n, k), self.dtype)
        alpha[0] = self.start + e[:, 0]
        for t in range(1, steps):
            # (N, K_from, 1) + (K_from, K_to) -> reduce over K_from
            new = logsumexp(alpha[t - 1][:, :, None] + self.transitions, axis=1) + e[:, t]
            alpha[t] = np.where((t < lengths)[:, None], new, alpha[t - 1])
        log_z = logsumexp(alpha[-1] + self.end, axis=1)
        return alpha, log_z

    def _beta(self, e, lengths):
        """beta (T, N, K): `end` from each sequence's last step on."""
        n, steps, k = e.shape
        beta = np.empty((steps, n, k), self.dtype)
        beta[-1] = self.end
        for t in range(steps - 2, -1, -1):
            # (K_from, K_to) + (N, 1, K_to) -> reduce over K_to
            new = logsumexp(self.transitions + (e[:, t + 1] + beta[t + 1])[:, None, :], axis=2)
            beta[t] = np.where((t + 1 < lengths)[:, None], new, self.end)
        return beta

    def path_score(self, emissions, tags, lengths=None) -> np.ndarray:
        """score(y) (N,) of the given tag paths (equation in the module docstring)."""
        e, lengths = self._check_emissions(emissions, lengths)
        y = self._check_tags(tags, e.shape[:2], lengths)
        return self._path_score(e, y, lengths)

    def _path_score(self, e, y, lengths):
        n, steps, _ = e.shape
        valid = np.arange(steps) < lengths[:, None]
        rows = np.arange(n)
        emitted = np.take_along_axis(e, y[:, :, None], axis=2)[:, :, 0]
        score = (emitted * valid).sum(axis=1, dtype=np.float64)
        moved = self.transitions[y[:, :-1], y[:, 1:]] * valid[:, 1:]
        score += moved.sum(axis=1, dtype=np.float64)
        score += self.start[y[:, 0]] + self.end[y[rows, lengths - 1]]
        return score

    def log_partition(self, emissions, lengths=None) -> np.ndarray:
        """log Z (N,) by the forward algorithm."""
        e, lengths = self._check_emissions(emissions, lengths)
        return self._alpha(e, lengths)[1].astype(np.float64)

    def marginals(self, emissions, lengths=None) -> np.ndarray:
        """p(y_t = j) (N, T, K) by forward-backward; zero past each length."""
        e, lengths = self._check_emissions(emissions, lengths)
        alpha, log_z = self._alpha(e, lengths)
        beta = self._beta(e, lengths)
        return self._unary_marginals(alpha, beta, log_z, lengths)

    def _unary_marginals(self, alpha, beta, log_z, lengths):
        p = np.exp(alpha + beta - log_z[:, None]).transpose(1, 0, 2)
        valid = np.arange(p.shape[1]) < lengths[:, None]
        return p * valid[:, :, None]

    # ---- loss and gradient -------------------------------------------------------------------

    def forward(self, emissions, tags, lengths=None, reduction="mean"):
        """Negative log-likelihood of `tags`: (N,) for "none", a float for "sum" / "mean"."""
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}; got {reduction!r}")
        e, lengths = self._check_emissions(emissions, lengths)
        y = self._check_tags(tags, e.shape[:2], lengths)
        alpha, log_z = self._alpha(e, lengths)
        nll = log_z.astype(np.float64) - self._path_score(e, y, lengths)
        self._cache = (e, y, lengths, alpha, log_z, reduction)
        if reduction == "none":
            return nll
        return float(nll.sum() if reduction == "sum" else nll.mean())

    def backward(self, dloss=1.0):
        """d loss / d emissions (N, T, K); adds d loss / d (transitions, start, end) to grads.

        `dloss` is a scalar for "sum" / "mean" and an (N,) array for "none".
        """
        if self._cache is None:
            raise NoForwardPassError("CRF.backward called before forward: run forward(...) first")
        e, y, lengths, alpha, log_z, reduction = self._cache
        n, steps, k = e.shape
        if reduction == "none":
            w = check_array(dloss, "dloss", (n,), np.float64)
        else:
            w = np.full(n, float(dloss) / (n if reduction == "mean" else 1))
        w = w.astype(self.dtype)
        beta = self._beta(e, lengths)
        valid = np.arange(steps) < lengths[:, None]
        observed = np.zeros((n, steps, k), self.dtype)
        np.put_along_axis(observed, y[:, :, None], 1, axis=2)
        observed *= valid[:, :, None]
        p = self._unary_marginals(alpha, beta, log_z, lengths)
        de = (p - observed) * w[:, None, None]

        grads = self._own_grads
        rows = np.arange(n)
        grads["start"] += w @ (p[:, 0] - observed[:, 0])
        last = lengths - 1
        grads["end"] += w @ (p[rows, last] - observed[rows, last])
        dtrans = np.zeros((k, k), np.float64)
        for t in range(1, steps):
            live = t < lengths
            if not live.any():
                break
            scale = (w * live)[:, None, None]
            # pairwise marginals (N, K_from, K_to)
            log_xi = (
                alpha[t - 1][:, :, None]
                + self.transitions
                + (e[:, t] + beta[t])[:, None, :]
                - log_z[:, None, None]
            )
            dtrans += (np.exp(log_xi) * scale).sum(axis=0)
        np.add.at(dtrans, (y[:, :-1], y[:, 1:]), -(w[:, None] * valid[:, 1:]))
        grads["transitions"] += dtrans.astype(self.dtype)
        return de

    # ---- decoding ----------------------------------------------------------------------------

    def decode(self, emissions, lengths=None):
        """Viterbi: (paths (N, T) int64 with -1 past each length, best scores (N,))."""
        e, lengths = self._check_emissions(emissions, lengths)
        n, steps, k = e.shape
        delta = self.start + e[:, 0]
        back = np.zeros((steps, n, k), np.intp)
        for t in range(1, steps):
            candidates = delta[:, :, None] + self.transitions  # (N, K_from, K_to)
            best = candidates.argmax(axis=1)
            new = np.take_along_axis(candidates, best[:, None, :], axis=1)[:, 0] + e[:, t]
            live = (t < lengths)[:, None]
            delta = np.where(live, new, delta)
            back[t] = best
        final = delta + self.end
        current = final.argmax(axis=1)
        scores = final[np.arange(n), current].astype(np.float64)
        paths = np.full((n, steps), -1, np.int64)
        rows = np.arange(n)
        for t in range(steps - 1, -1, -1):
            live = t < lengths
            paths[live, t] = current[live]
            if t > 0:
                current = np.where(live, back[t, rows, current], current)
        return paths, scores

    def __repr__(self) -> str:
        extra = "" if self.dtype == np.float32 else f", dtype='{self.dtype.name}'"
        return f"CRF({self.num_tags}{extra})"
