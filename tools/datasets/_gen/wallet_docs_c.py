"""Hand-written Lumen help-centre articles, part C (security, support, features)."""

from __future__ import annotations

SECURITY_DOCS = [
    ("hc-024", "What Lumen support will never ask you", "2025-10-20", """\
Scammers often pretend to be wallet support. These rules never change, whoever is asking. Above all, Lumen support will never ask for your recovery phrase.

## Lumen support will never:
- ask for your recovery phrase (seed phrase), private key or PIN;
- ask you to type your phrase into a website, form or "validation" tool;
- message you first on X, Telegram, Discord or by phone;
- ask you to install remote-access or screen-sharing apps;
- ask you to move funds to a "safe", "new" or "verified" wallet;
- charge a fee to unlock, verify or release funds.

## Where real support lives
Real support is only in the app (**Settings > Help > Chat with us**) and at support@lumenwallet.app. Our only website is lumenwallet.app.

## If someone asked you for your phrase
Stop the conversation. If you already shared the phrase, treat the wallet as compromised: create a new wallet, move your funds to it and revoke token approvals (see "If your wallet is compromised").

## Why we are so strict
Lumen is non-custodial. Whoever knows the phrase has full control of the funds, and blockchain transactions can't be reversed. A support agent never needs the phrase to help you.
"""),
    ("hc-025", "Spotting scams and phishing", "2025-08-25", """\
Most losses in self-custody come from tricks, not from hacking. Lumen adds warnings, but your judgement is the last line of defence.

## Phishing warnings
Since version 3.7 Lumen shows a red banner and blocks signing on sites that are on known phishing and drainer lists. If you believe a site was flagged by mistake, report it to support@lumenwallet.app; support cannot switch the block off for you.

## Transaction simulation
Also since 3.7, the confirmation screen shows a simulation of the balance changes a transaction will cause. If the preview shows tokens leaving that you didn't expect, reject the request. Simulation is not available on Bitcoin.

## Common tricks
- **Fake airdrops:** tokens that appear with a website in their name. Ignore them.
- **Approval drainers:** a site asks for unlimited approval of a valuable token.
- **Address poisoning:** tiny transfers from addresses that look like ones you use. Copy addresses from your address book, not from Activity.
- **Impersonators:** "support" accounts on social media that contact you first.
- **Investment pitches:** guaranteed returns or urgent deadlines.

## Before you sign
Read the request, check the site's URL and the simulation, and if in doubt, reject. Rejecting costs nothing.
"""),
    ("hc-026", "Token approvals and how to revoke them", "2025-11-04", """\
When you use a dApp, you often approve its smart contract to spend a token on your behalf. Approvals stay active until you revoke them.

## Token approvals manager
Version 3.8 added **Settings > Security & Privacy > Token approvals**. It lists every approval for the selected account and network, with the spender, the token and the allowed amount; unlimited approvals are marked **Unlimited**.

## Revoke an approval
Tap the approval and then **Revoke**. Revoking is an on-chain transaction, so it needs a small network fee in the native token. Lumen charges nothing for it.

## When to revoke
- You no longer use the dApp.
- The approval is unlimited for a valuable token.
- You interacted with a site you no longer trust.
- Your wallet may be compromised: revoke on the old wallet before moving funds away.

## Approvals across networks
Approvals are per network. Switch with the network pill to review each network you use.

## Limit future approvals
On the approval request, tap **Edit amount** to approve only what you need for this transaction instead of an unlimited amount.
"""),
    ("hc-027", "Lost phone or lost recovery phrase", "2025-09-15", """\
What you can do depends on which backups you still have.

## Lost phone, phrase safe
Your funds are on the blockchain, not on the phone. Install Lumen on a new device, tap **I already have a wallet** and enter your recovery phrase. Set a new PIN. The old phone is protected by its PIN and auto-lock, and after 10 wrong PIN attempts it erases its wallet data.

## Lost phone, phrase lost, Vault Backup on
Restore from Lumen Vault Backup with your cloud account and backup password. Then reveal and write down the phrase straight away.

## Phrase lost, app still works
Go to **Settings > Security & Privacy > Reveal recovery phrase**, enter your PIN and write the phrase down again. Alternatively create a new wallet and move the funds to it.

## Phone and phrase both lost, no backup
The wallet cannot be recovered by anyone. Lumen never stores phrases or keys, so support has nothing to restore from.

## Someone else may have the phrase
If your written phrase might have been seen or copied, move your funds to a new wallet as soon as possible.
"""),
    ("hc-028", "If your wallet is compromised", "2025-10-20", """\
Signs of a compromise: funds leaving without your approval, approvals you don't recognise, or your phrase having been shared or typed into a website.

## Act fast
1. **Create a new wallet** in Lumen with a brand-new recovery phrase. Don't import the old phrase.
2. **Revoke approvals** on the old wallet in Settings > Security & Privacy > Token approvals, so spenders can't take more.
3. **Move remaining funds** from the old wallet to the new one, starting with the most valuable assets. Keep some native token for fees.
4. **Stop using** the old phrase and accounts permanently.

## What Lumen can and can't do
Lumen cannot freeze, reverse or claw back blockchain transactions, and cannot block an address. Support can help you follow these steps and check for phishing sites you visited.

## Report it
Contact support in the app and include the transaction hashes. If the scammer used a fake Lumen account, we'll report it to the platform. You may also report the theft to local police; exchanges sometimes freeze stolen funds when asked by law enforcement.

## Warning about recovery services
People who promise to recover stolen crypto for an upfront fee are scammers.
"""),
    ("hc-029", "Contact support and support hours", "2025-07-07", """\
## Live chat
Open **Settings > Help > Chat with us**. Agents are online Monday to Friday, 08:00-20:00 UTC, and Saturday, 10:00-16:00 UTC. Chat is closed on Sundays; messages sent then are answered the next working day.

## Email
Write to support@lumenwallet.app at any time. We reply within one business day.

## Help centre and status page
The help centre is available 24/7. For outages check status.lumenwallet.app before reporting; it lists incidents per network.

## What to include
- The app or extension version (Settings > About) and your device.
- The network and, if relevant, the transaction hash.
- An exported state log from **Settings > Advanced > Export state logs**. It contains no keys or phrases.

## What we never need
Your recovery phrase, private key, PIN or backup password. Never send them to anyone.

## Languages
Chat support is offered in English, Spanish and German. The help centre is also available in French and Portuguese.
"""),
    ("hc-030", "What Lumen can and cannot do", "2025-10-20", """\
Lumen Wallet is non-custodial software. You hold the keys; Lumen Labs provides the app.

## Lumen cannot
- access, move, freeze or recover your funds;
- reset or look up a recovery phrase, private key, PIN or backup password;
- reverse, cancel or refund a confirmed transaction;
- give access to another person's wallet, including wallets of deceased relatives or partners;
- unlock the app after too many wrong PIN attempts;
- recover funds sent to a wrong address.

## Lumen can
- explain errors and app settings;
- help you speed up or cancel a pending transaction before it confirms;
- guide you through restoring with your own phrase or Vault Backup;
- help you secure a compromised wallet;
- take bug reports and phishing-site reports.

## No financial advice
Lumen doesn't tell you what to buy, sell or hold, or predict prices. Swap quotes come from third-party liquidity and are not recommendations. For personal financial decisions, talk to a licensed financial adviser.

## Inheritance
Only someone with the recovery phrase can access a wallet. Plan ahead by storing the phrase where a trusted person can find it, for example with your will.
"""),
]

