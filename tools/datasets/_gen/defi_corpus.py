"""Assemble the Harbor Finance corpus: proposals, treasury reports and protocol docs."""

from __future__ import annotations

from .defi_docs import DOCS
from .defi_hips import HIPS, hip_doc
from .defi_treasury import QUARTERS, treasury_doc


def build_corpus() -> list[dict]:
    """All Harbor documents, grouped by kind."""
    docs = [hip_doc(h) for h in HIPS] + [treasury_doc(q) for q in QUARTERS]
    docs += [{"id": i, "title": t, "kind": "protocol_doc", "text": x, "updated": u} for i, t, u, x in DOCS]
    return docs
