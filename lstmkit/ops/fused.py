"""Fused element-wise kernels of the LSTM, GRU and RNN steps (numba; float32, default options).

Never import this module directly: `lstmkit.ops.jit.fused_kernels()` imports it on first use
(numba is optional and takes a while to load) and returns None when numba is unavailable.

Why: at the sizes that matter the NumPy step spends more time in a dozen separate element-wise
calls (each a pass over memory plus call overhead) than in its GEMM. Each kernel here does a
step's whole element-wise work in one pass. The equations are those of `lstmkit.cells`
(module docstrings of `cells/lstm.py`, `cells/gru.py`, `cells/rnn.py`), written per element.

The loops are vectorised by the compiler only if sigmoid and tanh are plain arithmetic, so they
use a rational approximation of tanh (a degree-13 odd polynomial over a degree-6 even one on
[-7.905, 7.905], saturating outside; the coefficients are those of Eigen's float tanh) and
sigmoid(z) = 0.5 + 0.5 * tanh(z / 2). Its largest error against the exact tanh is 3.6e-7
(tests/ops/test_fused.py measures it), the size of float32 rounding, so it is used for float32
only; float64 keeps NumPy's exact functions (finite-difference checks run there).

Kernels are compiled on first call and cached on disk (`cache=True`), so the compile cost
(a few seconds) is paid once per installation, not per process.
"""

import numpy as np
from numba import njit

_JIT = {"cache": True, "error_model": "numpy", "fastmath": {"contract"}}

_F = np.float32
_BOUND = _F(7.90531110763549805)  # beyond this, float32 tanh is +-1
_A1, _A3, _A5 = _F(4.89352455891786e-03), _F(6.37261928875436e-04), _F(1.48572235717979e-05)
_A7, _A9 = _F(5.12229709037114e-08), _F(-8.60467152213735e-11)
_A11, _A13 = _F(2.00018790482477e-13), _F(-2.76076847742355e-16)
_B0, _B2 = _F(4.89352518554385e-03), _F(2.26843463243900e-03)
_B4, _B6 = _F(1.18534705686654e-04), _F(1.19825839466702e-06)
_HALF, _ONE = _F(0.5), _F(1.0)


@njit(inline="always", **_JIT)
def _tanh(x):
    # comparisons, not min/max: a NaN must stay NaN (min/max would turn it into a bound)
    if x > _BOUND:
        x = _BOUND
    if x < -_BOUND:
        x = -_BOUND
    x2 = x * x
    p = x2 * _A13 + _A11
    p = x2 * p + _A9
    p = x2 * p + _A7
    p = x2 * p + _A5
    p = x2 * p + _A3
    p = x * (x2 * p + _A1)
    q = x2 * _B6 + _B4
    q = x2 * q + _B2
    q = x2 * q + _B0
    return p / q


@njit(inline="always", **_JIT)
def _sigmoid(x):
    return _HALF + _HALF * _tanh(_HALF * x)


@njit(**_JIT)
def tanh_(z):
    """Replace the 2-D float32 array z by tanh(z) in place (the kernels' approximation)."""
    rows, cols = z.shape
    for b in range(rows):
        for j in range(cols):
            z[b, j] = _tanh(z[b, j])


@njit(**_JIT)
def lstm_forward(gates, recurrent, bias, c_prev, c, act_c, r):
    """LSTM step (n rows): gates (n, 4H) holds x W_ih^T on entry and i, f, g, o on exit.

    z = gates + recurrent + bias (bias = b_ih + b_hh, added here rather than in a pass over
    the whole (T, N, 4H) array); i, f, o = sigmoid(z_i, z_f, z_o); g = tanh(z_g);
    c = f * c_prev + i * g; act_c = tanh(c); r = o * act_c.
    """
    # Every loop runs over 1-D row views from index 0: with offsets into 2-D rows (gates[b,
    # hidden + j]) the compiler did not vectorise the loop and the kernel ran 5x slower.
    rows, hidden = c.shape
    bi, bf, bg, bo = _split4(bias, hidden)
    for b in range(rows):
        gi, gf, gg, go = _split4(gates[b], hidden)
        ri, rf, rg, ro = _split4(recurrent[b], hidden)
        cp, cb, ab, rb = c_prev[b], c[b], act_c[b], r[b]
        for j in range(hidden):
            i = _sigmoid(gi[j] + ri[j] + bi[j])
            f = _sigmoid(gf[j] + rf[j] + bf[j])
            g = _tanh(gg[j] + rg[j] + bg[j])
            o = _sigmoid(go[j] + ro[j] + bo[j])
            c_new = f * cp[j] + i * g
            a = _tanh(c_new)
            gi[j], gf[j], gg[j], go[j] = i, f, g, o
            cb[j], ab[j], rb[j] = c_new, a, o * a


