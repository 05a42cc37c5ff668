"""Serve-time guardrails (``serve.policies`` and ``serve.routes[i].policies``), a plugin kind (``policy``).

A policy sees each request's user text before it is forwarded (it may refuse it) and each answer's text
before it is returned (it may rewrite or refuse it).  Built in: ``json_schema`` (answers must validate
against the route's schema; added to every route with ``json_schema``), ``blocked_topics`` (keywords or
regexes answered with a refusal message), ``pii`` (redacts e-mail addresses, phone numbers, wallet seed
phrases and private keys from answers) and ``moderation`` (posts the text to an OpenAI-style
``/v1/moderations`` classifier and refuses what it flags).  Third-party plugins register more with
``registry.add`` (kind ``policy``).  Every violation is counted (request log, ``ftflow serve --status``).
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from ftflow.kinds import Policy, Refused
from ftflow_plugins.serve.limits import ApiError


@dataclasses.dataclass
class SchemaConfig:
    schema: dict[str, Any] = dataclasses.field(default_factory=dict)


class SchemaPolicy(Policy):
    """The route's answers are JSON that validates against its schema (guided decoding asks the backend for
    it; this checks it before the client sees it): anything else is a 502, never an invalid answer."""

    name = "json_schema"
    version = "1"
    description = "answers must be JSON valid against the route's schema (502 otherwise)"
    Config = SchemaConfig
    rewrites_output = True

    def check_output(self, text: str) -> tuple[str, int]:
        import jsonschema

        try:
            jsonschema.validate(json.loads(text), self.config.schema)
        except (ValueError, jsonschema.ValidationError, jsonschema.SchemaError) as exc:
            detail = exc.message if isinstance(exc, jsonschema.ValidationError) else str(exc)
            raise ApiError(502, f"the model's answer does not follow the route's JSON schema: {detail[:200]}",
                           "server_error", code="schema_violation") from None
        return text, 0


@dataclasses.dataclass
class TopicsConfig:
    topics: list[str] = dataclasses.field(default_factory=list)  # whole words/phrases, case-insensitive
    patterns: list[str] = dataclasses.field(default_factory=list)  # regexes, case-insensitive
    refusal: str = "I can't help with that topic."
    check_answers: bool = True  # refuse answers that raise a blocked topic too


class BlockedTopics(Policy):
    name = "blocked_topics"
    version = "1"
    description = "requests (and answers) on listed topics get a refusal message instead of the model"
    Config = TopicsConfig
    rewrites_output = True

    def __init__(self, config: Any = None) -> None:
        super().__init__(config)
        rules = [rf"\b{re.escape(t)}\b" for t in self.config.topics] + list(self.config.patterns)
        self._rule = re.compile("|".join(f"(?:{r})" for r in rules), re.I) if rules else None

    def check_request(self, text: str) -> None:
        if self._rule is not None and self._rule.search(text):
            raise Refused(self.name, self.config.refusal)

    def check_output(self, text: str) -> tuple[str, int]:
        if self.config.check_answers:
            self.check_request(text)
        return text, 0


# e-mail, phone (7+ digits with separators, optional +country), EVM/hex private keys (64 hex digits),
# WIF keys (base58, 51-52 chars starting 5/K/L); seed phrases are found by word list (_seed_phrases).
_PII = [
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("private_key", re.compile(r"\b(?:0x)?[0-9a-fA-F]{64}\b")),
    ("private_key", re.compile(r"\b[5KL][1-9A-HJ-NP-Za-km-z]{50,51}\b")),
    ("phone", re.compile(r"(?<![\w+])\+?\d{1,3}?[ .-]?\(?\d{2,4}\)?(?:[ .-]?\d{2,4}){2,4}(?![\w])")),
]


@dataclasses.dataclass
class PiiConfig:
    kinds: list[str] = dataclasses.field(default_factory=lambda: ["email", "phone", "seed_phrase", "private_key"])
    replacement: str = "[redacted {kind}]"


class PiiRedaction(Policy):
    name = "pii"
    version = "1"
    description = "redacts e-mail addresses, phone numbers, wallet seed phrases and private keys from answers"
    Config = PiiConfig
    rewrites_output = True

    def check_output(self, text: str) -> tuple[str, int]:
        found = 0
        if "seed_phrase" in self.config.kinds:
            text, found = _seed_phrases(text, self.config.replacement.format(kind="seed_phrase"))
        for kind, pattern in _PII:
            if kind not in self.config.kinds:
                continue
            text, n = pattern.subn(lambda m, k=kind: self._replace(m, k), text)
            found += n
        return text, found

    def _replace(self, match: re.Match[str], kind: str) -> str:
        if kind == "phone" and sum(c.isdigit() for c in match.group()) < 7:
            return match.group()
        return self.config.replacement.format(kind=kind)


_WORD = re.compile(r"[A-Za-z]+")
SEED_WORDS = 12  # the shortest BIP-39 mnemonic


def _seed_phrases(text: str, replacement: str) -> tuple[str, int]:
    """Replace every run of 12 or more consecutive BIP-39 English words (separated by spaces, commas or
    numbering): a wallet's recovery phrase.  Ordinary prose rarely holds 12 list words in a row."""
    from mnemonic import Mnemonic

    words = set(Mnemonic("english").wordlist)
    spans, run = [], []
    for match in _WORD.finditer(text):
        gap = text[run[-1].end():match.start()] if run else ""
        if match.group().lower() in words and (not run or re.fullmatch(r"[\s,;.:\d()-]*", gap)):
            run.append(match)
            continue
        if len(run) >= SEED_WORDS:
            spans.append((run[0].start(), run[-1].end()))
        run = [match] if match.group().lower() in words else []
    if len(run) >= SEED_WORDS:
        spans.append((run[0].start(), run[-1].end()))
    for start, end in reversed(spans):
        text = text[:start] + replacement + text[end:]
    return text, len(spans)


