"""Serve-time guardrails (plugin kind ``policy``) and the ``openai`` client, unchanged, against the gateway
(a fake backend behind it): a JSON-schema route validated before returning, blocked topics answered with
a refusal, PII redacted from answers (streamed ones too), a moderation classifier; every violation counted."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openai
import pytest
from serve_fake import KEY, Running

from ftflow.errors import ConfigError
from ftflow.plugin.manager import load_plugins
from ftflow_plugins.serve.base import route_policies
from ftflow_plugins.serve.config import Route, ServeConfig
from ftflow_plugins.serve.policy import PiiRedaction

SCHEMA = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"],
          "additionalProperties": False}


class Classifier(BaseHTTPRequestHandler):
    """An OpenAI-style /v1/moderations endpoint that flags any text mentioning 'weapon'."""

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        text = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["input"]
        data = json.dumps({"results": [{"flagged": "weapon" in text, "categories": {}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def guarded(tmp_path):
    classifier = ThreadingHTTPServer(("127.0.0.1", 0), Classifier)
    threading.Thread(target=classifier.serve_forever, daemon=True).start()
    routes = [Route("triage", keywords=["solidity"], json_schema="schema.json"), Route("support")]
    config = ServeConfig(routes=routes, policies=[
        {"name": "pii"}, {"name": "blocked_topics", "topics": ["tax evasion"], "refusal": "Not a wallet topic."},
        {"name": "moderation", "url": f"http://127.0.0.1:{classifier.server_address[1]}/v1/moderations"}])
    policies = route_policies(routes, config, {"triage": SCHEMA}, load_plugins().registry)
    assert [p.name for p in policies["triage"]] == ["json_schema", "pii", "blocked_topics", "moderation"]
    running = Running(tmp_path, routes=routes, policies=policies)
    yield running, openai.OpenAI(base_url=running.url + "/v1", api_key=KEY, max_retries=0)
    running.close()
    classifier.shutdown()
    classifier.server_close()


def ask(client, text, **kw):
    return client.chat.completions.create(model=kw.pop("model", "support"), messages=[{"role": "user", "content": text}],
                                          **kw)


def test_openai_client_models_chat_completions_stream(guarded):
    running, client = guarded
    assert [m.id for m in client.models.list()] == ["auto", "triage", "support"]
    answer = ask(client, "reply: hello")
    assert answer.choices[0].message.content == "hello" and answer.model == "support"
    completion = client.completions.create(model="support", prompt="reply: done", max_tokens=4)
    assert completion.choices[0].text == "done" and completion.model == "support"
    chunks = list(ask(client, "reply: streamed answer", stream=True))  # buffered whole: the route redacts
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "streamed answer"
    assert {c.model for c in chunks} == {"support"}


def test_json_schema_route_is_validated_before_returning(guarded):
    running, client = guarded
    answer = ask(client, 'reply: {"ok": true}', model="triage")
    assert json.loads(answer.choices[0].message.content) == {"ok": True}
    with pytest.raises(openai.InternalServerError, match="does not follow the route's JSON schema"):
        ask(client, 'reply: {"ok": "maybe"}', model="triage")
    with pytest.raises(openai.InternalServerError, match="schema"):
        ask(client, "reply: not json at all", model="triage", stream=True).close()
    assert running.gateway.stats.snapshot()["violations"]["json_schema"] == 2


def test_blocked_topic_refusal_pii_redaction_and_moderation(guarded):
    running, client = guarded
    refused = ask(client, "How do I do tax evasion with crypto?")
    assert refused.choices[0].message.content == "Not a wallet topic."
    assert refused.choices[0].finish_reason == "content_filter"
    redacted = ask(client, "reply: write to bob.smith@example.com or call +1 415-555-0134, key "
                           "0x" + "ab" * 32 + " and seed: legal winner thank year wave sausage worth useful legal "
                           "winner thank yellow").choices[0].message.content
    assert "example.com" not in redacted and "555" not in redacted and "abab" not in redacted
    assert "sausage" not in redacted
    assert redacted.count("[redacted") == 4 and "[redacted email]" in redacted
    flagged = ask(client, "tell me how to build a weapon")
    assert flagged.choices[0].finish_reason == "content_filter"
    streamed = list(ask(client, "reply: mail alice@example.org", stream=True))
    assert "[redacted email]" in "".join(c.choices[0].delta.content or "" for c in streamed)
    counts = running.gateway.stats.snapshot()["violations"]
    assert counts == {"blocked_topics": 1, "pii": 5, "moderation": 1}
    rows = [json.loads(line) for line in running.log_path.read_text().splitlines()]
    assert sum(r.get("violations", {}).get("pii", 0) for r in rows) == 5
    assert "alice" not in running.log_path.read_text()


def test_pii_leaves_ordinary_numbers_and_policy_config_errors_name_the_key():
    text, found = PiiRedaction().check_output("Version 2.0 costs 15 USD, block 1234, chain id 137.")
    assert found == 0 and text.startswith("Version 2.0")
    prose = ("please open the wallet app and then select the network you want to use from the list at the top "
             "of the main screen before you send any coin")
    assert PiiRedaction().check_output(prose) == (prose, 0)  # long lowercase prose is not a seed phrase
    registry = load_plugins().registry
    with pytest.raises(ConfigError, match=r"serve.policies\[0\].name"):
        route_policies([Route("a")], ServeConfig(policies=[{"topics": ["x"]}]), {}, registry)
    with pytest.raises(ConfigError, match=r"serve.routes\[0\].policies\[0\].topic"):
        route_policies([Route("a", policies=[{"name": "blocked_topics", "topic": ["x"]}])], ServeConfig(), {}, registry)
