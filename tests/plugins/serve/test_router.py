"""Route choice: explicit names, keywords, regexes, embedding similarity, the default."""

from __future__ import annotations

import numpy as np
import pytest

from ftflow_plugins.serve.config import Route
from ftflow_plugins.serve.router import Router, request_text

TRIAGE = Route("triage", target="recipe:contract_triage", keywords=["solidity", "reentrancy"],
               patterns=[r"function\s+\w+\s*\("])
SUPPORT = Route("support", keywords=["wallet", "seed phrase"])


def test_keywords_patterns_explicit_and_default():
    router = Router([TRIAGE, SUPPORT], default="support")
    assert router.choose("auto", "Is this Solidity contract safe from REENTRANCY?") == ("triage", "keyword:solidity")
    assert router.choose(None, "function withdraw(uint a) public { ... }")[0] == "triage"
    assert router.choose("auto", "I lost my seed phrase") == ("support", "keyword:seed phrase")
    assert router.choose("auto", "what's the weather") == ("support", "default")
    assert router.choose("triage", "my wallet is empty") == ("triage", "explicit")
    assert router.choose("auto", "walletconnect")[1] == "default"  # whole words only


def test_request_text_reads_last_user_message_and_prompt():
    body = {"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "first"},
                         {"role": "assistant", "content": "a"},
                         {"role": "user", "content": [{"type": "text", "text": "second"}]}]}
    assert request_text(body) == "second"
    assert request_text({"prompt": ["a", "b"]}) == "a b"
    assert request_text({}) == ""


def test_embedding_similarity_with_a_fake_embedder():
    vocab = ["contract", "audit", "wallet", "send"]

    def embed(texts):
        rows = np.array([[t.lower().count(w) for w in vocab] for t in texts], dtype=float) + 1e-9
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    routes = [Route("triage", examples=["audit this contract"]), Route("support", examples=["send from my wallet"])]
    router = Router(routes, default="support", threshold=0.8, embedder=lambda: embed)
    assert router.choose("auto", "please audit the contract") == ("triage", "similarity:1.00")
    assert router.choose("auto", "send coins from my wallet")[0] == "support"
    assert router.choose("auto", "hello")[1] == "default"


@pytest.mark.filterwarnings("ignore")
def test_embedding_similarity_with_minilm():
    pytest.importorskip("sentence_transformers")
    routes = [Route("triage", examples=["Review this smart contract code for vulnerabilities"]),
              Route("support", examples=["How do I recover access to my crypto wallet?"])]
    router = Router(routes, threshold=0.3)
    assert router.choose("auto", "Can you audit my token contract for bugs?")[0] == "triage"
    assert router.choose("auto", "I forgot the password of my wallet app")[0] == "support"
