"""The process' C heap: what numpy, Arrow and Python freed, handed back to the system."""

from __future__ import annotations


def give_back() -> None:
    """Hand the C heap that was freed back to the system (glibc's ``malloc_trim``).

    Memory freed by ``free`` stays in its malloc arena, counted in the process' memory,
    until it is trimmed: glibc raises its threshold for mapping a block of its own as
    large blocks are freed (up to 32 MB), so the temporaries of a reading or of the bulk
    engine are carved from the arenas and leave them full of holes.
    Each reader thread has its own arena: at 10M rows about 75 MB, held through the whole
    command (``summary --no-cache``: its peak 1097 -> 1027 MB); ``engine.bulk.key_years``
    on a large file leaves about 80 MB more, where the command then makes its answers.
    Pages handed back cost a fault each when used again: for large frees only. A C library
    without ``malloc_trim`` (not glibc) is left alone."""
    import ctypes

    try:
        libc = ctypes.CDLL(None)
    except (OSError, TypeError):  # pragma: no cover - no symbols of its own (Windows:
        return  # CDLL(None) is a TypeError there)
    trim = getattr(libc, "malloc_trim", None)
    if trim is not None:
        trim(0)
