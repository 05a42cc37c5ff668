"""Lumen chat intents: extra train intents and eval-only held-out intents.

Each held-out intent names a ``key`` phrase: a corpus fact that must not occur in
any train row, so the eval measures retrieval of unseen facts.
"""

from __future__ import annotations

from .wallet_intents_a import intent


def held(key, topic, qs, ans, facts, refuse=False):
    """An eval-only intent; ``key`` is the novel fact checked against train."""
    out = intent(key, topic, qs, ans, facts, refuse=refuse)
    out["novel"] = key
    return out


EXTRA_TRAIN = [
    intent("support_hours", "onboarding", [
        "When is Lumen live chat open?",
        "What are your support hours?",
        "Is support available on weekends?"],
        ["Live chat in **Settings > Help > Chat with us** is open Monday to Friday, 08:00-20:00 UTC, "
         "and Saturday, 10:00-16:00 UTC. It's closed on Sundays; messages are answered the next "
         "working day.",
         "Chat runs Monday to Friday, 08:00-20:00 UTC, plus Saturday 10:00-16:00 UTC, and is closed on "
         "Sundays. Email works any time."],
        ["08:00-20:00 utc", "saturday", "sundays"],
        ["If I message you at 9pm UTC on a Sunday, when will a human read it?"]),
    intent("support_email", "onboarding", [
        "How do I email Lumen support?",
        "What's the support email address?",
        "How quickly does email support reply?"],
        ["Write to **support@lumenwallet.app** at any time; we reply within one business day. "
         "Never include your recovery phrase, private key or PIN.",
         "It's support@lumenwallet.app, and replies come within one business day."],
        ["support@lumenwallet.app", "one business day"],
        ["What inbox should I write to, and how long until I hear back?"]),
    intent("lost_phone", "security", [
        "I lost my phone. Are my funds gone?",
        "My phone was stolen. What happens to my wallet?",
        "I got a new phone. How do I get my wallet back?"],
        ["Your funds are on the blockchain, not on the phone. Install Lumen on a new device, tap "
         "**I already have a wallet** and enter your recovery phrase. The old phone stays protected "
         "by its PIN.",
         "They're safe on the blockchain. Restore on the new device with your recovery phrase, and "
         "set a new PIN."],
        ["on the blockchain", "recovery phrase"],
        ["My handset fell into a lake. Is my crypto still somewhere?"]),
    intent("lost_everything", "security", [
        "I lost both my phone and my seed phrase and never set up a backup. Can you recover it?",
        "No phrase, no phone, no Vault Backup. Is there any way back?",
        "Can Lumen restore my wallet from my email address?"],
        ["I'm really sorry: without the recovery phrase or a Lumen Vault Backup, the wallet cannot be "
         "recovered by anyone. Lumen never stores phrases or keys, so there's nothing to restore "
         "from.",
         "Unfortunately it cannot be recovered by anyone, because Lumen never stores your phrase or "
         "keys. If you find the phrase later, you can restore it on any device."],
        ["cannot be recovered", "never stores"],
        ["Everything is gone: device, seed words, and I never made a cloud copy. Any hope?"]),
]

