"""Simulate trl's best-fit-decreasing packing to report how full the packed sequences will be.

trl (``pack_dataset(strategy="bfd")``) truncates each sequence to ``max_length``, sorts a batch of rows
(``datasets.map``'s default 1000) by length, longest first, and puts each into the fullest bin that
still has room.  Efficiency = real tokens / (bins * max_length): the share of compute spent on data.
"""

from __future__ import annotations

import bisect
from typing import Any

TRL_MAP_BATCH = 1000


def bfd_bins(lengths: list[int], max_length: int) -> int:
    """Bins that best-fit-decreasing needs for ``lengths`` (each already <= max_length)."""
    spaces: list[int] = []  # free space of each open bin, sorted
    bins = 0
    for length in sorted((n for n in lengths if n > 0), reverse=True):
        i = bisect.bisect_left(spaces, length)
        if i < len(spaces):
            space = spaces.pop(i)
        else:
            bins += 1
            space = max_length
        if space - length > 0:
            bisect.insort(spaces, space - length)
    return bins


def packing_report(lengths: list[int], max_length: int, batch_size: int = TRL_MAP_BATCH) -> dict[str, Any]:
    """Bins and efficiency of trl's bfd packing of these (untruncated) sequence lengths."""
    clipped = [min(n, max_length) for n in lengths]
    bins = sum(bfd_bins(clipped[i:i + batch_size], max_length) for i in range(0, len(clipped), batch_size))
    tokens = sum(clipped)
    return {"strategy": "bfd", "max_length": max_length, "sequences": len(clipped), "bins": bins,
            "tokens": tokens, "efficiency": round(tokens / (bins * max_length), 4) if bins else 0.0}
