"""Lumen Wallet product facts: the single source of truth for corpus and chats."""

from __future__ import annotations

SYSTEM_PROMPT = (
    "You are the Lumen Wallet support assistant. Lumen Wallet is a non-custodial "
    "crypto wallet: users hold their own keys. Reply in a concise, friendly and "
    "calm voice, usually in one to four sentences, and stick to documented product "
    "facts. Never ask for, accept or help recover a recovery phrase, private key "
    "or PIN, never help access a wallet that is not the user's own, and never give "
    "investment advice. When you must decline, say so kindly and offer a safe next step."
)

SUPPORT_EMAIL = "support@lumenwallet.app"
STATUS_PAGE = "status.lumenwallet.app"
CHAT_PATH = "Settings > Help > Chat with us"
HOURS_WEEKDAY = "Monday to Friday, 08:00-20:00 UTC"
HOURS_SATURDAY = "Saturday, 10:00-16:00 UTC"

# name, chain id, native token, version added, finality note, fee note
NETWORKS = [
    {"name": "Ethereum", "chain_id": "1", "token": "ETH", "since": "3.0",
     "final": "Finalized after about 13 minutes (two epochs)",
     "fee": "EIP-1559 fees: a base fee that is burned plus a priority tip"},
    {"name": "Polygon PoS", "chain_id": "137", "token": "POL", "since": "3.0",
     "final": "Finalized after checkpointing, usually within 30 minutes",
     "fee": "fees are paid in POL and are usually a fraction of a cent"},
    {"name": "Arbitrum One", "chain_id": "42161", "token": "ETH", "since": "3.0",
     "final": "Confirmed within seconds; finalized once the batch is posted to Ethereum",
     "fee": "fees are paid in ETH and include an L1 data fee"},
    {"name": "Optimism", "chain_id": "10", "token": "ETH", "since": "3.0",
     "final": "Confirmed within seconds; finalized once the batch is posted to Ethereum",
     "fee": "fees are paid in ETH and include an L1 data fee"},
    {"name": "BNB Smart Chain", "chain_id": "56", "token": "BNB", "since": "3.0",
     "final": "Finalized after 15 blocks, roughly 45 seconds",
     "fee": "fees are paid in BNB"},
    {"name": "Base", "chain_id": "8453", "token": "ETH", "since": "3.4",
     "final": "Confirmed within seconds; finalized once the batch is posted to Ethereum",
     "fee": "fees are paid in ETH and include an L1 data fee"},
    {"name": "Avalanche C-Chain", "chain_id": "43114", "token": "AVAX", "since": "3.6",
     "final": "Finalized in about 2 seconds",
     "fee": "fees are paid in AVAX"},
    {"name": "Bitcoin", "chain_id": "none (not an EVM network)", "token": "BTC", "since": "3.5",
     "final": "Shown as Finalized after 3 confirmations",
     "fee": "fees are set in sat/vB with Economy, Normal and Priority presets"},
]

# code, short name, meaning, fix
ERRORS = [
    ("E-1001", "insufficient funds for gas",
     "the account doesn't hold enough of the network's native token to pay the network fee",
     "add some of the native token (for example ETH on Arbitrum or POL on Polygon) to the "
     "same account and network, then try again"),
    ("E-1002", "amount exceeds balance",
     "the amount plus the network fee is more than the available balance",
     "tap Max, which leaves room for the fee, or lower the amount"),
    ("E-1203", "nonce too low",
     "a transaction with this nonce has already been confirmed, so the network rejects the new one",
     "go to Settings > Advanced > Reset account to clear the cached nonce, then send again"),
    ("E-1204", "nonce gap",
     "an earlier transaction from this account is still pending, so later ones are queued",
     "open Activity and speed up or cancel the oldest pending transaction first"),
    ("E-1310", "replacement fee too low",
     "a speed-up or cancel must raise the fee by at least 10% over the pending transaction",
     "choose the Aggressive preset or raise the max fee by at least 10%"),
    ("E-1402", "transaction underpriced",
     "the max fee you set is below the network's current base fee",
     "switch to the Market preset or raise the max base fee in the advanced gas editor"),
    ("E-1501", "execution reverted",
     "the smart contract rejected the transaction; the network fee for the attempt is still spent",
     "check the token approval, slippage setting and amount, then retry"),
    ("E-2001", "RPC unreachable",
     "Lumen can't reach the network node (RPC endpoint) for the selected network",
     "check status.lumenwallet.app, or pick another endpoint under Settings > Networks > "
     "[network] > RPC endpoint"),
    ("E-2105", "chain ID mismatch",
     "the RPC URL of a custom network reports a different chain ID than the one you entered",
     "edit the custom network and enter the chain ID the RPC provider documents"),
    ("E-3001", "invalid address",
     "the address has the wrong format or fails its checksum",
     "copy the address again or scan its QR code instead of typing it"),
    ("E-3002", "address belongs to another network",
     "the address format doesn't match the selected network, such as a bc1 Bitcoin address "
     "on an EVM network",
     "switch to the network that matches the address or ask the recipient for the right one"),
    ("E-4010", "session expired",
     "the WalletConnect session with the dApp has expired or was closed",
     "reconnect from the dApp; old sessions are listed under Settings > Connected sites"),
    ("E-4102", "unsupported chain requested",
     "a connected dApp asked Lumen to switch to a network Lumen doesn't have",
     "add it under Settings > Networks > Add custom network if it is an EVM chain, or use a "
     "network the dApp and Lumen both support"),
    ("E-5001", "biometrics unavailable",
     "Face ID or fingerprint unlock is turned off or not enrolled on the device",
     "unlock with your PIN, then re-enable biometrics in Settings > Security & Privacy"),
    ("E-5003", "too many PIN attempts",
     "5 wrong PIN entries lock the app for 15 minutes",
     "wait 15 minutes; after 10 wrong attempts the app erases wallet data from the device "
     "and you restore with your recovery phrase"),
    ("E-6002", "swap quote expired",
     "swap quotes are valid for 30 seconds and this one ran out before you confirmed",
     "tap Refresh quote and confirm within 30 seconds"),
    ("E-7001", "backup decryption failed",
     "the backup password doesn't match the one used for Lumen Vault Backup",
     "re-enter the backup password carefully; support cannot reset it, so restore with the "
     "recovery phrase if it is lost"),
]

