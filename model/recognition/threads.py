"""How many CPU threads the network may use, and how many kernels it keeps (KERNEL_CACHE).

On a 2-core laptop with one other busy process (a browser tab, a compiler), two intra-op
threads meet one free core and wait on each other at every barrier: `python -m model bench
--busy 1` measured e2e p95 293 ms with 2 threads against 76 ms with 1 (quiet: 62 against
71 ms).  So the default leaves half the cores to the rest of the machine (and to the UI
thread of the app), at least one thread, and never more than MAX_THREADS: the canvas is
small, and more threads than that buy nothing on it.  One inter-op thread: the network is
a single chain of convolutions.
"""
from __future__ import annotations

import os

import torch

MAX_THREADS = 4
# Convolution kernels oneDNN keeps, one per input shape it has met (its default: 1,024). Every
# zoom and size of inked region is a shape, so over a session of expressions the default grew
# the app by ~55 MB that no later stroke reused (`python -m model bench-memory`: 16, 64 and 128
# level off alike, 40 MB under the default); 128 holds the shapes a session comes back to.
KERNEL_CACHE = 128
KERNEL_CACHE_VARIABLE = "ONEDNN_PRIMITIVE_CACHE_CAPACITY"


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):   # not on Linux
        return os.cpu_count() or 1


def default_threads(cores: int | None = None) -> int:
    cores = available_cores() if cores is None else cores
    return max(1, min(MAX_THREADS, cores // 2))


def bound_kernel_cache() -> None:
    """Bound oneDNN's kernel cache (a value already in the environment wins). oneDNN reads it
    when it first builds a kernel, so this must run before the network's first call."""
    os.environ.setdefault(KERNEL_CACHE_VARIABLE, str(KERNEL_CACHE))


def apply(threads: int | None) -> int:
    """Set torch's thread counts (None: the default above) and bound its kernel cache;
    returns the intra-op count."""
    bound_kernel_cache()
    n = threads if threads and threads > 0 else default_threads()
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass   # only settable before the first parallel work; it was set then, or stays
    return n
