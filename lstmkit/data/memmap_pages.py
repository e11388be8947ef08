"""Pages of a memory-mapped array given back once they have been read.

Reading a memory-mapped array (`np.load(path, mmap_mode="r")`) maps the pages it touches
into the process: they count in its resident memory until the mapping goes, even though the
kernel could drop them at any time (they are a clean copy of the file). A pass over a file
larger than memory (the statistics of every series, say) would so end with the whole file
counted as resident. `release_pages(view)` tells the kernel (madvise MADV_DONTNEED) that the
pages under `view` are not needed now: they leave the process's resident memory and stay in
the page cache, so reading them again costs a page fault, not a disk read. Arrays in memory,
and systems without madvise (Windows), are left as they are.
"""

import mmap

import numpy as np

_DONTNEED = getattr(mmap, "MADV_DONTNEED", None)
AROUND = max(mmap.PAGESIZE, 1 << 21)  # bytes given back around a view (see release_pages)


def release_pages(view) -> None:
    """Give back the pages under `view` if it is (a view of) a memory-mapped file."""
    mapping = _mapping_of(view)
    if mapping is None or _DONTNEED is None or view.size == 0:
        return
    start = _address(view) - np.frombuffer(mapping, dtype=np.uint8).ctypes.data
    # the view's first and last byte (a view with negative strides runs backwards)
    reach = [s * (n - 1) for s, n in zip(view.strides, view.shape, strict=True)]
    low = start + sum(min(0, r) for r in reach)
    high = start + view.itemsize + sum(max(0, r) for r in reach)
    # on a page fault the kernel maps the pages around the one read too (Linux's fault-around,
    # 64 KiB, or a whole large folio of the page cache, up to 2 MiB), so the aligned 2 MiB
    # blocks around the view go; a neighbour's page given back with them is mapped again from
    # the cache when it is read again
    first = low // AROUND * AROUND
    last = min(-(-high // AROUND) * AROUND, len(mapping))
    mapping.madvise(_DONTNEED, first, last - first)


def is_mapped(array) -> bool:
    """Whether `array` is (a view of) a memory-mapped file."""
    return _mapping_of(array) is not None


def released_one_by_one(views):
    """Each of `views` in turn; a memory-mapped one's pages are given back once the caller
    has moved on to the next (or stopped)."""
    for view in views:
        try:
            yield view
        finally:
            release_pages(view)


def _mapping_of(array):
    """The `mmap.mmap` under `array` (np.memmap and its views keep it as their base), or None."""
    base = array
    while isinstance(base, np.ndarray):
        base = base.base
    return base if isinstance(base, mmap.mmap) else None


def _address(array) -> int:
    return array.__array_interface__["data"][0]
