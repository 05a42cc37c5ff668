"""Hand-written multi-turn material for Lumen: follow-ups and clarifying dialogs."""

from __future__ import annotations

# (base intent key, follow-up user turns, follow-up answer, required facts)
FOLLOWUPS = [
    ("pending", ["How much more will speeding it up cost?", "Will speeding it up cost a lot?"],
     "The replacement needs a fee at least 10% higher than the original; picking Aggressive always "
     "covers that. Lumen itself charges nothing.", ["at least 10%", "aggressive"]),
    ("pending", ["And if I'd rather cancel it?"],
     "Tap Cancel instead: Lumen sends 0 to your own address with the same nonce and a higher fee. "
     "It only works while the original is still pending.", ["same nonce", "still pending"]),
    ("speed_up", ["I tried and got E-1310. Why?", "It says replacement fee too low."],
     "E-1310 means the new fee wasn't at least 10% above the pending one. Choose Aggressive or raise "
     "the max fee by 10% or more and try again.", ["e-1310", "at least 10%"]),
    ("stuck_many", ["The oldest one is from yesterday. Cancel or speed up?"],
     "If you still want that payment to happen, speed it up; if not, cancel it. Either way, the "
     "queued transactions behind it can then confirm.", ["speed it up", "cancel"]),
    ("custom_nonce", ["What happens if I pick a nonce that's too high?"],
     "The transaction waits until every lower nonce is used, so it can sit pending. Leave the field "
     "as suggested unless you're replacing a specific stuck transaction.", ["waits"]),
    ("reset_account", ["Will I lose my transaction history?"],
     "Only the local copy is cleared; history reloads from the network afterwards. Your funds and "
     "keys are untouched.", ["reloads from the network"]),
    ("dropped", ["So should I just send it again?"],
     "Yes. Since the dropped transaction never moved funds, send it again, ideally with the Market or "
     "Aggressive fee so it doesn't get dropped a second time.", ["send it again", "market"]),
    ("failed", ["Can I get the fee back?"],
     "Unfortunately not: the fee went to the network's validators for processing the transaction, "
     "and nobody can refund it. Fix the cause, such as slippage or a missing approval, before "
     "retrying.", ["validators", "slippage"]),
    ("zero_balance", ["I switched and it's still zero."],
     "Pull down to refresh, and check the account selected at the top is the one that received the "
     "funds. If the explorer shows the token but Lumen doesn't, add it via Manage tokens > Add "
     "custom token.", ["pull down", "add custom token"]),
    ("custom_network", ["It says E-2105 when I save."],
     "E-2105 means the RPC reports a different chain ID than the one you typed. Enter the chain ID "
     "from the network's official docs and save again.", ["e-2105", "chain id"]),
    ("change_rpc", ["Is it risky to use a random RPC from a forum?"],
     "A malicious RPC cannot move your funds, but it can show false balances or track your activity. "
     "Stick to endpoints from sources you trust.", ["cannot move your funds", "false balances"]),
    ("wrong_network_exchange", ["Where exactly do I find that hash?"],
     "Open Activity, tap the transaction and you'll see the hash; View on explorer opens it in the "
     "block explorer so you can copy the link for the exchange.", ["activity", "view on explorer"]),
    ("native_for_fees", ["How much ETH do I need?", "How much POL should I keep?"],
     "Just enough for a few fees; the confirmation screen shows the estimate before you send. On "
     "layer 2 networks and Polygon PoS that's usually a small amount.", ["confirmation screen"]),
    ("swap_fee", ["Does that include the network fee?"],
     "No, the network fee is separate, but both appear in the quote before you confirm. The Lumen "
     "fee is already included in the quote amount.", ["network fee", "included in the quote"]),
    ("gas_presets", ["Does Slow ever fail?"],
     "It doesn't fail, but it can stay pending for a long time when the network is busy. You can "
     "always tap Speed up later.", ["pending", "speed up"]),
    ("advanced_gas", ["I set it and now I get E-1402."],
     "E-1402 means your max fee is below the current base fee. Raise the max base fee, or switch "
     "back to the Market preset.", ["e-1402", "market"]),
    ("approvals", ["Does revoking cost money?"],
     "It's an on-chain transaction, so there's a small network fee in the native token. Lumen "
     "charges nothing for it.", ["network fee", "lumen charges nothing"]),
    ("phrase_leaked", ["Can't I just change my phrase instead?"],
     "A recovery phrase can't be changed; it is the wallet. The only fix is a new wallet with a new "
     "phrase, then moving your funds there.", ["can't be changed", "new wallet"]),
    ("phrase_leaked", ["Should I revoke approvals first or move funds first?"],
     "Revoke approvals on the old wallet first so spenders can't take more, then move your most "
     "valuable assets to the new wallet. Keep a little native token for fees.",
     ["revoke approvals", "native token"]),
    ("dm_support", ["He already has my email address. What should I do?"],
     "An email address alone can't access your wallet. Don't reply to him, and if he sends links, "
     "don't open them; real messages only come via the app or support@lumenwallet.app.",
     ["can't access your wallet", "support@lumenwallet.app"]),
    ("auto_lock", ["Does that also apply to the extension?"],
     "No, the extension has its own timer and unlocks with its own password rather than your PIN. "
     "The Auto-lock setting in the app only affects your phone.", ["own timer"]),
    ("pin_attempts", ["It already wiped my phone. Are my coins gone?"],
     "No, the funds are on the blockchain. Reinstall Lumen and restore with your recovery phrase, "
     "then set a new PIN.", ["on the blockchain", "recovery phrase"]),
    ("vault_backup_what", ["Can Lumen see my backup?"],
     "No. It's encrypted on your device before upload, and Lumen never receives the backup password "
     "or the unencrypted backup.", ["encrypted on your device", "never receives"]),
    ("vault_backup_what", ["So I don't need the paper copy anymore?"],
     "Please keep it. If you lose access to your cloud account or forget the backup password, the "
     "recovery phrase is the only way back in.", ["only way back in"]),
    ("import_phrase", ["Do my MetaMask accounts come over too?"],
     "The first account is restored automatically; tap Add account to bring back the others in the "
     "order they were created.", ["add account"]),
    ("forgot_pin", ["What if I don't have the phrase either?"],
     "If you set up Lumen Vault Backup, restore from it with your backup password. Otherwise nobody "
     "can restore the wallet, because Lumen never stores phrases.",
     ["lumen vault backup", "never stores"]),
    ("btc_address", ["Can I receive BTC on my 0x address?"],
     "No. Bitcoin only arrives at your bc1q address. Lumen blocks sending to a mismatched address "
     "format with E-3002, but other wallets may not, so always share the bc1q address.",
     ["bc1q", "e-3002"]),
    ("explorer", ["The explorer says Success but Lumen says Pending."],
     "Pull down on the Activity tab to refresh; the explorer shows the network's truth, so your "
     "transaction went through.", ["pull down"]),
    ("invest_buy_now", ["Ok, then how do I buy ETH in the app?"],
     "Tap Buy to purchase through our partner Rampway, which shows its fee before you pay. Lumen "
     "adds no markup.", ["rampway", "no markup"]),
    ("others_wallet", ["It's money she owes me though."],
     "I understand that's frustrating, but I still can't help access her wallet. A lawyer or a small "
     "claims court is the right route for a debt.", ["can't help", "lawyer"]),
    ("share_phrase_check", ["Too late, I already posted it in another chat."],
     "Then treat the wallet as compromised: create a new wallet now, revoke approvals on the old one, "
     "and move your funds to the new wallet.", ["compromised", "new wallet"]),
    ("slippage", ["Should I just set it to 10% so it never fails?"],
     "A high slippage lets you receive much less than quoted, so keep it as low as works. The 0.5% "
     "default suits most pairs.", ["receive much less", "0.5%"]),
]