@njit(**_JIT)
def lstm_backward(dh, dy, dc, gates, c_prev, act_c, dgates):
    """LSTM step backward (n rows), dr = dh + dy (the gradient at r = o * tanh(c)).

    dc (n, H): the gradient at c on entry, at c_prev on exit. Writes dz into dgates (n, 4H):
    dc' = dc + dr * o * (1 - act_c^2); dz_o = dr * act_c * o(1 - o); dz_i = dc' g i(1 - i);
    dz_f = dc' c_prev f(1 - f); dz_g = dc' i (1 - g^2); dc_prev = dc' f.
    """
    for b in range(dc.shape[0]):
        _lstm_backward_row(dh[b], dy[b], dc[b], gates[b], c_prev[b], act_c[b], dgates[b])


@njit(inline="always", **_JIT)
def _lstm_backward_row(dhb, dyb, dcb, gates_row, cp, ab, dgates_row):
    """`lstm_backward` for one row (1-D views)."""
    hidden = dcb.shape[0]
    gi, gf, gg, go = _split4(gates_row, hidden)
    di, df, dg, do = _split4(dgates_row, hidden)
    for j in range(hidden):
        i, f, g, o, a = gi[j], gf[j], gg[j], go[j], ab[j]
        dr = dhb[j] + dyb[j]
        dcn = dcb[j] + dr * o * (_ONE - a * a)
        di[j] = dcn * g * i * (_ONE - i)
        df[j] = dcn * cp[j] * f * (_ONE - f)
        dg[j] = dcn * i * (_ONE - g * g)
        do[j] = dr * a * o * (_ONE - o)
        dcb[j] = dcn * f


@njit(**_JIT)
def gru_forward(gates, recurrent, bias_hh, h_prev, h_new, hn):
    """GRU step with linear_before_reset (n rows); recurrent = h_prev W_hh^T (no bias).

    gates (n, 3H) holds x W_ih^T + b_ih on entry and r, z, n on exit; hn = W_hn h + b_hn;
    r = sigmoid(.. + W_hr h + b_hr), z = sigmoid(..), n = tanh(.. + r * hn), h' = n + z (h - n).
    """
    rows, hidden = h_prev.shape
    br, bz, bn = _split3(bias_hh, hidden)
    for b in range(rows):
        gr, gz, gn = _split3(gates[b], hidden)
        rr, rz, rn = _split3(recurrent[b], hidden)
        hp, hb, hnb = h_prev[b], h_new[b], hn[b]
        for j in range(hidden):
            r = _sigmoid(gr[j] + rr[j] + br[j])
            z = _sigmoid(gz[j] + rz[j] + bz[j])
            hn_j = rn[j] + bn[j]
            n = _tanh(gn[j] + r * hn_j)
            gr[j], gz[j], gn[j] = r, z, n
            hnb[j] = hn_j
            hb[j] = n + z * (hp[j] - n)


@njit(**_JIT)
def gru_backward(dh, dh_rec, g, gates, h_prev, hn, dgates, drec):
    """GRU step backward with linear_before_reset (n rows).

    g holds dy on entry; the gradient at h' is d = dh + dh_rec + dy (dh_rec: the previous
    GEMM's output). Writes [da_r, da_z, dz_n] into dgates (n, 3H), dz_n * r (the gradient of
    the recurrent n rows' output) over g (in place for the reason of rnn_forward),
    [da_r, da_z, dz_n * r] into drec (n, 3H) for the one GEMM drec @ W_hh, and d * z (the
    direct path) into dh.
    """
    rows, hidden = h_prev.shape
    for b in range(rows):
        gr, gz, gn = _split3(gates[b], hidden)
        dr_, dz_, dn_ = _split3(dgates[b], hidden)
        er, ez, en = _split3(drec[b], hidden)
        dhb, dhr, gb, hp, hnb = dh[b], dh_rec[b], g[b], h_prev[b], hn[b]
        for j in range(hidden):
            r, z, n = gr[j], gz[j], gn[j]
            d = dhb[j] + dhr[j] + gb[j]
            da_z = d * (hp[j] - n) * z * (_ONE - z)
            dz_n = d * (_ONE - z) * (_ONE - n * n)
            da_r = dz_n * hnb[j] * r * (_ONE - r)
            dn_h = dz_n * r
            dr_[j], dz_[j], dn_[j] = da_r, da_z, dz_n
            er[j], ez[j], en[j] = da_r, da_z, dn_h
            gb[j] = dn_h
            dhb[j] = d * z


@njit(**_JIT)
def rnn_forward(z, recurrent, bias):
    """tanh RNN step (n rows), in place: z holds x W_ih^T on entry and
    h' = tanh(z + recurrent + bias) on exit.

    In place, not into a separate output, because LLVM vectorises a loop over two arrays only
    after a run-time check that they do not overlap; handed the same array twice, the check
    fails and the loop runs scalar (4x slower, measured). One array it vectorises outright.
    """
    rows, hidden = z.shape
    for b in range(rows):
        zb, rb = z[b], recurrent[b]
        for j in range(hidden):
            zb[j] = _tanh(zb[j] + rb[j] + bias[j])


