"""The per-step products of the compiled time loops at small batch, as plain compiled loops.

Never import this module directly: `lstmkit.ops.compiled_loops` (loaded by
`lstmkit.ops.jit.loops_for()`) imports it.

Why: each step of a recurrent layer multiplies the running rows of the state, n (N, K), by a
recurrent weight b (K, M): forward h @ W_hh^T (K = H, M = 4H for the LSTM), backward
dgates @ W_hh (K = 4H, M = H). OpenBLAS's sgemm packs the whole of b into its own layout on
every call, then runs a kernel built for many rows. Below about a million multiply-adds per
product it takes a path without that packing and runs near the core's peak; above, at a few
rows, the packing (a pass over the whole weight, out of L2 once it passes ~1 MiB) costs more
than the product: 4 rows of H = 343 took 200-250 us a step where the loop below takes 60-70 us.
The loop reads the weight once per step, as dot products over its rows: forward over W_hh
itself, backward over W_hh^T, each laid out once per call (`operand`, the layout BLAS would
get, transposed).

`matmul_rows(a, w, out)`: out = a @ w.T, a (n, K), w (M, K). Two rows of w at a time, against
four rows of a at a time:
    out[i:i+4, j:j+2] = sum over q of a[i:i+4, q] w[j:j+2, q]
eight sums kept in registers, six loads per eight multiply-adds, the loop over q unit-stride
and vectorised by the compiler (sums reassociated, `_JIT_DOT`); rows of a past a multiple of 4
take a 2x1 loop, an odd last row of w a 1x1 one. Measured against it at n = 4, 8, 16 and
H = 180-512 (CPU time, one thread): one row of w by four of a, 10-40 % slower; an axpy form
(out[i, :] += a[i, k] b[k, :] over four rows k of b = w^T at a time, no transposed copy), 10-50 %
slower; the axpy form over column blocks of 128, and over eight rows of b, slower still.

`use_loops(rows, inner, cols)`: the rule that picks them over BLAS (numba's `np.dot`).
Measured (AMD EPYC Zen 4, 1 MiB L2; scipy-openblas 0.3.30, SkylakeX kernels; one thread on a loaded
machine: median CPU time of 7 interleaved rounds), us per product, BLAS / loops; fwd (n, H) @ (H,
4H), bwd (n, 4H) @ (4H, H):

| H   |     | n=1       | n=2       | n=4       | n=8       | n=16      |
|-----|-----|-----------|-----------|-----------|-----------|-----------|
| 64  | fwd | 0.96/1.64 | 1.05/3.01 | 1.40/3.58 | 2.86/6.45 | 5.54/14.0 |
|     | bwd | 0.94/1.05 | 0.83/1.68 | 1.26/2.28 | 2.43/3.56 | 4.88/8.07 |
| 128 | fwd | 3.08/5.28 | 2.47/7.20 | 4.97/7.46 | 9.23/14.1 | 40.3/29.2 |
|     | bwd | 3.58/3.27 | 3.49/6.32 | 4.58/5.05 | 9.13/12.4 | 41.8/29.2 |
| 256 | fwd | 14.1/19.5 | 23.9/27.2 | 111/29.5  | 154/69.5  | 180/111   |
|     | bwd | 12.3/16.0 | 15.4/20.5 | 114/29.2  | 161/69.2  | 192/126   |
| 512 | fwd | 74.5/98.1 | 508/139   | 753/199   | 860/376   | 756/606   |
|     | bwd | 92.2/77.1 | 803/138   | 1182/185  | 943/322   | 1265/642  |

BLAS's cost jumps where it leaves its small-matrix kernels, past 10^6 multiply-adds per product
(OpenBLAS's limit for them): below, 4 rows of H = 227 (824K) 22/31 us, 8 of H = 160 (819K) 17/27, 12
of H = 128 (786K) 18/26, 3 of H = 256 (786K) 34/31 fwd and 31/40 bwd (even); above, 8 of H = 181
(1.05M) 75/50, 2 of H = 362 (1.05M) 295/70. From there the loops win up to 16 rows; at 32 rows the
two are even (71/79 us at H = 128, 275/259 at H = 256). At one row, whole loops (forward and
backward, T = 100) ran in 0.76-0.98 of the loops' time with BLAS at H = 128-512. Hence the loops for
2 <= rows <= 16 and rows * inner * cols > 10^6, BLAS otherwise. The threshold is OpenBLAS's (its
SkylakeX kernels, picked for this AVX-512 core): another BLAS or core would move it.
"""

import numpy as np
from numba import njit

from lstmkit.ops.fused import _F, _JIT_DOT

_ZERO = _F(0.0)

