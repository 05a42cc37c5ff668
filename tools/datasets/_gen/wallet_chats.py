"""Build Lumen Wallet chat rows (train and eval) from the intent tables."""

from __future__ import annotations

from .common import msg, number_ids, rng_for
from .wallet_dialogs import DIALOGS, FOLLOWUPS, followup_label
from .wallet_facts import SYSTEM_PROMPT
from .wallet_intents_a import NETWORK, ONBOARDING
from .wallet_intents_b import FEES, STATUS
from .wallet_intents_c import REFUSAL, SECURITY
from .wallet_intents_d import EXTRA_TRAIN, HELDOUT
from .wallet_param import error_intents, network_intents, release_intents

GREETINGS = ["Hi! ", "Hello, ", "Hey, ", "Quick question: ", "Hi there. ", "Good morning. ",
             "Sorry if this is basic, but ", "Hi Lumen team, ", "New to crypto here. ",
             "Hope you can help. "]
PLATFORM = ["I'm on Android. ", "Using the iPhone app. ", "Using the Chrome extension: ",
            "On the Firefox extension. "]
PLATFORM_TOPICS = {"transaction_status", "fees", "network_switching", "errors"}
SUFFIXES = [" Thanks!", " Thank you.", " Cheers.", " Appreciate it.", " Please help.",
            " Thanks in advance."]
CONNECT = ["Thanks! One more thing: ", "Got it, thanks. ", "That worked. Also, ",
           "OK, makes sense. ", "Great. Another question: ", "Perfect, thank you. ",
           "Thanks. Unrelated, but ", "Cool. ", "Understood. ", "Nice, thanks. Next: "]
KEEP_CASE = ("I ", "I'", "Lumen", "MetaMask", "Base", "Bitcoin", "Ethereum", "Polygon", "Arbitrum",
             "Optimism", "Avalanche", "Solana", "Sepolia", "Face ID", "E-", "BNB", "BTC", "ETH",
             "USDC", "USDT", "POL", "Ledger", "Vault", "Rampway", "Speed", "Custom", "AVAX")


def train_intents() -> list[dict]:
    """All intents whose phrasings appear in train."""
    rng = rng_for("wallet-param")
    return (ONBOARDING + NETWORK + STATUS + FEES + SECURITY + REFUSAL + EXTRA_TRAIN
            + error_intents(rng) + network_intents() + release_intents(rng))


def join(prefix: str, q: str) -> str:
    """Attach a lead-in, lower-casing the question after a mid-sentence prefix."""
    if prefix and prefix[-2] not in ".:!?" and not q.startswith(KEEP_CASE):
        q = q[0].lower() + q[1:]
    return prefix + q


def dress(q: str, it: dict, rng) -> str:
    """Randomly add a greeting/platform lead-in and/or a closing courtesy."""
    r = rng.random()
    if r < 0.25:
        q = join(rng.choice(GREETINGS), q)
    elif r < 0.37 and it["topic"] in PLATFORM_TOPICS:
        q = join(rng.choice(PLATFORM), q)
    if rng.random() < 0.2 and q[-1] in ".?":
        q += rng.choice(SUFFIXES)
    return q


def row(turns: list[str], it_topic: str, facts: list[str], refuse: bool, kind: str) -> dict:
    """Assemble a chat row from alternating user/assistant strings."""
    msgs = [msg("system", SYSTEM_PROMPT)]
    for i, t in enumerate(turns):
        msgs.append(msg("user" if i % 2 == 0 else "assistant", t))
    return {"messages": msgs, "meta": {"topic": it_topic, "split_kind": kind,
                                       "required_facts": list(facts), "should_refuse": refuse}}


def single(it: dict, q: str, a: str, kind: str) -> dict:
    """One-exchange row for an intent."""
    return row([q, a], it["topic"], it["facts"], it["refuse"], kind)


def build_train() -> list[dict]:
    """Single-turn rows for every phrasing, plus follow-ups, dialogs and topic hops."""
    rng = rng_for("wallet-train")
    intents = train_intents()
    by_key = {it["key"]: it for it in intents}
    rows = []
    for it in intents:
        for i, q in enumerate(it["qs"]):
            rows.append(single(it, dress(q, it, rng), it["ans"][i % len(it["ans"])], "train"))
    for n, (base, fqs, fa, facts) in enumerate(FOLLOWUPS):
        it = by_key[base]
        for j, fq in enumerate(fqs):
            k = n + j
            q0 = it["qs"][k % len(it["qs"])]
            a0 = it["ans"][(k + 1) % len(it["ans"])]
            topic, refuse = followup_label(it)
            rows.append(row([dress(q0, it, rng), a0, fq, fa], topic, facts, refuse, "train"))
    for turns, topic, facts, refuse in DIALOGS:
        rows.append(row(turns, topic, facts, refuse, "train"))
    pairs = set()
    while len(pairs) < 125:
        a, b = rng.sample(intents, 2)
        if a["refuse"] and b["refuse"]:
            continue
        pairs.add((a["key"], b["key"]))
    for ka, kb in sorted(pairs):
        a, b = by_key[ka], by_key[kb]
        qa, qb = rng.choice(a["qs"]), rng.choice(b["qs"])
        turns = [dress(qa, a, rng), rng.choice(a["ans"]), join(rng.choice(CONNECT), qb),
                 rng.choice(b["ans"])]
        rows.append(row(turns, b["topic"], b["facts"], b["refuse"], "train"))
    rng.shuffle(rows)
    return number_ids(rows, "ws-train")


def build_eval() -> list[dict]:
    """Paraphrase rows for train intents and held-out rows for eval-only intents."""
    rng = rng_for("wallet-eval")
    intents = train_intents()
    context_pool = [it for it in intents if not it["refuse"]]
    rows = []
    for it in intents:
        for q in it["para"]:
            rows.append((it, q, it["ans"][-1], "paraphrase"))
    for it in HELDOUT:
        for i, q in enumerate(it["qs"]):
            rows.append((it, q, it["ans"][i % len(it["ans"])], "heldout"))
    out = []
    for n, (it, q, a, kind) in enumerate(rows):
        if n % 4 == 1:
            ctx = rng.choice(context_pool)
            turns = [rng.choice(ctx["qs"]), rng.choice(ctx["ans"]), join(rng.choice(CONNECT), q), a]
            out.append(row(turns, it["topic"], it["facts"], it["refuse"], kind))
        else:
            out.append(single(it, q, a, kind))
    rng.shuffle(out)
    return number_ids(out, "ws-eval")