FEATURE_DOCS = [
    ("hc-031", "Connected sites and WalletConnect", "2025-02-27", """\
Lumen connects to dApps through WalletConnect v2 (since version 3.2) and, in the browser extension, directly.

## Connect to a dApp
On the dApp choose WalletConnect and scan the QR code from Lumen's scanner, or choose Lumen in the extension's connect prompt.

## Review connections
**Settings > Connected sites** lists every active session with the site name and networks. Tap a site and **Disconnect** to end the session.

## Session expiry
Sessions expire after 7 days without activity. A request on an expired session fails with E-4010; reconnect from the dApp.

## Network requests
If a site asks for a network Lumen doesn't support, you will see E-4102. You can add EVM networks yourself under Settings > Networks > Add custom network.

## Disconnecting isn't revoking
Disconnecting stops the site from sending new requests but doesn't cancel token approvals you already gave. Review those under Settings > Security & Privacy > Token approvals.
"""),
    ("hc-032", "Using the browser extension", "2025-02-27", """\
The Lumen extension, available since version 3.2, brings your wallet to Chrome, Brave and Firefox.

## Install
Install it only from the Chrome Web Store or Firefox Add-ons via the link on lumenwallet.app. Then choose **I already have a wallet** and enter your recovery phrase, or create a new wallet.

## Differences from mobile
- Unlock with a password you set for the extension instead of a PIN.
- It auto-locks after 15 minutes of inactivity by default.
- Ledger devices connect over USB.
- Lumen Vault Backup is not available in the extension; use the phrase.

## Pinning
Pin the extension to the toolbar so you always see it's the real Lumen popup when a site asks you to sign.

## Connecting to sites
Sites request access through the extension popup. Each site appears in Settings > Connected sites.

## Troubleshooting
If the popup doesn't open, disable other wallet extensions that compete for the same connection. If balances don't load, check status.lumenwallet.app and the RPC endpoint settings.
"""),
    ("hc-033", "Hardware wallets (Ledger)", "2025-09-09", """\
Since version 3.7 you can use a Ledger hardware wallet with Lumen. Keys stay on the Ledger; Lumen only shows balances and prepares transactions.

## Connect
- **Mobile:** pair over Bluetooth from **Settings > Hardware wallets > Add Ledger**.
- **Extension:** connect over USB from the same menu.

Open the Ethereum app (or the Bitcoin app for BTC) on the Ledger, then choose the accounts to add. They appear with a **Ledger** label.

## Signing
Every transaction must be approved on the Ledger's screen. Some dApps require **Blind signing** to be enabled in the Ledger's Ethereum app settings.

## Troubleshooting
Version 3.7.2 (September 9, 2025) fixed pairing timeouts on some Android 13 phones. Keep the Ledger unlocked and the app open while pairing.

## Backup
Ledger accounts are backed up by the Ledger's own recovery phrase, not Lumen's. Lumen support will never ask for either, and you should never type the Ledger's phrase into Lumen or any website.

## Removing a Ledger
Remove Ledger accounts from the account list with **Hide** or disconnect the device under Settings > Hardware wallets. Funds stay on the blockchain and reappear when you reconnect.
"""),
    ("hc-034", "Swaps in Lumen", "2025-05-06", """\
Swap tokens on the same network without leaving the app.

## How to swap
Tap **Swap**, choose the tokens and the amount, review the quote and confirm. Quotes come from third-party liquidity sources and are refreshed automatically.

## Quote validity
A quote is valid for 30 seconds. If it runs out before you confirm, you'll see E-6002 (swap quote expired); tap **Refresh quote**.

## Slippage
Version 3.6 added a slippage setting, default 0.5%. If price moves more than the slippage before the swap is mined, the swap reverts (E-1501) and only the network fee is charged. Change it under the gear icon on the swap screen.

## Fees
The Lumen swap fee is 0.75%, or 0.5% for stablecoin-to-stablecoin swaps. It is included in the quote together with the network fee.

## Limits
Swaps are available on EVM networks only, and not on test networks. Cross-network swaps and bridging are not supported.

## Approvals
The first swap of a token needs an approval transaction. Lumen requests an approval for the exact amount by default.
"""),
    ("hc-035", "Address book", "2025-02-18", """\
Version 3.5 added an address book for people and services you send to often.

## Add an entry
Go to **Settings > Address book > Add**, or tap **Save** after a transfer. Give the entry a name, paste the address and choose the network. You can save up to 200 entries.

## Why the network matters
Each entry is tied to one network, so Lumen warns you if you select a saved Arbitrum One address while Ethereum is active.

## Protection against address poisoning
Scammers send tiny transfers from addresses that look like yours so you copy the wrong one from Activity. Picking recipients from the address book avoids this.

## Editing and deleting
Tap an entry to edit its name or delete it. Entries are stored only on the device and are not part of your recovery phrase or Vault Backup, so they do not come back when you restore on a new phone.

## Sending to a saved address
On the send screen tap the book icon and choose the entry. Lumen shows the entry name on the confirmation screen next to the shortened address, so you can check both before you confirm.
"""),
    ("hc-036", "Notifications, currency and language", "2025-04-10", """\
## Notifications
Go to **Settings > Notifications** to choose push alerts for incoming transfers, confirmed transactions and security notices. Notifications never include links asking you to sign anything; ignore any that do.

## Display currency
**Settings > Currency & Language** sets the fiat currency used for balances. More than 30 currencies are available, including USD, EUR, GBP, JPY and BRL. Prices are indicative.

## App language
The app is available in English, Spanish, German, French and Portuguese. Lumen follows your device language by default; you can override it in the same screen.

## Balance privacy
Use the eye icon on the home screen or **Hide balances** in Settings > Security & Privacy to mask amounts.

## Data and analytics
Lumen collects anonymous crash reports. Turn them off under **Settings > Security & Privacy > Share crash reports**. Lumen never collects keys, phrases or PINs.

## Price alerts
Lumen does not offer price alerts or trading signals, because the app does not give investment advice.
"""),
]
