"""Chunking strategies as providers of kind ``chunker`` (selected by ``rag.chunker``).

Both keep each chunk's document id and title, and prefix the title (and section heading) to the text
that is embedded and indexed: a passage about "the vote" is found by a question naming the proposal.
"""

from __future__ import annotations

import re

from ftflow.kinds import Chunk, Chunker, Document


def word_windows(text: str, size: int, overlap: int) -> list[str]:
    """Windows of ``size`` words, each sharing ``overlap`` words with the previous one."""
    if size <= 0 or not 0 <= overlap < size:
        raise ValueError(f"chunk size {size} / overlap {overlap}: need size > overlap >= 0")
    words = text.split()
    if len(words) <= size:
        return [" ".join(words)] if words else []
    step = size - overlap
    windows = []
    for start in range(0, len(words), step):
        windows.append(" ".join(words[start:start + size]))
        if start + size >= len(words):
            break
    return windows


class FixedChunker(Chunker):
    name = "fixed"
    description = "fixed windows of rag.chunk_size words with rag.chunk_overlap words of overlap"

    def chunk(self, doc: Document, size: int, overlap: int) -> list[Chunk]:
        return [Chunk(f"{doc.id}#{n}", doc.id, doc.title, text)
                for n, text in enumerate(word_windows(doc.text, size, overlap))]


_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", flags=re.M)


def sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) pairs of a markdown text; text before the first heading has heading ''."""
    out, last, heading = [], 0, ""
    for match in _HEADING.finditer(text):
        out.append((heading, text[last:match.start()]))
        heading, last = match.group(2).strip(), match.end()
    out.append((heading, text[last:]))
    return [(h, b.strip()) for h, b in out if b.strip()]


class HeadingChunker(Chunker):
    name = "headings"
    description = "one chunk per markdown section (split further into word windows past rag.chunk_size words)"

    def chunk(self, doc: Document, size: int, overlap: int) -> list[Chunk]:
        chunks: list[Chunk] = []
        for heading, body in sections(doc.text):
            for text in word_windows(body, size, overlap):
                chunks.append(Chunk(f"{doc.id}#{len(chunks)}", doc.id, doc.title, text, heading))
        return chunks
