"""Hand-written Lumen help-centre articles, part A (onboarding, networks, activity)."""

from __future__ import annotations

from .wallet_facts import NETWORKS

ONBOARDING = [
    ("hc-001", "Create a new wallet", "2025-11-10", """\
Lumen Wallet is non-custodial: the keys to your funds are created on your device and never leave it. Lumen Labs cannot see, move or recover them.

## Steps
1. Install Lumen Wallet from the App Store (iOS 16 or later) or Google Play (Android 10 or later).
2. Tap **Create new wallet**.
3. Write down the 12-word recovery phrase on paper, in order. Lumen creates a 12-word phrase by default; tap **Advanced options** on the create screen if you prefer a 24-word phrase (available since version 3.3).
4. Verify the phrase: Lumen asks you to tap 4 of the words in the requested positions.
5. Choose a 6-digit PIN. You will use it to unlock the app and to approve sensitive actions.
6. Optionally turn on Face ID or fingerprint unlock.

## Good habits from day one
- Keep the phrase offline. Do not store it in screenshots, notes apps, email or chat.
- Anyone with the phrase controls the wallet, so never share it, including with Lumen support.
- Consider Lumen Vault Backup as an extra, encrypted backup (see "Lumen Vault Backup").

## What happens next
Your first account is ready on every supported network at once. Use the network pill at the top of the home screen to switch networks, and tap **Receive** to see your address.
"""),
    ("hc-002", "Back up and verify your recovery phrase", "2025-10-02", """\
Your recovery phrase (also called a seed phrase or Secret Recovery Phrase) is the master backup of your wallet. It is 12 words by default or 24 words if you chose that option, and it restores every account created from it.

## Verifying during setup
After Lumen shows the phrase, it asks you to tap 4 words in the positions it requests. This check makes sure the written copy is correct. You can't skip verification when creating a wallet.

## Viewing the phrase later
Go to **Settings > Security & Privacy > Reveal recovery phrase** and enter your PIN. Lumen blocks screenshots and screen recording on this screen.

## Storing it safely
- Write it on paper or stamp it on metal and keep it somewhere private and dry.
- Make a second copy in a different location if you hold meaningful funds.
- Never type it into a website, a form, a chat or an email. Lumen support will never ask for it.

## If you lose it
If you still have access to the app, reveal the phrase and write it down again right away. If you have lost both the phone and the phrase, and you have no Lumen Vault Backup, nobody can restore the wallet: Lumen does not store your phrase and cannot reset it.
"""),
    ("hc-003", "Import an existing wallet", "2025-06-14", """\
You can bring an existing wallet into Lumen with a recovery phrase or a single private key.

## Import with a recovery phrase
1. On the welcome screen tap **I already have a wallet**.
2. Choose **Recovery phrase** and enter your 12-word or 24-word phrase.
3. Set a 6-digit PIN.

Lumen restores the first account automatically. Tap **Add account** to bring back further accounts in the same order they were created; the same phrase always derives the same addresses.

## Import a private key
Choose **Private key** instead. The account appears with an **Imported** label. Imported accounts are not covered by your recovery phrase, so back up that private key separately. If you delete the app, only the phrase-based accounts come back from the phrase.

## Balances after import
Balances load per network. If a token is missing, open the network where you hold it with the network pill, then use **Manage tokens > Add custom token** with the token's contract address.

## Safety reminder
Only type a phrase into the official Lumen app. No website, airdrop or support agent needs it.
"""),
    ("hc-004", "Lumen Vault Backup", "2025-09-30", """\
Lumen Vault Backup, introduced in version 3.3, stores an encrypted copy of your wallet in your own iCloud Drive (iOS) or Google Drive (Android).

## How it works
- The backup is encrypted on your device with a backup password before it is uploaded.
- The backup password must be at least 12 characters.
- Lumen Labs never receives the password or the unencrypted backup.

## Turn it on
Go to **Settings > Security & Privacy > Lumen Vault Backup**, choose your cloud drive and set the backup password.

## Restore from the backup
On a new device tap **I already have a wallet > Restore from Lumen Vault Backup**, sign in to the same cloud account and enter the backup password.

## Forgotten backup password
Support cannot reset or recover the backup password, because it never leaves your device. A wrong password shows error E-7001 (backup decryption failed). If the password is lost, restore with your recovery phrase instead, then create a fresh backup.

## It does not replace the phrase
Keep your written recovery phrase. If you lose access to the cloud account or forget the backup password, the phrase is the only way back in.
"""),
    ("hc-005", "PIN, biometrics and auto-lock", "2025-11-12", """\
Your 6-digit PIN protects the app on your device. It is separate from your recovery phrase and is never sent to Lumen.

## Wrong PIN attempts
- After 5 wrong attempts the app locks for 15 minutes (error E-5003).
- After 10 wrong attempts the app erases wallet data from the device. Your funds are safe on the blockchain; restore them with your recovery phrase.
- There is no way for support to reset a PIN. If you forgot it, reinstall the app and restore with your recovery phrase, then choose a new PIN.

## Change your PIN
Go to **Settings > Security & Privacy > Change PIN**, enter the current PIN and then the new one twice.

## Biometrics
Turn on Face ID or fingerprint unlock in **Settings > Security & Privacy > Biometric unlock**. If biometrics are turned off on the device, Lumen shows E-5001 and asks for the PIN instead.

## Auto-lock
The app locks itself after 1 minute in the background by default. Choose Immediately (added in 3.8), 1, 5 or 15 minutes in **Settings > Security & Privacy > Auto-lock**. The browser extension locks after 15 minutes of inactivity by default.

## Hide balances
Tap the eye icon on the home screen, or turn on **Hide balances** in Settings > Security & Privacy, to mask amounts in public places.
"""),
    ("hc-006", "Supported devices and platforms", "2025-11-04", """\
Lumen Wallet runs on phones and as a browser extension.

## Mobile
- **iOS:** iPhone with iOS 16 or later, from the App Store.
- **Android:** Android 10 or later, from Google Play. Version 3.8 dropped support for Android 9; phones on Android 9 keep working on 3.7 but receive no updates.

## Browser extension
Since version 3.2 Lumen is available as an extension for Chrome, Brave and Firefox. Safari and Edge are not supported. Set it up with the same recovery phrase to see the same accounts.

## Keeping up to date
Updates arrive through the app stores and the browser's extension store. Always install Lumen from those official stores or from links on lumenwallet.app. Lumen is never distributed as an APK download, a TestFlight link from a stranger or a file sent in chat.

## Which version am I on?
Open **Settings > About**. Support may ask for this number together with an exported state log (Settings > Advanced > Export state logs), which contains no keys or phrases.

## Using several devices
You can restore the same recovery phrase on several devices. Each device has its own PIN and auto-lock settings, and activity syncs from the blockchain rather than from Lumen servers.
"""),
    ("hc-007", "Multiple accounts", "2025-03-20", """\
One recovery phrase can hold up to 50 accounts, a feature added in version 3.0. Each account has its own address on every network.

## Add an account
Tap the account name at the top of the home screen, then **Add account**. The new account is derived from the same phrase, so your existing backup already covers it.

## Rename or hide accounts
Open the account list, tap the three dots next to an account and choose **Rename** or **Hide**. Hidden accounts keep their funds and can be shown again from the same menu.

## Imported accounts
Accounts imported with a private key are labelled **Imported**. They do not count toward the 50-account limit, but they are not covered by the recovery phrase: back up each private key separately.

## Moving funds between your accounts
Send to the other account's address as usual. Lumen shows a **My account** tag on the confirmation screen so you can check you picked the right one. Normal network fees apply; Lumen does not charge for transfers.

## Same address on EVM networks
On Ethereum, Polygon PoS, Arbitrum One, Optimism, BNB Smart Chain, Base and Avalanche C-Chain an account has the same address. Its Bitcoin address is different and starts with bc1q.
"""),
]


