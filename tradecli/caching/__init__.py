"""Caches that make a second run faster and never different.

- ``keys``: the content key of a file (a hash of all of it, xxh3-128), and what
  is large enough to cache; never reads a file that is not a regular file.
- ``store``: where entries live (a directory of the user's own, mode 0700) and
  how one is written (atomically, with a checksum of its body) and read back
  (only when the user owns it, nobody else may write it, and the checksum holds).
- ``parsed``: parsed observations of a large file, as memory-mapped Arrow IPC; and
  entries derived from them (``parsed.Keyed``): ``Dataset.columns`` stores the
  series as columns (``engine.bulk.Columns.save``) beside the file's entry.
- ``results``: what a read-only command wrote, replayed by an identical run.

Nothing here imports pandas or pyarrow except ``parsed``.
"""

# The console script sets this (``cli.process.run``): ``parsed`` then writes an entry in a
# thread, while the command works out its answer, and ``parsed.settle`` waits for it.
write_behind = False
