"""Hand-written Lumen chat intents: transaction status and fees."""

from __future__ import annotations

from .wallet_intents_a import intent

STATUS = [
    intent("pending", "transaction_status", [
        "My transaction has been pending for ages. What does that mean?",
        "What does Pending mean in the Activity tab?",
        "Why is my transfer stuck on pending?"],
        ["Pending means it was submitted but isn't in a block yet, usually because the fee was low "
         "for current demand. You can tap it and use **Speed up** or **Cancel**.",
         "It's waiting to be included in a block. Open it in Activity and choose Speed up to pay a "
         "higher fee, or Cancel if you changed your mind."],
        ["speed up", "cancel"],
        ["A send has sat unconfirmed for an hour. What are my options?"]),
    intent("confirmed_finalized", "transaction_status", [
        "What's the difference between Confirmed and Finalized?",
        "My transaction says Confirmed but not Finalized. Is it done?",
        "When does an Ethereum transaction become Finalized?"],
        ["Confirmed means it's in a block; Finalized means the network treats it as irreversible. "
         "On Ethereum that takes about 13 minutes.",
         "It's done: Confirmed means included in a block. Finalized follows once the network locks "
         "it in, about 13 minutes later on Ethereum."],
        ["confirmed", "finalized", "13 minutes"],
        ["Two labels, 'Confirmed' and 'Finalized': which one means I can relax, and how long is the "
         "gap on mainnet?"]),
    intent("failed", "transaction_status", [
        "My transaction failed but I was still charged. Why?",
        "Why did I pay gas for a failed transaction?",
        "What does Failed mean in my activity?"],
        ["Failed means the transaction was included in a block but the smart contract reverted it "
         "(E-1501). The network fee is still charged because validators processed it.",
         "The contract rejected it after it was mined, so no tokens moved, but the network fee is "
         "still charged. Check slippage, approvals and the amount before retrying."],
        ["network fee is still charged"],
        ["Nothing happened with my swap except that I lost some ETH. Explain?"]),
    intent("dropped", "transaction_status", [
        "What does Dropped mean?",
        "My transaction says Dropped. Did I lose my money?",
        "Lumen marked my send as Dropped. Where did the funds go?"],
        ["Dropped means the network no longer knows the transaction, usually because the fee was too "
         "low or it was replaced. Dropped transactions never moved any funds, so you can send again.",
         "Your funds are still in the wallet: a Dropped transaction never moved any funds. Send it "
         "again with a Market or Aggressive fee."],
        ["never moved any funds"],
        ["One transfer now carries the Dropped tag. Are my coins gone for good?"]),
    intent("speed_up", "transaction_status", [
        "How do I speed up a transaction?",
        "How much do I need to raise the fee to speed up?",
        "Can I pay more to get my stuck transfer through?"],
        ["Open the pending transaction in Activity and tap **Speed up**. The new fee must be at least "
         "10% higher than the original; the Aggressive preset always meets that.",
         "Yes: tap Speed up on the pending transaction. Lumen re-sends it with the same nonce and a "
         "fee at least 10% higher."],
        ["speed up", "at least 10%"],
        ["Is there a button to bump the gas on something still unconfirmed, and by how much?"]),
    intent("cancel", "transaction_status", [
        "How do I cancel a pending transaction?",
        "How does Cancel work in Lumen?",
        "I sent to the wrong address and it's still pending. Can I stop it?"],
        ["If it's still pending, tap it in Activity and choose **Cancel**. Lumen sends 0 to your own "
         "address with the same nonce and a higher fee; you pay the network fee for that.",
         "Tap Cancel on the pending transaction. It replaces the original with a 0-value "
         "transaction to yourself using the same nonce; if that confirms first, the original never "
         "will."],
        ["cancel", "same nonce"],
        ["Is there any way to abort a send that hasn't been mined yet?"]),
    intent("confirmed_reverse", "transaction_status", [
        "Can you reverse a transaction that's already confirmed?",
        "I sent funds to the wrong address and it's confirmed. Can Lumen undo it?",
        "Please refund my last transaction."],
        ["I'm sorry, once a transaction is Confirmed nobody, including Lumen, can reverse it. If you "
         "know the recipient, you could ask them to send it back.",
         "Confirmed transactions can't be reversed by anyone, including Lumen. Speed up and Cancel "
         "only work while it's still pending."],
        ["including lumen"],
        ["The transfer to a mistyped address is already in a block. Any undo button?"]),
    intent("stuck_many", "transaction_status", [
        "I have three pending transactions. Which one should I fix first?",
        "Several of my transactions are stuck in a queue.",
        "Why won't my newer transactions go through while an old one is pending?"],
        ["Transactions from one account confirm in nonce order, so speed up or cancel the oldest "
         "pending one first; the others are waiting behind it.",
         "Start with the oldest pending transaction. Once it confirms or is cancelled, the later ones "
         "can go through."],
        ["oldest pending"],
        ["A whole line of sends is waiting. Which do I touch first?"]),
    intent("explorer", "transaction_status", [
        "How do I see my transaction on a block explorer?",
        "Where can I find my transaction hash?",
        "I need a tx hash for the exchange. Where is it?"],
        ["Tap the transaction in the Activity tab to see the hash, and tap **View on explorer** to "
         "open it in the network's block explorer.",
         "Open Activity, tap the transaction and use View on explorer. The hash is shown in the "
         "details too."],
        ["view on explorer"],
        ["Where's the button that opens my transfer on Etherscan or similar?"]),
    intent("not_received", "transaction_status", [
        "My friend says he sent me tokens but I don't see anything.",
        "Incoming transfer isn't showing in Lumen.",
        "Someone paid me USDC but my balance hasn't changed."],
        ["First check the network pill is on the network they used, then pull down to refresh. If "
         "it's still missing, ask for the transaction hash and check it in the explorer.",
         "Make sure you're on the same network they sent on and refresh. If the explorer shows the "
         "transaction hash as successful to your address, the funds are there."],
        ["network", "transaction hash"],
        ["A payment to me is 'sent' according to the sender, but nothing arrived. Steps?"]),
    intent("btc_confirmations", "transaction_status", [
        "How many confirmations does a Bitcoin transaction need in Lumen?",
        "When is my BTC transfer final?",
        "My Bitcoin send says Confirmed. Is that final?"],
        ["Lumen shows a Bitcoin transaction as Confirmed after 1 confirmation and Finalized after 3 "
         "confirmations, which usually takes about 30 minutes.",
         "Bitcoin transfers show Finalized after 3 confirmations. With blocks roughly every 10 "
         "minutes, that's about 30 minutes."],
        ["3 confirmations"],
        ["How long until my BTC payment is considered settled in the app?"]),
    intent("btc_speedup", "transaction_status", [
        "Can I speed up a Bitcoin transaction?",
        "Can I cancel a pending BTC transfer?",
        "My Bitcoin transaction is stuck with a low fee."],
        ["Yes, Lumen's Bitcoin transactions use replace-by-fee, so **Speed up** works. Cancel is not "
         "available for Bitcoin, though.",
         "You can tap Speed up, because Lumen sends Bitcoin with replace-by-fee (RBF). Cancel is not "
         "available for Bitcoin."],
        ["replace-by-fee", "cancel is not available"],
        ["Low-fee BTC payment is stuck. What can Lumen do about it?"]),
    intent("reset_account", "transaction_status", [
        "What does Reset account do?",
        "Will Reset account delete my funds?",
        "Is it safe to use Reset account?"],
        ["**Settings > Advanced > Reset account** clears local activity history and the nonce cache "
         "for the selected account. It does not touch your funds, keys or recovery phrase.",
         "It's safe: it clears local activity history and the cached nonce, then reloads history "
         "from the network. It does not touch your funds."],
        ["local activity history", "does not touch your funds"],
        ["Before I tap the reset option under Advanced, what exactly gets wiped?"]),
    intent("custom_nonce", "transaction_status", [
        "How do I set a custom nonce?",
        "Where is the nonce setting?",
        "Can I choose the nonce for a transaction manually?"],
        ["Turn on **Settings > Transactions > Custom nonce**. A nonce field then appears on the "
         "confirmation screen; it's meant for advanced users.",
         "Enable Settings > Transactions > Custom nonce (added in 3.1) and edit the field before "
         "confirming."],
        ["settings > transactions > custom nonce"],
        ["I want to overwrite a specific stuck tx by hand. Where do I expose the counter field?"]),
    intent("refresh", "transaction_status", [
        "My Activity tab isn't updating.",
        "The status of my transaction seems wrong.",
        "How do I refresh my balance?"],
        ["Pull down on the Activity tab or home screen to refresh. If it still looks wrong, compare "
         "with the block explorer, which always shows the network's truth.",
         "Pull down to refresh; statuses also update on their own. The block explorer link in the "
         "transaction details shows the network's view."],
        ["pull down"],
        ["The app still says pending but Etherscan says success. How do I sync?"]),
    intent("eth_confirm_time", "transaction_status", [
        "How long does an Ethereum transaction take?",
        "How fast are sends on mainnet?",
        "Should my ETH transfer take more than a minute?"],
        ["With the Market fee preset, an Ethereum transaction usually confirms in 12 to 30 seconds. "
         "Slow fees can take longer when the network is busy.",
         "Usually 12 to 30 seconds with Market fees. If it's been much longer, check whether it's "
         "pending and consider Speed up."],
        ["12 to 30 seconds", "market"],
        ["Typical wait for an ETH send to land in a block?"]),
]