@dataclasses.dataclass
class ModerationConfig:
    url: str = ""  # an OpenAI-style moderations endpoint, e.g. http://127.0.0.1:9000/v1/moderations
    key_env: str | None = None  # environment variable with its bearer key
    refusal: str = "I can't help with that."
    timeout_s: float = 10.0
    fail_closed: bool = True  # a classifier that does not answer refuses the request


class Moderation(Policy):
    name = "moderation"
    version = "1"
    description = "asks an OpenAI-style /v1/moderations classifier about requests and answers"
    Config = ModerationConfig
    rewrites_output = True

    def _flagged(self, text: str) -> bool:
        import os

        import httpx

        headers = {}
        if self.config.key_env and os.environ.get(self.config.key_env):
            headers["Authorization"] = f"Bearer {os.environ[self.config.key_env]}"
        try:
            reply = httpx.post(self.config.url, json={"input": text}, headers=headers, timeout=self.config.timeout_s)
            reply.raise_for_status()
            return any(r.get("flagged") for r in reply.json().get("results", []))
        except (httpx.HTTPError, ValueError, AttributeError):
            if self.config.fail_closed:
                raise ApiError(503, "the moderation classifier did not answer", "server_error",
                               code="moderation_unavailable") from None
            return False

    def check_request(self, text: str) -> None:
        if text.strip() and self._flagged(text):
            raise Refused(self.name, self.config.refusal)

    def check_output(self, text: str) -> tuple[str, int]:
        self.check_request(text)
        return text, 0


BUILT_IN = (SchemaPolicy, BlockedTopics, PiiRedaction, Moderation)


def build(specs: list[dict[str, Any]], registry: Any, key: str) -> list[Policy]:
    """Policy objects from recipe entries ``{name: pii, ...options}``; errors name ``key[i]``."""
    from ftflow.config.schema import validate
    from ftflow.errors import ConfigError

    policies = []
    for i, spec in enumerate(specs):
        options = dict(spec)
        name = options.pop("name", None)
        if not isinstance(name, str):
            raise ConfigError(f"{key}[{i}].name", "each policy needs a name (e.g. pii, blocked_topics)")
        info = registry.get("policy", name, key=f"{key}[{i}].name")
        policies.append(info.cls(validate(info.cls.Config, options, prefix=f"{key}[{i}]")))
    return policies
