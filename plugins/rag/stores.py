"""Vector databases as providers of kind ``vectorstore`` (selected by ``rag.store``).

``lancedb`` (default) is embedded: the table lives in the rag stage's artifact (``index/lancedb``) and
needs no server.  ``chroma`` talks to a Chroma server over HTTP (``chroma run``); the artifact records
the server URL and a content-addressed collection name, so an unchanged index is never re-uploaded.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.kinds import VectorStore

CHROMA_URL_ENV = "FTFLOW_CHROMA_URL"


class LanceStore(VectorStore):
    name = "lancedb"
    description = "LanceDB, embedded: the table is a directory inside the rag artifact (no server)"
    libraries = ("lancedb",)
    TABLE = "chunks"

    def write(self, path: Path, rows: list[dict[str, Any]], vectors: Any, url: str | None) -> dict[str, Any]:
        import lancedb

        db = lancedb.connect(str(path / "lancedb"))
        data = [{"id": r["id"], "doc_id": r["doc_id"], "vector": [float(x) for x in v]}
                for r, v in zip(rows, vectors, strict=True)]
        db.create_table(self.TABLE, data=data, mode="overwrite")
        return {"store": self.name, "uri": "lancedb", "table": self.TABLE}

    def search(self, path: Path, info: dict[str, Any], vector: Any, k: int) -> list[tuple[str, float]]:
        table = self._table(path, info)
        hits = table.search([float(x) for x in vector]).distance_type("cosine").limit(k).to_list()
        return [(h["id"], 1.0 - float(h["_distance"])) for h in hits]

    def _table(self, path: Path, info: dict[str, Any]) -> Any:
        import lancedb

        cache = getattr(self, "_tables", None) or {}
        key = str(path)
        if key not in cache:
            cache[key] = lancedb.connect(str(path / info["uri"])).open_table(info["table"])
            self._tables = cache
        return cache[key]


def chroma_url(url: str | None) -> str:
    url = url or os.environ.get(CHROMA_URL_ENV)
    if not url:
        raise UserError(f"rag.store=chroma needs rag.store_url (or {CHROMA_URL_ENV}), e.g. http://127.0.0.1:8000 "
                        "of a running `chroma run --path DIR --port 8000`")
    return url


def _client(url: str) -> Any:
    from urllib.parse import urlparse

    import chromadb
    from chromadb.config import Settings

    parsed = urlparse(url)
    return chromadb.HttpClient(host=parsed.hostname or "127.0.0.1", port=parsed.port or 8000,
                               ssl=parsed.scheme == "https", settings=Settings(anonymized_telemetry=False))


class ChromaServerStore(VectorStore):
    name = "chroma"
    description = "Chroma server over HTTP (`chroma run`); collection named by the index's content digest"
    libraries = ("chromadb",)

    def write(self, path: Path, rows: list[dict[str, Any]], vectors: Any, url: str | None) -> dict[str, Any]:
        url = chroma_url(url)
        digest = hashlib.sha256()
        for row, vector in zip(rows, vectors, strict=True):
            digest.update(row["id"].encode() + row["digest"].encode() + vector.tobytes())
        name = f"ftflow-{digest.hexdigest()[:40]}"
        try:
            client = _client(url)
            collection = client.get_or_create_collection(name, embedding_function=None,
                                                          metadata={"hnsw:space": "cosine"})
            if collection.count() != len(rows):
                for start in range(0, len(rows), 256):
                    part = rows[start:start + 256]
                    collection.upsert(ids=[r["id"] for r in part],
                                      embeddings=[v.tolist() for v in vectors[start:start + 256]],
                                      metadatas=[{"doc_id": r["doc_id"]} for r in part])
        except UserError:
            raise
        except Exception as exc:  # connection refused etc.: the server is outside ftflow's control
            raise UserError(f"rag.store=chroma: cannot use the Chroma server at {url}: {exc}") from exc
        return {"store": self.name, "url": url, "collection": name}

    def search(self, path: Path, info: dict[str, Any], vector: Any, k: int) -> list[tuple[str, float]]:
        cache = getattr(self, "_collections", None) or {}
        key = (info["url"], info["collection"])
        if key not in cache:
            cache[key] = _client(info["url"]).get_collection(info["collection"], embedding_function=None)
            self._collections = cache
        result = cache[key].query(query_embeddings=[[float(x) for x in vector]], n_results=k,
                                  include=["distances"])
        return [(i, 1.0 - float(d)) for i, d in zip(result["ids"][0], result["distances"][0], strict=True)]


STORES: dict[str, type[VectorStore]] = {"lancedb": LanceStore, "chroma": ChromaServerStore}
