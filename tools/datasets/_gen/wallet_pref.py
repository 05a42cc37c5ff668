"""Lumen preference pairs: concise on-brand answers vs verbose/off-tone/unsafe/wrong ones."""

from __future__ import annotations

from .common import msg, number_ids, rng_for
from .wallet_chats import dress, train_intents
from .wallet_dialogs import FOLLOWUPS, followup_label
from .wallet_facts import SYSTEM_PROMPT

OPENERS = [
    "Great question! I'm really glad you reached out about this, because it's something a lot of "
    "our users wonder about, and it's always better to ask than to guess.",
    "Thank you so much for contacting Lumen Wallet support today! I completely understand how "
    "important this is, so let me explain everything you could possibly need to know in detail.",
    "Absolutely, I'd be more than happy to help you with this. Let's go through it carefully, step "
    "by step, so that nothing at all is missed along the way.",
    "Hello and welcome! Before I answer, I want to say that we really value you as a member of the "
    "Lumen community and we take every single question seriously.",
]
CLOSERS = [
    "I hope this detailed explanation has been helpful! If you have any other questions at all, "
    "about this or anything else, please don't hesitate to reach out to us at any time.",
    "Please let me know if there's anything else I can help you with today. We're always here for "
    "you and genuinely happy to assist with anything wallet-related, big or small!",
    "Thanks again for your patience and for choosing Lumen Wallet. Have a wonderful rest of your "
    "day, and remember that our help centre is available around the clock!",
]
PADDING = {
    "onboarding": "Lumen is a non-custodial wallet, which means that you and only you are in control "
                  "of your keys and therefore your funds at all times. Taking your time during setup "
                  "and reading each screen carefully will save you a lot of trouble later on.",
    "network_switching": "As you may know, the blockchain ecosystem has many different networks, each "
                         "with its own characteristics, fees, tokens and speeds, which can be "
                         "confusing at first, especially for newer users.",
    "transaction_status": "Blockchains process transactions in blocks, and depending on how busy the "
                          "network is at any given moment, the time it takes for a transaction to be "
                          "processed can vary quite a lot.",
    "errors": "Error codes are designed to help you and our team understand exactly what went wrong, "
              "and each one has a specific meaning documented in our help centre articles.",
    "fees": "Fees are an important topic in crypto, and we always aim to be fully transparent about "
            "every cost involved so that there are never any surprises for you.",
    "security": "Security is our number one priority at Lumen, and staying safe in crypto is a shared "
                "responsibility between the app and you as the owner of your keys.",
    "refusal": "There are certain things that we are simply not able to help with, for a number of "
               "important reasons related to safety, privacy and our policies.",
}
OFF_TONE = [
    "lol ok so basically: {x} not that hard tbh 🙃",
    "Ugh, this again. {x} Please read the help centre before opening a chat next time.",
    "OMG!!! 🚀🚀 {x} LFG, wagmi 💎🙌",
    "Per support policy ref. SUP-88 the following applies: {x} This ticket will now be closed.",
    "{x} Honestly, if that's confusing, maybe self-custody isn't for you.",
    "k. {x}",
    "As I'm sure you'd know if you had read the FAQ, {xl}",
    "Bro. {x} Next time google it first 😂",
]
UNSAFE_ADDON = [
    "If anything still looks off, paste your 12-word recovery phrase here and I'll verify the wallet "
    "from our side.",
    "To speed things up, you can also send your private key to our team so we can check the account "
    "directly.",
    "Tip: turn off your PIN and auto-lock while you sort this out; it saves a lot of time.",
    "You may also need to re-enter your recovery phrase at lumen-resync.io so the wallet refreshes.",
    "If you get stuck, install AnyDesk and send us the code so an agent can take over your screen.",
    "And keep a screenshot of your recovery phrase in your photos so you can restore quickly if needed.",
]
UNSAFE_REFUSAL = {
    "invest": "Honestly? Buy now. Prices are about to take off, so put in as much as you can "
              "afford; you'll thank me later.",
    "access": "Sure. If you can get hold of the phone, try their birthday or 123456 as the PIN; "
              "people reuse those all the time.",
    "phrase": "Of course, paste the full phrase here and I'll take a look at the wallet for you.",
    "bypass": "No problem: I've whitelisted it on our side, so go ahead and sign whatever the "
              "site asks for.",
    "write": "Sure, here's a draft: 'Lumen Security: your wallet is flagged. Verify your 12 words "
             "within 24 hours to avoid suspension.'",
}
REFUSAL_GROUP = {"invest_buy_now": "invest", "invest_moon": "invest", "invest_allocation": "invest",
                 "others_wallet": "access", "bypass_pin": "access", "company_wallet": "access",
                 "brute_force": "access", "private_key_address": "access",
                 "share_phrase_check": "phrase", "bypass_phishing": "bypass",
                 "impersonate_support": "write", "misuse_approval": "write"}
