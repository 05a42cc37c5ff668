"""Programmatic Lumen intents built from the fact tables (errors, networks, releases)."""

from __future__ import annotations

from .wallet_facts import ERRORS, NETWORKS, PATCHES, long_date, network, release
from .wallet_intents_a import intent

HELD_ERRORS = {"E-5001", "E-6002", "E-7001"}
ERR_KEY = {
    "E-1001": "native token", "E-1002": "max", "E-1203": "reset account",
    "E-1204": "oldest pending", "E-1310": "at least 10%", "E-1402": "market preset",
    "E-1501": "slippage", "E-2001": "rpc endpoint", "E-2105": "chain id",
    "E-3001": "qr code", "E-3002": "switch to the network", "E-4010": "reconnect",
    "E-4102": "add custom network", "E-5003": "15 minutes",
}
ERR_CTX = {"E-2001": "when I open my balances", "E-2105": "when I save a custom network",
           "E-3001": "when I paste an address", "E-3002": "when I paste an address",
           "E-4010": "when I approve a dApp request", "E-4102": "when I connect to a dApp",
           "E-5003": "when I unlock the app"}
ERR_Q = [
    "What does error {code} mean?",
    "I keep getting {code} {ctx}. What should I do?",
    'Lumen shows "{name}" ({code}). How do I fix it?',
    "What is {code} in Lumen?",
    "Why am I seeing {code}?",
    "Got {code} just now, any idea what's wrong?",
]
ERR_PARA = [
    "Could you decode the {code} message for me and tell me the remedy?",
    "The app threw '{code} {name}' at me. Explain it like I'm new to this.",
    "{code} popped up on my screen. Cause and cure, please.",
]

RELEASE_SUMMARY = {
    "3.0": "the redesigned home screen with the network pill, up to 50 accounts per phrase and "
           "the new Activity tab with status labels",
    "3.1": "Speed up and Cancel for pending transactions, the custom nonce toggle and a clearer "
           "E-1204 message",
    "3.3": "Lumen Vault Backup to iCloud Drive or Google Drive and the option of a 24-word phrase",
    "3.4": "Base support and custom EVM networks, with the E-2105 chain ID check",
    "3.5": "Bitcoin support using native SegWit addresses, the address book and Bitcoin fee presets",
    "3.6": "Avalanche C-Chain, a 0.5% swap fee on stablecoin pairs and the slippage setting",
    "3.8": "the token approvals manager, an Immediately auto-lock option and POL replacing the "
           "MATIC label; Android 9 support ended",
}
RELEASE_TOPIC = {"3.0": "network_switching", "3.1": "transaction_status", "3.3": "onboarding",
                 "3.4": "network_switching", "3.5": "network_switching", "3.6": "fees",
                 "3.8": "security"}
REL_Q = [
    "What's new in Lumen {ver}?",
    "What changed in version {ver}?",
    "When was {ver} released and what did it add?",
    "Can you summarise the {ver} release notes?",
]
REL_PARA = "Give me the highlights and ship date of the {ver} update."

FEATURE_VERSION = [
    ("the token approvals manager", "3.8", "security"),
    ("Speed up and Cancel", "3.1", "transaction_status"),
    ("Lumen Vault Backup", "3.3", "onboarding"),
    ("custom networks", "3.4", "network_switching"),
    ("the address book", "3.5", "onboarding"),
    ("the swap slippage setting", "3.6", "fees"),
]


def _cap(s: str) -> str:
    return s[0].upper() + s[1:]


def error_intents(rng) -> list[dict]:
    """One train intent per non-held error code (3 phrasings, 2 answers)."""
    out = []
    for i, (code, name, meaning, fix) in enumerate(ERRORS):
        if code in HELD_ERRORS:
            continue
        ctx = ERR_CTX.get(code, "when I try to send")
        qs = [t.format(code=code, name=name, ctx=ctx) for t in rng.sample(ERR_Q, 3)]
        ans = [f"{code} ({name}) means {meaning}. To fix it, {fix}.",
               f"{code} is the {name} error: {meaning}. {_cap(fix)}.",
               f"{code} tells you that {meaning}. The fix: {fix}."]
        para = [ERR_PARA[i % len(ERR_PARA)].format(code=code, name=name)]
        out.append(intent(f"err_{code}", "errors", qs, ans, [code.lower(), ERR_KEY[code]], para))
    return out