# version, date, headline items
RELEASES = [
    ("3.0", "2024-03-12", [
        "Redesigned home screen with the network pill at the top for switching networks",
        "Multiple accounts: up to 50 accounts from one recovery phrase",
        "New Activity tab with Pending, Confirmed, Finalized, Failed and Dropped labels"]),
    ("3.1", "2024-05-07", [
        "Speed up and Cancel buttons on pending transactions",
        "Custom nonce toggle under Settings > Transactions",
        "Clearer error message for E-1204 nonce gap"]),
    ("3.2", "2024-07-16", [
        "Browser extension for Chrome, Brave and Firefox",
        "WalletConnect v2 support and the Connected sites screen",
        "Export state logs under Settings > Advanced for support tickets"]),
    ("3.3", "2024-09-24", [
        "Lumen Vault Backup: encrypted cloud backup to iCloud Drive or Google Drive",
        "Option to create a 24-word recovery phrase",
        "Backup password must be at least 12 characters"]),
    ("3.4", "2024-12-03", [
        "Base network support",
        "Add custom EVM networks under Settings > Networks > Add custom network",
        "E-2105 chain ID mismatch check for custom networks"]),
    ("3.5", "2025-02-18", [
        "Bitcoin support with native SegWit (bc1q) addresses",
        "Address book under Settings > Address book",
        "Bitcoin fee presets Economy, Normal and Priority"]),
    ("3.6", "2025-05-06", [
        "Avalanche C-Chain support",
        "Swap fee lowered to 0.5% on stablecoin-to-stablecoin swaps (0.75% otherwise)",
        "Slippage setting for swaps, default 0.5%"]),
    ("3.7", "2025-08-19", [
        "Transaction simulation preview that shows balance changes before you sign",
        "Phishing warnings: a red banner on known malicious sites",
        "Ledger hardware wallets via Bluetooth (mobile) and USB (extension)"]),
    ("3.8", "2025-11-04", [
        "Token approvals manager under Settings > Security & Privacy > Token approvals",
        "Immediately option for the auto-lock timer",
        "Polygon's native token now shown as POL instead of MATIC; Android 9 no longer supported"]),
]

PATCHES = {
    "3.4": ("3.4.1", "2024-12-17", "fixed balances not refreshing on Base after switching networks"),
    "3.7": ("3.7.2", "2025-09-09", "fixed Ledger pairing timeouts on some Android 13 phones"),
    "3.8": ("3.8.1", "2025-11-20", "fixed E-2001 appearing on Arbitrum when the default RPC was slow"),
}

MONTHS = ["January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December"]


def long_date(iso: str) -> str:
    """2024-03-12 -> March 12, 2024."""
    y, m, d = iso.split("-")
    return f"{MONTHS[int(m) - 1]} {int(d)}, {y}"


def network(name: str) -> dict:
    """Look up a network record by name."""
    return next(n for n in NETWORKS if n["name"] == name)


def error(code: str) -> tuple:
    """Look up an error record by code."""
    return next(e for e in ERRORS if e[0] == code)


def release(ver: str) -> tuple:
    """Look up a release record by version."""
    return next(r for r in RELEASES if r[0] == ver)