HELDOUT = [
    held("valid for 30 seconds", "errors", [
        "My swap won't go through, it says E-6002.",
        "What's 'swap quote expired'?"],
        ["E-6002 means the swap quote expired: quotes are valid for 30 seconds. Tap **Refresh quote** "
         "and confirm within 30 seconds."],
        ["valid for 30 seconds", "refresh quote"]),
    held("e-7001", "errors", [
        "Restoring from Vault Backup fails with E-7001.",
        "I forgot my Vault Backup password. Can support reset it?"],
        ["E-7001 means the backup password doesn't match. Support cannot reset it because it never "
         "leaves your device; if it's lost, restore with your recovery phrase and make a new backup."],
        ["e-7001", "cannot reset", "recovery phrase"]),
    held("e-5001", "errors", [
        "Lumen shows E-5001 when I open it.",
        "Face ID stopped working in Lumen and there's an error code."],
        ["E-5001 means biometrics are off or not enrolled on the device. Unlock with your PIN, then "
         "turn Biometric unlock back on in Settings > Security & Privacy."],
        ["e-5001", "pin", "biometric unlock"]),
    held("show test networks", "network_switching", [
        "How do I use Sepolia in Lumen?",
        "Where are the testnets?"],
        ["Turn on **Settings > Advanced > Show test networks**. Sepolia and Polygon Amoy then appear "
         "in the network pill list with a Test badge."],
        ["show test networks", "sepolia"]),
    held("no market value", "fees", [
        "Why can't I swap on Sepolia?",
        "Someone offers real ETH for my testnet ETH. Deal?"],
        ["Swaps and buying are disabled on test networks because test tokens have no market value. "
         "Offers to trade them for real funds are scams."],
        ["no market value"]),
    held("up to 200", "onboarding", [
        "How many addresses can I save in the address book?",
        "Is there a limit to saved contacts in Lumen?"],
        ["You can save up to 200 entries under **Settings > Address book**. Each entry is tied to one "
         "network."],
        ["up to 200", "address book"]),
    held("stored only on the device", "onboarding", [
        "Will my address book come back if I restore on a new phone?",
        "Is the address book part of Vault Backup?"],
        ["No, address book entries are stored only on the device. They aren't part of your recovery "
         "phrase or Vault Backup, so note important ones separately."],
        ["stored only on the device"]),
    held("15 minutes of inactivity", "security", [
        "How long before the browser extension locks itself?",
        "Does the extension use my phone PIN?"],
        ["The extension uses its own password instead of a PIN and auto-locks after 15 minutes of "
         "inactivity by default."],
        ["15 minutes of inactivity", "password"]),
    held("blind signing", "errors", [
        "My Ledger refuses to sign a dApp transaction in Lumen.",
        "Ledger shows 'blind signing required'."],
        ["Some dApps need **Blind signing** enabled in the Ledger's Ethereum app settings. Turn it on "
         "on the device, keep the Ledger unlocked with the app open, and try again."],
        ["blind signing", "ethereum app"]),
    held("3.7.2", "errors", [
        "Ledger pairing keeps timing out on my Android 13 phone.",
        "Which update fixed Ledger pairing on Android?"],
        ["Version 3.7.2 (September 9, 2025) fixed Ledger pairing timeouts on some Android 13 phones. "
         "Update Lumen and keep the Ledger unlocked with the app open while pairing."],
        ["3.7.2", "android 13"]),
    held("43114", "network_switching", [
        "What's the chain ID of Avalanche C-Chain?",
        "I'm adding Avalanche to a dApp config. Which chain ID does Lumen use?"],
        ["Avalanche C-Chain uses chain ID 43114, and fees are paid in AVAX."],
        ["43114", "avax"]),
    held("about 2 seconds", "transaction_status", [
        "How fast are Avalanche transactions final?",
        "When is my AVAX transfer finalized?"],
        ["Avalanche C-Chain transactions are finalized in about 2 seconds."],
        ["about 2 seconds"]),
    held("15 blocks", "transaction_status", [
        "When is a BNB Smart Chain transaction final?",
        "How long does BSC take to finalize in Lumen?"],
        ["BNB Smart Chain transactions are finalized after 15 blocks, roughly 45 seconds."],
        ["15 blocks", "45 seconds"]),
    held("english, spanish and german", "onboarding", [
        "Can I get support in Spanish?",
        "Which languages does live chat support?"],
        ["Chat support is offered in English, Spanish and German. The help centre is also available "
         "in French and Portuguese."],
        ["english, spanish and german"]),
    held("share crash reports", "security", [
        "Does Lumen collect analytics? Can I opt out?",
        "How do I stop sending crash data?"],
        ["Lumen only collects anonymous crash reports and never keys, phrases or PINs. Turn them off "
         "under **Settings > Security & Privacy > Share crash reports**."],
        ["share crash reports"]),
    held("taproot", "network_switching", [
        "Can I send BTC to a bc1p address?",
        "Can I receive Bitcoin on a Taproot address in Lumen?"],
        ["You can send to Taproot (bc1p), legacy, P2SH and bc1q addresses, but Lumen receives only on "
         "native SegWit bc1q addresses."],
        ["taproot", "bc1q"]),
    held("delete network", "network_switching", [
        "How do I remove a custom network I added?",
        "I added a broken custom chain. How do I get rid of it?"],
        ["Open the network under Settings > Networks and tap **Delete network** at the bottom of its "
         "page."],
        ["delete network"]),
    held("three dots", "onboarding", [
        "How do I rename an account?",
        "Can I hide an account I don't use?"],
        ["Open the account list, tap the three dots next to the account and choose **Rename** or "
         "**Hide**. Hidden accounts keep their funds and can be shown again."],
        ["three dots", "hide"]),
    held("rampway's support", "fees", [
        "My card purchase is stuck in identity verification.",
        "Who do I contact about a failed card payment for crypto?"],
        ["Identity checks and payment issues for purchases are handled by Rampway's support team, "
         "since Rampway processes the payment."],
        ["rampway's support"]),
    held("july 16, 2024", "onboarding", [
        "When was Lumen 3.2 released?",
        "When did the browser extension come out?"],
        ["Lumen 3.2 was released on July 16, 2024, bringing the browser extension for Chrome, Brave "
         "and Firefox and WalletConnect v2."],
        ["july 16, 2024", "3.2"]),
    held("august 19, 2025", "security", [
        "When did 3.7 come out and what was in it?",
        "Which release added transaction simulation, and when?"],
        ["Lumen 3.7 was released on August 19, 2025. It added transaction simulation, phishing "
         "warnings and Ledger support."],
        ["august 19, 2025", "3.7"]),
    held("7 days", "errors", [
        "How long do WalletConnect sessions last?",
        "Why do my dApp connections keep expiring?"],
        ["WalletConnect sessions expire after 7 days without activity, and requests then fail with "
         "E-4010. Just reconnect from the dApp."],
        ["7 days", "e-4010"]),
    held("blocks screenshots", "security", [
        "Why can't I screenshot my recovery phrase?",
        "The reveal phrase screen goes black when I try to screen record."],
        ["That's deliberate: Lumen blocks screenshots and screen recording on the recovery phrase "
         "screen. Write the phrase on paper instead and keep it offline."],
        ["blocks screenshots"]),
    held("more than 30", "onboarding", [
        "Can I see my balance in euros?",
        "Which fiat currencies can Lumen display?"],
        ["Yes: pick the display currency in **Settings > Currency & Language**. More than 30 "
         "currencies are available, including EUR, USD and GBP."],
        ["more than 30", "currency & language"]),
    held("6 hours", "transaction_status", [
        "How long before Lumen marks a transaction as Dropped?",
        "When does a stuck transaction turn into Dropped?"],
        ["Lumen marks a transaction Dropped after 6 hours without it being seen on the network. "
         "Dropped transactions never moved funds."],
        ["6 hours"]),
    held("every 15 seconds", "fees", [
        "Why does the fee estimate keep changing on the confirm screen?",
        "How often does Lumen refresh gas estimates?"],
        ["Fee estimates refresh every 15 seconds while the confirmation screen is open, because "
         "network demand changes constantly."],
        ["every 15 seconds"]),
    held("price alerts", "fees", [
        "Can Lumen notify me when ETH hits $5,000?",
        "Does Lumen have price alerts?"],
        ["Lumen doesn't offer price alerts or trading signals, as the app doesn't give investment "
         "advice. You can still get notifications for transfers and confirmations."],
        ["price alerts"]),
    held("edit amount", "security", [
        "Can I approve less than unlimited when a dApp asks?",
        "How do I limit how much a dApp can spend?"],
        ["Yes: on the approval request tap **Edit amount** and approve only what you need instead of "
         "an unlimited amount."],
        ["edit amount"]),
    held("for inheritance", "refusal", [
        "My father passed away. Can you give me access to his Lumen wallet?",
        "My late husband used Lumen. Can you unlock his wallet for the family?"],
        ["I'm very sorry for your loss. Lumen can't give access to another person's wallet; only the "
         "recovery phrase opens it. Check his papers for a written phrase, which can be restored in "
         "Lumen; for inheritance questions a lawyer can help."],
        ["can't give access", "recovery phrase"], refuse=True),
    held("don't know who owns", "refusal", [
        "Tell me who owns address 0x3b9e...c21f, they scammed me.",
        "Give me the name and email behind this wallet address."],
        ["I'm sorry you were scammed, but we don't know who owns any address and can't help identify "
         "people. Please report the theft to the police with the transaction hashes."],
        ["don't know who owns", "police"], refuse=True),
]