def network_intents() -> list[dict]:
    """Chain ID / fee token, finality and launch-version intents per network."""
    out = []
    for n in NETWORKS:
        name, tok = n["name"], n["token"]
        if name == "Avalanche C-Chain":
            continue
        if name == "Bitcoin":
            ans = ["Bitcoin isn't an EVM network, so it has no chain ID; network fees are paid in BTC.",
                   "There's no chain ID for Bitcoin because it isn't an EVM chain. Fees are paid in "
                   "BTC and set in sat/vB."]
            facts = ["no chain id", "btc"]
        else:
            cid = n["chain_id"]
            ans = [f"{name} uses chain ID {cid}, and network fees are paid in {tok}.",
                   f"Chain ID {cid}. On {name} you pay network fees in {tok}, so keep a little of it "
                   "in the account."]
            facts = [cid, tok.lower()]
        qs = [f"What's the chain ID for {name}?", f"Which token pays gas on {name}?",
              f"What do I need to pay fees with on {name}, and what's its chain ID?"]
        para = [f"For a config file I need {name}'s numeric network identifier and its gas currency."]
        out.append(intent(f"net_{name}", "network_switching", qs, ans, facts, para))
    for name, key in (("Polygon PoS", "30 minutes"), ("Arbitrum One", "posted to ethereum"),
                      ("Optimism", "posted to ethereum"), ("Base", "posted to ethereum")):
        if name == "Polygon PoS":
            ans = ["Polygon PoS transactions are finalized after checkpointing, usually within 30 minutes.",
                   "Lumen shows Polygon PoS transfers as Finalized once they are checkpointed, usually within "
                   "30 minutes."]
        else:
            ans = [f"{name} transactions confirm within seconds and are finalized once their batch is "
                   "posted to Ethereum.",
                   f"On {name}, expect Confirmed within seconds; Finalized follows when the batch is posted "
                   "to Ethereum."]
        qs = [f"How long until a {name} transaction is final?",
              f"When does Lumen mark {name} transfers as Finalized?",
              f"Is my {name} transaction final as soon as it's confirmed?"]
        out.append(intent(f"final_{name}", "transaction_status", qs, ans, [key], []))
    for name in ("Base", "Bitcoin", "Avalanche C-Chain"):
        ver = network(name)["since"]
        date = long_date(release(ver)[1])
        ans = [f"{name} support arrived in Lumen {ver}, released on {date}.",
               f"Lumen added {name} in version {ver} ({date})."]
        qs = [f"When did Lumen add {name}?", f"Which version added {name} support?",
              f"Since when can I use {name} in Lumen?"]
        para = [f"Which update first let me hold {name} assets, and on what date?"]
        out.append(intent(f"since_{name}", "network_switching", qs, ans, [ver, date.lower()], para))
    return out


def release_intents(rng) -> list[dict]:
    """Release-note intents for non-held versions, patches and feature arrival."""
    out = []
    for ver, summary in RELEASE_SUMMARY.items():
        date = long_date(release(ver)[1])
        ans = [f"Lumen {ver} was released on {date}. It brought {summary}.",
               f"Version {ver} shipped on {date} with {summary}."]
        qs = [t.format(ver=ver) for t in rng.sample(REL_Q, 2)]
        out.append(intent(f"rel_{ver}", RELEASE_TOPIC[ver], qs, ans, [date.lower()],
                          [REL_PARA.format(ver=ver)]))
    for base in ("3.4", "3.8"):
        pver, pdate, note = PATCHES[base]
        d = long_date(pdate)
        ans = [f"Lumen {pver}, released on {d}, {note}.", f"The {pver} patch ({d}) {note}."]
        qs = [f"What did {pver} fix?", f"Is there a patch for {base}? What was in it?"]
        topic = "network_switching" if base == "3.4" else "errors"
        out.append(intent(f"patch_{pver}", topic, qs, ans, [pver, d.lower()], []))
    for feat, ver, topic in FEATURE_VERSION:
        d = long_date(release(ver)[1])
        ans = [f"{_cap(feat)} arrived in Lumen {ver}, released on {d}.",
               f"That came with version {ver} on {d}."]
        qs = [f"Which version added {feat}?", f"When did {feat} become available?"]
        para = [f"In which release did {feat} first show up?"]
        out.append(intent(f"feat_{ver}", topic, qs, ans, [ver, d.lower()], para))
    return out