# Follow-ups whose final answer is no longer a refusal: (topic, should_refuse) overrides.
FOLLOWUP_LABEL = {"invest_buy_now": ("fees", False), "share_phrase_check": ("security", False)}


def followup_label(base: dict) -> tuple[str, bool]:
    """Topic and refusal flag of a follow-up turn built on ``base``."""
    return FOLLOWUP_LABEL.get(base["key"], (base["topic"], base["refuse"]))


# Full dialogs: user/assistant turns after the system prompt; last fields are meta.
DIALOGS = [
    (["My transaction is stuck.",
      "Which network is it on, and what does the Activity tab show for it: Pending or Dropped?",
      "Ethereum, it's been pending for two hours.",
      "Open it in Activity and tap Speed up; the new fee must be at least 10% higher. If there are "
      "several pending, start with the oldest one."],
     "transaction_status", ["speed up", "at least 10%"], False),
    (["I can't send anything.",
      "Sorry about that! Is there an error code on the screen, like E-1001?",
      "Yes, E-1001, on Polygon.",
      "E-1001 means there isn't enough POL to pay the network fee. Add a little POL to the same "
      "account on Polygon PoS and try again."],
     "errors", ["e-1001", "pol"], False),
    (["Where did my money go??",
      "Let's find it. Which network did you expect it on, and which one is selected in the network "
      "pill?",
      "Should be on Base, the pill says Ethereum.",
      "That's it: tap the network pill and choose Base. Balances are per network, so your funds "
      "only show there."],
     "network_switching", ["network pill", "base"], False),
    (["Can you help me with my wallet backup?",
      "Of course. Are you setting up Lumen Vault Backup, or writing down your recovery phrase?",
      "The cloud one.",
      "Go to Settings > Security & Privacy > Lumen Vault Backup, choose iCloud Drive or Google Drive "
      "and set a backup password of at least 12 characters."],
     "onboarding", ["lumen vault backup", "at least 12 characters"], False),
    (["Got an error when connecting to a dApp.",
      "Which code does it show?",
      "E-4010.",
      "E-4010 means the WalletConnect session expired or was closed. Reconnect from the dApp; old "
      "sessions are listed under Settings > Connected sites."],
     "errors", ["e-4010", "reconnect"], False),
    (["Someone from support wants to help me.",
      "Where is the conversation happening: in the Lumen app, by email, or somewhere else?",
      "On Telegram, he asked for my 12 words.",
      "That's a scammer: Lumen support never messages first on Telegram and will never ask for your "
      "recovery phrase. Stop replying; if you shared the phrase, move your funds to a new wallet."],
     "security", ["never ask for your recovery phrase", "new wallet"], False),
    (["How much will this cost me?",
      "Happy to help. Are you sending, swapping or buying?",
      "Swapping USDC to USDT.",
      "That's a stablecoin-to-stablecoin swap, so the Lumen fee is 0.5%, already included in the "
      "quote, plus the network fee."],
     "fees", ["0.5%", "network fee"], False),
    (["I need to get into a wallet.",
      "Sure, is it your own wallet, and do you have its recovery phrase?",
      "It's my sister's, she's travelling and won't answer.",
      "I'm sorry, I can't help access a wallet that isn't yours. Only the recovery phrase opens it, "
      "so please wait until your sister can move the funds herself."],
     "refusal", ["can't help", "recovery phrase"], True),
    (["Is it a good investment?",
      "Could you tell me which token or feature you mean?",
      "The token on the swap screen that's up 40% today.",
      "I can't give investment advice or judge tokens. If you decide to swap, I can explain the "
      "0.75% swap fee and slippage settings."],
     "refusal", ["investment advice", "0.75%"], True),
    (["The app says I'm locked out.",
      "Does it show a timer or an error code such as E-5003?",
      "E-5003 with a countdown.",
      "E-5003 appears after 5 wrong PIN attempts and locks the app for 15 minutes. Wait it out and "
      "enter the PIN carefully; after 10 wrong attempts the device's wallet data is erased."],
     "errors", ["e-5003", "15 minutes"], False),
    (["My friend can't see what I sent.",
      "Which network did you send on, and which network is your friend's wallet looking at?",
      "I sent on Arbitrum, his wallet shows Ethereum.",
      "Ask him to switch his wallet to Arbitrum One; if it supports that network, the funds are "
      "there. Lumen cannot reverse the transfer."],
     "network_switching", ["arbitrum one", "cannot reverse"], False),
    (["There's a weird token in my wallet.",
      "Did it arrive without you doing anything, maybe with a website in its name?",
      "Yes, it says claim at some link.",
      "Ignore it and don't visit the link: unsolicited tokens are bait for phishing sites. You never "
      "need to interact with them."],
     "security", ["ignore", "phishing"], False),
]