SMALL_ROWS = (2, 16)  # the rows for which the loops can win; see `use_loops`
BLAS_SMALL_PATH = 10**6  # multiply-adds per product up to which OpenBLAS does not pack


def use_loops(rows: int, inner: int, cols: int) -> bool:
    """True when the product (rows, inner) @ (inner, cols) runs faster as `matmul_rows` than
    through BLAS (the measurements of the module docstring)."""
    low, high = SMALL_ROWS
    return low <= rows <= high and rows * inner * cols > BLAS_SMALL_PATH


def use_loops_for(batch_sizes, weight_hh) -> bool:
    """`use_loops` for a scan's recurrent product at its widest step (batch_sizes[0] rows of
    `weight_hh`): forward and backward multiply the same sizes, so one answer serves both."""
    return use_loops(int(batch_sizes[0]), *weight_hh.shape)


def operand(weight, small: bool):
    """The right operand of the product x @ weight.T, laid out (C order) for the path `small`
    picks: weight itself for `matmul_rows`, weight.T for BLAS (`contiguous_t`, faster there
    than the transposed view). Made once per call, then used at every step; a transposed copy
    by `_transposed`."""
    wanted = weight if small else weight.T
    if wanted.flags.c_contiguous:
        return wanted
    if wanted.dtype != np.float32 or not wanted.T.flags.c_contiguous:
        return np.ascontiguousarray(wanted)
    out = np.empty(wanted.shape, np.float32)
    _transposed(wanted.T, out)
    return out


@njit(**_JIT_DOT)
def _transposed(src, out):
    """out = src.T (C order), in tiles of 16 x 16: NumPy's copy of a transposed view walks one
    of the two arrays with a stride of a whole row, and at power-of-two row lengths those
    strides collide in the cache: a (2048, 512) float32 weight took 3.9 ms to transpose (0.12
    ms to copy), 1.05 ms in tiles; (1024, 256) 0.36 and 0.22 ms. Tiles of 8-64 rows and
    columns, in either order, measured within 10 % of these; larger ones lost the gain."""
    rows, cols = src.shape
    for i0 in range(0, rows, 16):
        for j0 in range(0, cols, 16):
            for j in range(j0, min(j0 + 16, cols)):
                for i in range(i0, min(i0 + 16, rows)):
                    out[j, i] = src[i, j]


@njit(**_JIT_DOT)
def matmul_rows(a, w, out):
    """out = a @ w.T for a (n, K), w (M, K), out (n, M), all C-contiguous float32, n small."""
    rows, cols = a.shape[0], w.shape[0]
    if rows == 1:  # a matrix-vector product: one stream of w, one sum at a time
        x = a[0]
        for j in range(cols):
            out[0, j] = _dots_2x1(w[j], w[j], x)[0]
        return
    for j in range(0, cols - 1, 2):  # two rows of w at a time, each read once per call
        w0, w1 = w[j], w[j + 1]
        i = 0
        while i + 3 < rows:
            s0, s1, s2, s3, t0, t1, t2, t3 = _dots_2x4(w0, w1, a[i], a[i + 1], a[i + 2], a[i + 3])
            out[i, j], out[i + 1, j], out[i + 2, j], out[i + 3, j] = s0, s1, s2, s3
            out[i, j + 1], out[i + 1, j + 1], out[i + 2, j + 1], out[i + 3, j + 1] = t0, t1, t2, t3
            i += 4
        for rest in range(i, rows):
            out[rest, j], out[rest, j + 1] = _dots_2x1(w0, w1, a[rest])
    if cols % 2:  # the last row of w
        w0 = w[cols - 1]
        for i in range(rows):
            out[i, cols - 1] = _dots_2x1(w0, w0, a[i])[0]


@njit(inline="always", **_JIT_DOT)
def _dots_2x4(w0, w1, x0, x1, x2, x3):
    """The 8 dot products of w0, w1 with x0..x3 (all (K,)): 6 loads per 8 multiply-adds, the
    sums in registers."""
    s0 = s1 = s2 = s3 = t0 = t1 = t2 = t3 = _ZERO
    for q in range(w0.shape[0]):
        u, v = w0[q], w1[q]
        s0 += u * x0[q]
        s1 += u * x1[q]
        s2 += u * x2[q]
        s3 += u * x3[q]
        t0 += v * x0[q]
        t1 += v * x1[q]
        t2 += v * x2[q]
        t3 += v * x3[q]
    return s0, s1, s2, s3, t0, t1, t2, t3


@njit(inline="always", **_JIT_DOT)
def _dots_2x1(w0, w1, x0):
    """The dot products of w0 and w1 with x0 (all (K,))."""
    s0 = t0 = _ZERO
    for q in range(w0.shape[0]):
        s0 += w0[q] * x0[q]
        t0 += w1[q] * x0[q]
    return s0, t0