def _network_table() -> str:
    rows = ["| Network | Chain ID | Fee token | In Lumen since |", "| --- | --- | --- | --- |"]
    for n in NETWORKS:
        rows.append(f"| {n['name']} | {n['chain_id']} | {n['token']} | {n['since']} |")
    return "\n".join(rows)


def _network_notes() -> str:
    return "\n".join(f"- **{n['name']}:** {n['final']}; {n['fee']}." for n in NETWORKS)


NETWORK_DOCS = [
    ("hc-008", "Supported networks", "2025-11-04", f"""\
Lumen Wallet supports eight networks. All except Bitcoin are EVM networks and share the same account address.

## Network list
{_network_table()}

## Finality and fees by network
{_network_notes()}

## Tokens on each network
Each network has separate balances. USDC on Arbitrum One and USDC on Ethereum are different tokens at the same address; Lumen shows them separately. To see a token that isn't listed, use **Manage tokens > Add custom token** on the right network.

## Not supported
Solana, Tron and Cosmos chains are not supported. You can add other EVM chains yourself (see "Add a custom network").
"""),
    ("hc-009", "Switching networks", "2025-04-22", """\
Lumen shows one network at a time. The network pill at the top of the home screen, introduced in version 3.0, shows which one is active.

## Switch network
1. Tap the network pill.
2. Pick a network from the list. Balances, tokens and the Activity tab update to that network.

## Why is my balance zero?
Usually the wrong network is selected. Funds sent on Arbitrum One only appear when Arbitrum One is selected, even though the address is the same on every EVM network.

## dApp switch requests
When a connected site asks to switch networks, Lumen shows a prompt with the requested network. Approve it only if you expected it. If the site asks for a network Lumen doesn't have, you will see E-4102.

## Switching does not move funds
Changing the network pill only changes what you are looking at. To move tokens from one network to another you need a bridge; Lumen does not include a bridge, and sending on one network never makes funds appear on another.

## Network fees need the native token
Every network charges fees in its own native token, for example POL on Polygon PoS or AVAX on Avalanche C-Chain. Keep a little of it on each network you use, or transfers will fail with E-1001.
"""),
    ("hc-010", "Add a custom network", "2025-01-08", """\
Since version 3.4 you can add any EVM-compatible network yourself.

## Steps
1. Go to **Settings > Networks > Add custom network**.
2. Enter the network name, RPC URL, chain ID, currency symbol and, optionally, a block explorer URL.
3. Tap **Save**. The network now appears in the network pill list.

## Chain ID check
Lumen asks the RPC URL for its chain ID. If it differs from the value you typed, you get E-2105 (chain ID mismatch) and the network is not saved. Use the chain ID from the network's official documentation.

## Changing the RPC endpoint of a built-in network
Open **Settings > Networks**, choose the network and tap **RPC endpoint**. You can pick one of Lumen's endpoints or paste your own. This helps when the default node is slow or you see E-2001.

## Stay safe
A malicious RPC can show false balances or track your activity, but it cannot move your funds. Only add networks from sources you trust. Custom networks can be removed with **Delete network** at the bottom of the network's page.

## Non-EVM chains
Custom networks must be EVM-compatible. Non-EVM chains such as Solana cannot be added.
"""),
    ("hc-011", "Test networks", "2025-02-03", """\
Developers and curious users can use test networks, whose tokens have no value.

## Show test networks
Turn on **Settings > Advanced > Show test networks**. Sepolia (chain ID 11155111) and Polygon Amoy (chain ID 80002) then appear in the network pill list with a **Test** badge.

## What works on test networks
- Sending, receiving and connecting to dApps work as on main networks.
- Swaps and buying crypto are disabled, because test tokens have no market value.
- Test balances are never included in your portfolio total.

## Getting test tokens
Use a public faucet for the network. Lumen does not run a faucet and support cannot send test tokens.

## Warning about "test token" scams
Nobody can turn test tokens into real ETH or POL. Offers to buy or swap testnet tokens for real funds are scams.

## Hide them again
Turn the setting off. Test network balances remain on the blockchain and reappear when you switch the setting back on.
"""),
    ("hc-012", "Sent funds on the wrong network", "2025-07-01", """\
Sending on a different network than the recipient expected is a common mistake. What you can do depends on who controls the receiving address.

## You sent to your own Lumen address
Because all EVM networks share the same address, the funds are safe. Tap the network pill, switch to the network you actually used and the balance appears there. To move it where you wanted, you need a bridge outside Lumen.

## You sent to an exchange or another service
Only the receiving service can recover funds sent on a network it does not support. Contact their support with the transaction hash (find it under Activity > transaction > **View on explorer**). Lumen cannot reverse blockchain transactions.

## You sent to someone else's wallet
Ask the recipient to switch to the network you used; if their wallet supports it, the funds are there.

## Bitcoin addresses
Lumen blocks sending EVM tokens to a Bitcoin address and shows E-3002, so this mix-up cannot happen inside Lumen.

## Prevention
Before confirming, check the network name on the confirmation screen and save frequent recipients in the address book, where each entry is tied to one network.
"""),
]