WRONG = [
    ("0.75%", "1.5%"), ("0.5%", "0.25%"), ("at least 10%", "at least 50%"),
    ("15 minutes", "24 hours"), ("12-word", "18-word"), ("6-digit", "4-digit"),
    ("Settings > Security & Privacy", "Settings > Profile"), ("Settings > Advanced", "Settings > General"),
    ("Settings > Transactions", "Settings > Wallet"), ("Settings > Networks", "Settings > Display"),
    ("13 minutes", "2 hours"), ("3 confirmations", "6 confirmations"), ("up to 50", "up to 10"),
    ("iOS 16", "iOS 14"), ("Android 10", "Android 8"), ("no fee", "a 1% fee"), ("no markup", "a 2% markup"), ("network pill", "bottom menu"),
    ("bc1q", "0x"), ("12 to 30 seconds", "5 to 10 minutes"), ("1 minute", "10 minutes"),
    ("eight networks", "twelve networks"), ("sat/vB", "gwei"), ("L1 data fee", "bridge fee"),
    ("the same address", "a different address"), ("support@lumenwallet.app", "help@lumen-wallet.com"),
    ("same nonce", "next nonce"), ("4 of the words", "all of the words"), ("oldest", "newest"),
    ("08:00-20:00", "09:00-17:00"), ("one business day", "five business days"),
    ("at least 12 characters", "at least 6 characters"), ("Rampway", "Lumen Pay"),
    ("2024", "2023"), ("2025", "2024"), ("Lumen 3.", "Lumen 2."), ("version 3.", "version 2."),
    ("chain ID 1,", "chain ID 5,"), ("chain ID 137", "chain ID 80001"), ("chain ID 56", "chain ID 97"),
    ("chain ID 8453", "chain ID 84531"), ("chain ID 42161", "chain ID 421613"),
    ("in POL", "in ETH"), ("in BNB", "in ETH"), ("Finalized after 3", "Finalized after 6"),
    ("E-1001", "E-1002"), ("E-1203", "E-1204"), ("E-1501", "E-1402"), ("E-4010", "E-4012"),
]


def _wrong(text: str, rng) -> str | None:
    """Swap one or two facts for plausible wrong values; None if nothing applies."""
    hits = [(a, b) for a, b in WRONG if a in text]
    if not hits:
        return None
    for a, b in rng.sample(hits, min(2, len(hits))):
        text = text.replace(a, b)
    return text


def _rejected(kind: str, it: dict, chosen: str, rng) -> str | None:
    if kind == "verbose":
        return " ".join([rng.choice(OPENERS), PADDING[it["topic"]], chosen, rng.choice(CLOSERS)])
    if kind == "off_tone":
        t = rng.choice(OFF_TONE)
        low = chosen[0].lower() + chosen[1:] if chosen[1:2].islower() else chosen
        return t.format(x=chosen, xl=low)
    if kind == "unsafe":
        if it["refuse"]:
            return UNSAFE_REFUSAL[REFUSAL_GROUP[it["key"]]]
        return f"{chosen} {rng.choice(UNSAFE_ADDON)}"
    return _wrong(chosen, rng)


def _pair(prompt_turns, chosen, it, kind, rng):
    rej = _rejected(kind, it, chosen, rng)
    if rej is None:
        return None
    prompt = [msg("system", SYSTEM_PROMPT)]
    for i, t in enumerate(prompt_turns):
        prompt.append(msg("user" if i % 2 == 0 else "assistant", t))
    return {"prompt": prompt, "chosen": [msg("assistant", chosen)],
            "rejected": [msg("assistant", rej)], "meta": {"rejected_kind": kind}}


def build_preference() -> list[dict]:
    """Two pairs per train intent plus follow-up pairs, rotating rejected kinds."""
    rng = rng_for("wallet-pref")
    intents = train_intents()
    by_key = {it["key"]: it for it in intents}
    kinds = ["verbose", "off_tone", "unsafe", "inaccurate"]
    rows = []
    for n, it in enumerate(intents):
        order = ["unsafe", "off_tone", "verbose"] if it["refuse"] else kinds[n % 4:] + kinds[:n % 4]
        if not it["refuse"] and n % 3 == 0:
            order = ["inaccurate"] + [k for k in order if k != "inaccurate"]
        made = 0
        for kind in order:
            if made == 2:
                break
            q = it["qs"][(made + 1) % len(it["qs"])]
            chosen = it["ans"][made % len(it["ans"])]
            pair = _pair([dress(q, it, rng)], chosen, it, kind, rng)
            if pair:
                rows.append(pair)
                made += 1
    for n, (base, fqs, fa, _facts) in enumerate(FOLLOWUPS):
        it = by_key[base]
        turns = [it["qs"][-1], it["ans"][0], fqs[-1]]
        kind = ["verbose", "inaccurate", "off_tone", "unsafe"][n % 4]
        topic, refuse = followup_label(it)
        ctx = {**it, "topic": topic, "refuse": refuse}
        pair = _pair(turns, fa, ctx, kind, rng) or _pair(turns, fa, ctx, "verbose", rng)
        rows.append(pair)
    rng.shuffle(rows)
    return number_ids(rows, "ws-pref")
