"""Hand-written Lumen help-centre articles, part B (transactions and fees)."""

from __future__ import annotations

TRANSACTION_DOCS = [
    ("hc-013", "Transaction statuses explained", "2025-05-19", """\
The Activity tab (redesigned in version 3.0) labels every transaction with one of five statuses.

## Statuses
- **Pending:** submitted to the network and waiting to be included in a block. You can speed it up or cancel it.
- **Confirmed:** included in a block. On Ethereum this usually takes 12 to 30 seconds with the Market fee preset.
- **Finalized:** the network considers it irreversible. Ethereum finalizes after about 13 minutes; Bitcoin transactions show Finalized after 3 confirmations.
- **Failed:** included in a block but reverted by a smart contract (E-1501). The network fee is still charged because validators did the work.
- **Dropped:** the network no longer knows the transaction, usually because the fee was too low or it was replaced. A transaction is marked Dropped after 6 hours without being seen. Dropped transactions never moved any funds.

## See details
Tap a transaction to see the amount, fee, nonce and hash, and tap **View on explorer** to open it in the network's block explorer.

## Pull to refresh
Statuses update automatically, but you can pull down on the Activity tab to refresh. If a status seems wrong, compare it with the block explorer, which always shows the network's truth.
"""),
    ("hc-014", "Speed up or cancel a pending transaction", "2025-06-03", """\
Since version 3.1 pending transactions show **Speed up** and **Cancel** buttons in the Activity tab.

## Speed up
Speed up re-sends the same transaction with the same nonce and a higher fee. The network only accepts the replacement if the fee is at least 10% higher than the original; otherwise you see E-1310 (replacement fee too low). Choosing the Aggressive preset always meets this rule.

## Cancel
Cancel sends a transaction of 0 of the native token to your own address with the same nonce and a higher fee. If it is confirmed first, the original can never be confirmed. You still pay the network fee for the cancel transaction.

## When it's too late
Once a transaction is Confirmed, it can't be sped up or cancelled, and nobody, including Lumen, can reverse it.

## Bitcoin
Bitcoin transactions sent from Lumen signal replace-by-fee (RBF), so Speed up works for them too. Cancel is not available for Bitcoin.

## Several stuck transactions
Transactions from one account confirm in nonce order. Always speed up or cancel the oldest pending one first; later ones are waiting behind it (see E-1204 nonce gap).
"""),
    ("hc-015", "Nonces, custom nonce and Reset account", "2025-06-03", """\
Every transaction from an EVM account carries a nonce: a counter that starts at 0 and goes up by one with each transaction. The network processes an account's transactions strictly in nonce order.

## Common nonce problems
- **E-1203 nonce too low:** a transaction with that nonce was already confirmed, often because you used the same account from another wallet. Lumen's cached nonce is out of date.
- **E-1204 nonce gap:** an earlier transaction is still pending, so newer ones wait.

## Reset account
**Settings > Advanced > Reset account** clears Lumen's local activity history and nonce cache for the selected account. It does not touch your funds, keys or recovery phrase, and history reloads from the network. This is the usual fix for E-1203.

## Custom nonce
Turn on **Settings > Transactions > Custom nonce** (added in 3.1) to see and edit the nonce field on the confirmation screen. It is meant for advanced users, for example to replace a specific stuck transaction manually. Using a nonce that is too high leaves the transaction waiting until the gap is filled.

## Bitcoin has no nonces
Bitcoin uses a different model, so these settings and errors only apply to EVM networks.
"""),
    ("hc-016", "A transaction or token isn't showing", "2025-08-28", """\
If something you expect is missing from Lumen, work through these checks.

## 1. Check the network
Balances are per network. Tap the network pill and select the network the transfer was sent on.

## 2. Refresh
Pull down on the home screen or the Activity tab. Balances also refresh when you reopen the app.

## 3. Check the explorer
Ask the sender for the transaction hash and look it up in the network's block explorer. If the explorer shows it as successful to your address, the funds are in your wallet even if Lumen doesn't show them yet.

## 4. Add the token
Lumen lists popular tokens automatically. For others use **Manage tokens > Add custom token** and paste the token's contract address from a trusted source such as the project's official site.

## 5. Check the account
If you have several accounts, make sure the one selected is the one that received the funds.

## Hidden spam tokens
Lumen hides tokens flagged as spam. Unsolicited tokens can be bait for phishing sites, so don't visit links in token names. You can show hidden tokens under Manage tokens, but you never need to interact with them.

## Still missing?
Contact support from **Settings > Help > Chat with us** with the transaction hash and an exported state log.
"""),
    ("hc-017", "Network fees and gas", "2025-08-12", """\
Every blockchain transaction pays a network fee (gas) to the validators or miners who process it. Lumen shows the estimate before you confirm; the fee goes to the network, not to Lumen.

## Fee presets
On EVM networks you can pick **Slow**, **Market** or **Aggressive**. Market is the default and usually confirms within a minute on Ethereum. Slow saves money but may stay pending longer; Aggressive pays more for priority.

## Advanced gas controls
Turn on **Settings > Transactions > Advanced gas controls** to edit the max base fee, priority fee and gas limit yourself. A max fee below the current base fee is rejected with E-1402 (transaction underpriced).

## Layer 2 networks
On Arbitrum One, Optimism and Base the fee has two parts: the L2 execution fee and an L1 data fee for posting data to Ethereum. Lumen shows both lines.

## Failed transactions still cost gas
If a smart contract reverts (E-1501), the network fee is still charged.

## Fee estimates change
Estimates refresh every 15 seconds while the confirmation screen is open, because network demand changes constantly.

## You need the native token
Fees are paid in the network's native token, even when you send a different token. Without it you get E-1001 (insufficient funds for gas).
"""),
    ("hc-018", "Lumen fees: sending, swaps and buying", "2025-05-06", """\
Lumen is free to download and use. Here is the full list of fees.

## Sending and receiving
Lumen charges no fee for sending or receiving crypto. You only pay the network fee, which goes to the network.

## Swaps
In-app swaps carry a Lumen fee of 0.75% of the swap amount. Since version 3.6, stablecoin-to-stablecoin swaps (for example USDC to DAI) cost 0.5%. The fee is already included in the quote you see, next to the network fee.

## Buying crypto
Tap **Buy** on the home screen to pay by card or bank transfer. Purchases are handled by our partner Rampway. Rampway charges its own fee, shown before you pay; Lumen adds no markup. Identity checks and payment issues are handled by Rampway's support team.

## Things that are always free
- Creating wallets and accounts
- Adding custom networks and tokens
- Revoking approvals in Lumen (only the network fee applies)
- Contacting support

## Watch out
Lumen never charges "unlock", "verification" or "withdrawal" fees. Anyone asking you to pay to release funds is running a scam.
"""),
    ("hc-019", "Bitcoin in Lumen", "2025-03-04", """\
Lumen added Bitcoin in version 3.5.

## Addresses
Your Bitcoin account uses native SegWit addresses that start with **bc1q**. You can send to all common Bitcoin address types: legacy (starting with 1), P2SH (starting with 3), native SegWit (bc1q) and Taproot (bc1p). Receiving is only to bc1q addresses.

## Fees
Bitcoin fees are set in satoshis per virtual byte (sat/vB). Choose **Economy**, **Normal** or **Priority**; Normal is the default. Fees depend on the transaction size, not the amount sent.

## Confirmations
A Bitcoin transaction shows Confirmed after 1 confirmation and Finalized after 3 confirmations. Blocks come roughly every 10 minutes, so Finalized usually takes about 30 minutes.

## Speeding up
Lumen marks Bitcoin transactions as replace-by-fee (RBF), so you can use **Speed up** on a pending one. Cancel is not available for Bitcoin.

## Not an EVM network
Bitcoin has no chain ID, no smart-contract tokens in Lumen and a different address from your EVM accounts. Sending an EVM token to a bc1 address is blocked with E-3002.
"""),
]
