"""Assemble the Lumen Wallet corpus: help-centre articles plus release notes."""

from __future__ import annotations

from .wallet_docs_a import NETWORK_DOCS, ONBOARDING
from .wallet_docs_b import TRANSACTION_DOCS
from .wallet_docs_c import FEATURE_DOCS, SECURITY_DOCS
from .wallet_facts import ERRORS, PATCHES, RELEASES, long_date

ERROR_GROUPS = [
    ("hc-020", "Error codes E-1xxx: sending transactions", "2025-11-20", "E-1",
     "E-1xxx errors appear when you confirm a transaction or when the network rejects it."),
    ("hc-021", "Error codes E-2xxx and E-3xxx: networks and addresses", "2025-11-20", ("E-2", "E-3"),
     "E-2xxx errors concern the connection to a network's node (RPC); E-3xxx errors "
     "concern recipient addresses."),
    ("hc-022", "Error codes E-4xxx and E-6xxx: dApps and swaps", "2025-07-15", ("E-4", "E-6"),
     "E-4xxx errors come from connections with dApps through WalletConnect or the extension; "
     "E-6xxx errors come from in-app swaps."),
    ("hc-023", "Error codes E-5xxx and E-7xxx: device and backup", "2025-09-30", ("E-5", "E-7"),
     "E-5xxx errors come from the device's security features; E-7xxx errors come from "
     "Lumen Vault Backup."),
]

ERROR_FOOTER = """\
## Before contacting support
Note the exact code, the network and the transaction hash if there is one. Export a state log from **Settings > Advanced > Export state logs** (it contains no keys or phrases) and attach it in **Settings > Help > Chat with us**. Never send your recovery phrase, private key or PIN: support will never ask for them.

## Still seeing the error?
Check status.lumenwallet.app for incidents on the network you are using, then retry. Error codes are the same in the mobile app and the browser extension."""

RELEASE_EXTRA = {
    "3.0": ("Version 3.0 is the biggest redesign since launch, built around multi-network use.",
            ["Faster balance loading on slow connections", "Clearer wording on the send screen"]),
    "3.1": ("Version 3.1 focuses on stuck transactions and gives advanced users more control.",
            ["Fixed duplicate entries in Activity after reinstalling",
             "Fixed fee estimate flicker on Polygon PoS"]),
    "3.2": ("Version 3.2 takes Lumen beyond the phone with a browser extension.",
            ["Fixed QR scanner focus on some Android phones",
             "Improved WalletConnect reconnection after the app was closed"]),
    "3.3": ("Version 3.3 is about backups: more ways to make sure you never lose access.",
            ["Fixed the phrase verification screen on small iPhones",
             "Fixed a crash when revealing the recovery phrase with VoiceOver on"]),
    "3.4": ("Version 3.4 opens Lumen to more networks.",
            ["Fixed token icons missing on Optimism",
             "Network list now remembers your last selected network"]),
    "3.5": ("Version 3.5 brings Bitcoin to Lumen, alongside the EVM networks.",
            ["Fixed wrong fiat values for some tokens on BNB Smart Chain",
             "Faster startup with many accounts"]),
    "3.6": ("Version 3.6 adds a network and makes swaps cheaper and more predictable.",
            ["Fixed swap quotes not refreshing after switching accounts",
             "Fixed a layout issue in the Activity tab on tablets"]),
    "3.7": ("Version 3.7 is a security release focused on safer signing.",
            ["Fixed slow simulation on Arbitrum One",
             "Fixed WalletConnect prompts appearing twice"]),
    "3.8": ("Version 3.8 gives you more control over what dApps can spend.",
            ["Fixed hidden accounts reappearing after restore",
             "Reduced battery use while the app is in the background"]),
}

KNOWN_ISSUES = {
    "3.0": "Account names longer than 24 characters are cut off on the home screen.",
    "3.1": "The nonce field can show the next nonce briefly before refreshing; wait for it to settle.",
    "3.2": "Firefox may ask you to re-pin the extension after a browser update.",
    "3.3": "Vault Backup upload can take a few minutes on slow connections; keep the app open.",
    "3.4": "Balances on Base may not refresh after switching networks (fixed in 3.4.1).",
    "3.5": "Bitcoin balances can lag by one block right after a transfer; pull to refresh.",
    "3.6": "Avalanche C-Chain token icons load slowly for tokens added as custom tokens.",
    "3.7": "Ledger pairing can time out on some Android 13 phones (fixed in 3.7.2).",
    "3.8": "On Arbitrum One a slow default RPC could show E-2001 (fixed in 3.8.1).",
}

UPDATE_NOTE = """\
## How to update
Lumen updates through the App Store, Google Play and the browser's extension store. Check your version under **Settings > About**. Updating never changes your recovery phrase, keys or balances, and you never need to re-enter your phrase to update. Ignore any message that asks for your phrase "to complete the upgrade": it is a scam."""


def _error_doc(doc_id, title, updated, prefix, intro) -> dict:
    prefixes = prefix if isinstance(prefix, tuple) else (prefix,)
    parts = [intro, ""]
    for code, name, meaning, fix in ERRORS:
        if code.startswith(prefixes):
            parts.append(f"## {code} {name}")
            parts.append(f"**What it means:** {meaning[0].upper() + meaning[1:]}.")
            parts.append(f"**How to fix it:** {fix[0].upper() + fix[1:]}.")
            parts.append("")
    parts.append(ERROR_FOOTER)
    return {"id": doc_id, "title": title, "kind": "help_center",
            "text": "\n".join(parts) + "\n", "updated": updated}


def _release_doc(ver, date, items) -> dict:
    summary, fixes = RELEASE_EXTRA[ver]
    lines = [f"Released {long_date(date)}. {summary}", "", "## New"]
    lines += [f"- {item}." for item in items]
    lines += ["", "## Fixes"] + [f"- {f}." for f in fixes]
    if ver in PATCHES:
        pver, pdate, pnote = PATCHES[ver]
        lines += ["", f"## Patch {pver}", f"Released {long_date(pdate)}: {pnote}."]
    android = "Android 10" if ver == "3.8" else "Android 9"
    lines += ["", "## Known issues", f"- {KNOWN_ISSUES[ver]}", "", "## Compatibility",
              f"Requires iOS 16 or later and {android} or later. The browser extension "
              "follows the same version numbers from 3.2 on.", "", UPDATE_NOTE]
    return {"id": f"rn-{ver}", "title": f"Lumen Wallet {ver} release notes", "kind": "release_notes",
            "text": "\n".join(lines) + "\n", "updated": date}


def build_corpus() -> list[dict]:
    """Return all corpus documents, help-centre first, then release notes."""
    docs = []
    for doc_id, title, updated, text in ONBOARDING + NETWORK_DOCS + TRANSACTION_DOCS:
        docs.append({"id": doc_id, "title": title, "kind": "help_center", "text": text,
                     "updated": updated})
    docs += [_error_doc(*g) for g in ERROR_GROUPS]
    for doc_id, title, updated, text in SECURITY_DOCS + FEATURE_DOCS:
        docs.append({"id": doc_id, "title": title, "kind": "help_center", "text": text,
                     "updated": updated})
    docs += [_release_doc(*r) for r in RELEASES]
    return sorted(docs, key=lambda d: (d["kind"] != "help_center", d["id"]))