@njit(**_JIT)
def rnn_backward(dh, g, h_new):
    """tanh RNN step backward (n rows), in place: g holds dy on entry and the pre-activation
    gradient da = (dh + dy) * (1 - h'^2) on exit (in place for the reason of rnn_forward)."""
    rows, hidden = h_new.shape
    for b in range(rows):
        dhb, gb, hb = dh[b], g[b], h_new[b]
        for j in range(hidden):
            y = hb[j]
            gb[j] = (dhb[j] + gb[j]) * (_ONE - y * y)


@njit(inline="always", **_JIT)
def _split4(row, hidden):
    return row[:hidden], row[hidden : 2 * hidden], row[2 * hidden : 3 * hidden], row[3 * hidden :]


@njit(inline="always", **_JIT)
def _split3(row, hidden):
    return row[:hidden], row[hidden : 2 * hidden], row[2 * hidden :]


# ---- whole steps for streaming at small batch: the products computed in the kernel ---------------
# One call per layer instead of two GEMMs plus element-wise calls: at N = 1 the per-call overhead
# is the whole cost. The dot products may be reordered ("reassoc") so that they vectorise.

_JIT_DOT = {"cache": True, "error_model": "numpy", "fastmath": {"contract", "reassoc"}}


@njit(inline="always", **_JIT_DOT)
def _poison(a):
    """0 when every element of the 1-D array is finite, else NaN (x * 0 is NaN for inf, NaN)."""
    total = _F(0.0)
    for q in range(a.shape[0]):
        total += a[q] * _F(0.0)
    return total


@njit(inline="always", **_JIT_DOT)
def _matvec_add(weight, v, z):
    """z += weight @ v (weight (K, M), v (M,), z (K,))."""
    for k in range(z.shape[0]):
        w = weight[k]
        acc = z[k]
        for q in range(v.shape[0]):
            acc += w[q] * v[q]
        z[k] = acc


@njit(**_JIT_DOT)
def lstm_step(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, h_out, c_out):
    """One LSTM step (no projection): h_out, c_out from x (n, I), h, c (n, H).

    Returns True when x, h and c were all finite (the caller's input check).
    """
    rows, hidden = c.shape
    z = np.empty(4 * hidden, dtype=c.dtype)
    poison = _F(0.0)
    for b in range(rows):
        poison += _poison(x[b]) + _poison(h[b]) + _poison(c[b])
        z[:] = bias_ih
        z += bias_hh
        _matvec_add(weight_ih, x[b], z)
        _matvec_add(weight_hh, h[b], z)
        zi, zf, zg, zo = _split4(z, hidden)
        cp, cb, hb = c[b], c_out[b], h_out[b]
        for j in range(hidden):
            c_new = _sigmoid(zf[j]) * cp[j] + _sigmoid(zi[j]) * _tanh(zg[j])
            cb[j] = c_new
            hb[j] = _sigmoid(zo[j]) * _tanh(c_new)
    return poison == 0


@njit(**_JIT_DOT)
def gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh, h_out):
    """One GRU step with linear_before_reset: h_out from x (n, I), h (n, H); True if finite."""
    rows, hidden = h.shape
    zx = np.empty(3 * hidden, dtype=h.dtype)
    zh = np.empty(3 * hidden, dtype=h.dtype)
    poison = _F(0.0)
    for b in range(rows):
        poison += _poison(x[b]) + _poison(h[b])
        zx[:] = bias_ih
        _matvec_add(weight_ih, x[b], zx)
        zh[:] = bias_hh
        _matvec_add(weight_hh, h[b], zh)
        xr, xz, xn = _split3(zx, hidden)
        hr, hz, hn = _split3(zh, hidden)
        hp, hb = h[b], h_out[b]
        for j in range(hidden):
            r = _sigmoid(xr[j] + hr[j])
            z = _sigmoid(xz[j] + hz[j])
            n = _tanh(xn[j] + r * hn[j])
            hb[j] = n + z * (hp[j] - n)
    return poison == 0


@njit(**_JIT_DOT)
def rnn_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh, h_out):
    """One tanh RNN step: h_out = tanh(W_ih x + W_hh h + biases) per row; True if finite."""
    rows, hidden = h.shape
    z = np.empty(hidden, dtype=h.dtype)
    poison = _F(0.0)
    for b in range(rows):
        poison += _poison(x[b]) + _poison(h[b])
        z[:] = bias_ih
        z += bias_hh
        _matvec_add(weight_ih, x[b], z)
        _matvec_add(weight_hh, h[b], z)
        hb = h_out[b]
        for j in range(hidden):
            hb[j] = _tanh(z[j])
    return poison == 0
