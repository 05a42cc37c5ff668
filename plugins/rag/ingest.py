"""Ingestion: markdown, text, JSONL corpora and HTML become ``Document``s with metadata and a content hash.

The hash is what makes re-indexing incremental: chunks are derived from it, and embeddings are memoised
by chunk text, so a corpus edit re-embeds only the chunks of the documents that changed.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from ftflow.errors import UserError
from ftflow.kinds import Document

SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".jsonl": "jsonl", ".html": "html",
            ".htm": "html"}


class _HtmlText(HTMLParser):
    """HTML -> markdown-ish text: headings keep ``#`` markers (so the heading chunker works), scripts go."""

    BLOCK = {"p", "div", "li", "br", "tr", "section", "article", "pre", "table"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag) or tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data.strip()
        elif not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> tuple[str, str]:
    """(title, text) of an HTML page."""
    parser = _HtmlText()
    parser.feed(html)
    text = re.sub(r"[ \t]+", " ", "".join(parser.parts))
    return parser.title, re.sub(r"\n\s*\n+", "\n\n", text).strip()


def _first_heading(text: str) -> str:
    match = re.search(r"^#{1,6}\s+(.+)$", text, flags=re.M)
    return match.group(1).strip() if match else ""


def read_file(path: Path, root: Path) -> list[Document]:
    """Documents in one file; ids of non-JSONL files are their path relative to ``root`` without suffix."""
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        return []
    rel = path.relative_to(root).with_suffix("").as_posix() if path != root else path.stem
    raw = path.read_text(encoding="utf-8")
    meta = {"source": path.name, "format": kind}
    if kind == "jsonl":
        docs = []
        for n, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise UserError(f"rag.corpus: {path}:{n}: not JSON ({exc})") from exc
            if "id" not in row or "text" not in row:
                raise UserError(f"rag.corpus: {path}:{n}: a row needs 'id' and 'text'")
            extra = {k: v for k, v in row.items() if k not in ("id", "title", "text")}
            docs.append(Document(str(row["id"]), str(row.get("title") or ""), str(row["text"]), {**meta, **extra}))
        return docs
    if kind == "html":
        title, text = html_to_text(raw)
        return [Document(rel, title or _first_heading(text), text, meta)]
    return [Document(rel, _first_heading(raw) if kind == "markdown" else "", raw, meta)]


def load_corpus(paths: list[Path]) -> list[Document]:
    """All documents under the given files or directories (sorted, so the order is stable); ids must be unique."""
    docs: list[Document] = []
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            docs += read_file(file, path if path.is_dir() else file)
    seen: set[str] = set()
    for doc in docs:
        if doc.id in seen:
            raise UserError(f"rag.corpus: duplicate document id {doc.id!r}")
        seen.add(doc.id)
    if not docs:
        raise UserError(f"rag.corpus: no documents found in {', '.join(map(str, paths))} "
                        f"(formats: {', '.join(sorted(SUFFIXES))})")
    return docs