FEES = [
    intent("send_fee", "fees", [
        "Does Lumen charge a fee to send crypto?",
        "What does Lumen take when I transfer tokens?",
        "Are there fees for receiving in Lumen?"],
        ["Lumen charges no fee for sending or receiving. You only pay the network fee, which goes to "
         "the network's validators or miners.",
         "No fee from Lumen for transfers. The only cost is the network fee shown before you "
         "confirm."],
        ["no fee", "network fee"],
        ["Do you skim anything off the top when I move coins between wallets?"]),
    intent("swap_fee", "fees", [
        "What is the swap fee in Lumen?",
        "How much does Lumen charge for swaps?",
        "Is swapping USDC to DAI cheaper?"],
        ["Swaps carry a 0.75% Lumen fee, or 0.5% for stablecoin-to-stablecoin swaps such as USDC to "
         "DAI. The fee is already included in the quote.",
         "The Lumen swap fee is 0.75%, lowered to 0.5% for stablecoin-to-stablecoin pairs in 3.6. "
         "Network fees come on top."],
        ["0.75%", "0.5%"],
        ["What percentage do you take on an in-app token exchange, and is there a discount for "
         "stablecoins?"]),
    intent("buy_fee", "fees", [
        "What are the fees for buying crypto with a card?",
        "Does Lumen add a markup when I buy ETH?",
        "Who handles card purchases in Lumen?"],
        ["Purchases are handled by our partner Rampway, which shows its own fee before you pay. "
         "Lumen adds no markup.",
         "Rampway processes card and bank purchases and shows its fee up front. Lumen adds no markup "
         "on top."],
        ["rampway", "no markup"],
        ["When I top up with my debit card, how much of the cost goes to Lumen?"]),
    intent("gas_presets", "fees", [
        "What do Slow, Market and Aggressive mean?",
        "Which gas option should I pick?",
        "What's the default fee setting?"],
        ["They're fee presets: Slow is cheaper but may wait longer, Market is the default and usually "
         "confirms within a minute on Ethereum, and Aggressive pays more for priority.",
         "Market is the default and fine for most sends. Choose Slow to save money when you're not "
         "in a hurry, or Aggressive to get in faster."],
        ["slow", "market", "aggressive"],
        ["Explain the three speed choices on the confirmation screen."]),
    intent("advanced_gas", "fees", [
        "How do I set my own gas price?",
        "Can I edit the priority fee?",
        "Where are the advanced gas settings?"],
        ["Turn on **Settings > Transactions > Advanced gas controls**. You can then edit the max base "
         "fee, priority fee and gas limit on the confirmation screen.",
         "Enable Settings > Transactions > Advanced gas controls. Keep the max fee above the current "
         "base fee, or you'll see E-1402."],
        ["settings > transactions > advanced gas controls"],
        ["I want manual control over max base fee and tip. Where's the toggle?"]),
    intent("l1_fee", "fees", [
        "Why are there two fee lines on Arbitrum?",
        "What is the L1 fee on Base?",
        "Why does my Optimism fee include an L1 part?"],
        ["On Arbitrum One, Optimism and Base the fee has two parts: the L2 execution fee and an L1 "
         "data fee for posting data to Ethereum. Lumen shows both lines.",
         "Layer 2 networks pay Ethereum to store their data, so you see an L2 execution fee plus an "
         "L1 data fee. Both are paid in ETH."],
        ["l1 data fee"],
        ["On rollups the confirmation screen splits the cost in two. What's the second item?"]),
    intent("btc_fees", "fees", [
        "How are Bitcoin fees calculated in Lumen?",
        "What are the Bitcoin fee options?",
        "Why is my BTC fee the same for small and big amounts?"],
        ["Bitcoin fees are set in sat/vB and depend on the transaction size, not the amount. Choose "
         "Economy, Normal or Priority; Normal is the default.",
         "Lumen prices Bitcoin fees in sat/vB with Economy, Normal and Priority presets. The fee "
         "depends on size in bytes, not on how much you send."],
        ["sat/vb", "economy", "priority"],
        ["How does Lumen pick what I pay miners for a BTC send?"]),
    intent("native_for_fees", "fees", [
        "I have USDC on Polygon but I can't send it.",
        "Why do I need ETH to send USDC on Arbitrum?",
        "I got E-1001 while sending tokens but I have plenty of them."],
        ["Fees are paid in the network's native token, even when you send another token. Add a "
         "little POL on Polygon PoS or ETH on Arbitrum One to that account; otherwise you get "
         "E-1001.",
         "You need the native token for fees: ETH on Arbitrum One, POL on Polygon PoS. Without it "
         "the send fails with E-1001."],
        ["native token", "e-1001"],
        ["I've got 500 USDC on Arbitrum and zero ETH. Why won't Lumen let me transfer the USDC?"]),
    intent("fee_recipient", "fees", [
        "Who receives the network fee?",
        "Does Lumen keep the gas fee?",
        "Where does my gas money go?"],
        ["The network fee goes to the validators or miners who process your transaction, not to "
         "Lumen. On Ethereum part of it, the base fee, is burned.",
         "Not Lumen: network fees go to the network's validators or miners. Lumen only earns on "
         "swaps."],
        ["validators or miners"],
        ["Is the gas I pay revenue for you guys?"]),
    intent("unlock_fee", "fees", [
        "A site says I have to pay a withdrawal fee to unlock my funds. Is that Lumen?",
        "Someone says I must pay a verification fee before my wallet is released.",
        "Do I need to pay Lumen to release frozen funds?"],
        ["No. Lumen never charges unlock, verification or withdrawal fees, and it can't freeze "
         "funds. Anyone asking you to pay to release funds is running a scam.",
         "That's a scam. Lumen never charges unlock, verification or withdrawal fees; please don't "
         "send anything."],
        ["never charges", "scam"],
        ["I was told my coins are on hold until I send 0.2 ETH for 'activation'. Legit?"]),
    intent("cancel_cost", "fees", [
        "Does cancelling a transaction cost anything?",
        "Do I pay for speed up?",
        "Is Cancel free?"],
        ["Cancel and Speed up are on-chain replacement transactions, so you pay the network fee, with "
         "a fee at least 10% higher than the original. Lumen charges nothing.",
         "Lumen doesn't charge for it, but the replacement transaction needs a network fee at least "
         "10% higher than the original."],
        ["network fee", "10%"],
        ["What does it cost me to kill a pending transfer?"]),
    intent("slippage", "fees", [
        "What is slippage in Lumen swaps?",
        "How do I change slippage?",
        "What's the default slippage?"],
        ["Slippage is how much the price may move before your swap reverts. The default is 0.5%; "
         "change it with the gear icon on the swap screen.",
         "The default slippage is 0.5%, set via the gear icon on the swap screen. If the price "
         "moves more, the swap reverts and only the network fee is charged."],
        ["0.5%", "gear icon"],
        ["My swap reverted because price moved. Which setting controls that tolerance?"]),
    intent("swap_included", "fees", [
        "Is the swap fee added on top of the quote?",
        "Do I pay the 0.75% separately?",
        "Does the swap quote already include Lumen's fee?"],
        ["The Lumen fee is already included in the quote you see, shown next to the network fee. "
         "Nothing extra is added later.",
         "It's already included in the quote, so what you see is what you receive, apart from the "
         "network fee shown alongside."],
        ["included in the quote"],
        ["Will I be charged Lumen's cut after the swap or is it baked into the number?"]),
]
