"""Hand-written Lumen chat intents: onboarding and network switching."""

from __future__ import annotations


def intent(key, topic, qs, ans, facts, para=(), refuse=False):
    """One support intent: train phrasings, eval paraphrases, answers, key facts."""
    return {"key": key, "topic": topic, "qs": list(qs), "ans": list(ans),
            "facts": list(facts), "para": list(para), "refuse": refuse}


ONBOARDING = [
    intent("create_wallet", "onboarding", [
        "How do I create a new wallet in Lumen?",
        "I just installed the app. What are the steps to set up a wallet?",
        "What do I need to do to make my first wallet?"],
        ["Tap **Create new wallet**, write down the 12-word recovery phrase on paper, verify it by "
         "tapping the 4 words Lumen asks for, then choose a 6-digit PIN. You can add Face ID or "
         "fingerprint unlock at the end.",
         "Choose Create new wallet, copy the 12-word recovery phrase onto paper in order, confirm "
         "it, and set a 6-digit PIN. That's it: your first account is ready on every network."],
        ["create new wallet", "12-word recovery phrase", "6-digit pin"],
        ["Walk me through getting started with a brand-new Lumen wallet, step by step."]),
    intent("phrase_24", "onboarding", [
        "Can I get a 24-word recovery phrase instead of 12?",
        "Is there an option for a longer seed phrase?",
        "Does Lumen support 24-word phrases for new wallets?"],
        ["Yes. On the create screen tap **Advanced options** and pick a 24-word phrase; it's been "
         "available since version 3.3. The default is 12 words.",
         "You can: tap Advanced options when creating the wallet and choose 24-word. Both lengths "
         "are equally supported for importing too."],
        ["advanced options", "24-word"],
        ["Twelve words feels short to me. Any way to generate a bigger phrase at setup?"]),
    intent("verify_phrase", "onboarding", [
        "Why is the app asking me to tap words from my recovery phrase?",
        "Can I skip the step where I have to confirm my seed words?",
        "The setup wants me to pick words from my phrase in order. What's that for?"],
        ["That's the verification step: Lumen asks for 4 of the words in specific positions to make "
         "sure your written copy is correct. You can't skip it, because a wrong backup means lost funds.",
         "It checks that you wrote the phrase down correctly by asking for 4 of the words. You "
         "can't skip it when creating a wallet, and it only takes a moment."],
        ["4 of the words"],
        ["What's the point of the little quiz with my backup words during setup?"]),
    intent("reveal_phrase", "onboarding", [
        "How can I see my recovery phrase again?",
        "I need to write my seed phrase down again. Where do I find it?",
        "Where is the recovery phrase in the settings?"],
        ["Go to **Settings > Security & Privacy > Reveal recovery phrase** and enter your PIN. "
         "Write it on paper and keep it somewhere private and offline.",
         "Open Settings > Security & Privacy > Reveal recovery phrase and confirm with your PIN. "
         "Keep the copy offline and never share it with anyone, including us."],
        ["settings > security & privacy > reveal recovery phrase", "pin"],
        ["Lost my paper backup but the app still opens. How do I display the words once more?"]),
    intent("import_phrase", "onboarding", [
        "How do I move my MetaMask wallet into Lumen?",
        "How can I import an existing wallet with my seed phrase?",
        "I already have a wallet from another app. Can I use it in Lumen?"],
        ["Yes: on the welcome screen tap **I already have a wallet**, choose **Recovery phrase**, "
         "enter your 12 or 24 words and set a PIN. Only type the phrase into the official Lumen app.",
         "Tap I already have a wallet > Recovery phrase, enter the phrase from your other wallet and "
         "pick a 6-digit PIN. The same phrase gives you the same addresses."],
        ["i already have a wallet", "recovery phrase"],
        ["Switching from another wallet app to Lumen: what's the way to bring my funds over "
         "without sending them?"]),
    intent("import_pk", "onboarding", [
        "I imported an account with a private key. Is it backed up by my recovery phrase?",
        "Does my seed phrase cover accounts I added with a private key?",
        "What does the Imported label next to my account mean?"],
        ["Imported accounts are not covered by your recovery phrase, so back up that private key "
         "separately. Only accounts created from the phrase come back when you restore it.",
         "The Imported label means the account came from a private key. It's not covered by your "
         "phrase, so keep a separate, offline backup of that private key."],
        ["not covered", "private key"],
        ["If I restore from my 12 words on a new phone, will the account I brought in via private "
         "key come back too?"]),
    intent("restore_accounts", "onboarding", [
        "I restored my phrase but only one account shows up. Where are the others?",
        "After importing my wallet my second and third accounts are missing.",
        "Only my first account came back after restoring. Help?"],
        ["Lumen restores the first account automatically. Tap the account name, then **Add account** "
         "to bring back the others in the same order they were created.",
         "They're still there: tap Add account once for each extra account. The same phrase always "
         "derives the same addresses in the same order."],
        ["add account", "same order"],
        ["My restore only shows Account 1, but I had three accounts before. How do I get them back?"]),
    intent("vault_backup_what", "onboarding", [
        "What is Lumen Vault Backup?",
        "Does Lumen have a cloud backup option?",
        "Can I back up my wallet to iCloud?"],
        ["Lumen Vault Backup stores an encrypted copy of your wallet in your own iCloud Drive or "
         "Google Drive. It's encrypted with a backup password that never leaves your device.",
         "Yes, since 3.3: Lumen Vault Backup encrypts your wallet with a backup password and saves "
         "it to iCloud Drive or Google Drive. Keep your written phrase too."],
        ["icloud drive", "google drive", "backup password"],
        ["Is there a way to keep a copy of my wallet in my Google account in case I drop my phone "
         "in the sea?"]),
    intent("vault_backup_on", "onboarding", [
        "How do I turn on Vault Backup?",
        "Where do I set up the encrypted cloud backup?",
        "What are the rules for the Vault Backup password?"],
        ["Go to **Settings > Security & Privacy > Lumen Vault Backup**, pick your cloud drive and set "
         "a backup password of at least 12 characters.",
         "Open Settings > Security & Privacy > Lumen Vault Backup. Choose iCloud Drive or Google "
         "Drive and a backup password with at least 12 characters."],
        ["settings > security & privacy > lumen vault backup", "at least 12 characters"],
        ["Which screen enables the encrypted backup, and how long must its password be?"]),
    intent("android_version", "onboarding", [
        "Does Lumen still work on Android 9?",
        "What Android version do I need for Lumen?",
        "My old Android phone stopped getting Lumen updates. Why?"],
        ["Lumen needs Android 10 or later. Version 3.8 dropped Android 9, so those phones stay on "
         "3.7 without further updates.",
         "Android 10 or later is required. Support for Android 9 ended with version 3.8; the app "
         "keeps working on 3.7 but won't update."],
        ["android 10 or later", "3.8"],
        ["Minimum Android release for the current app?"]),
    intent("ios_version", "onboarding", [
        "What iOS version do I need to run Lumen?",
        "Will Lumen install on an iPhone with iOS 15?",
        "Which iPhones are supported?"],
        ["Lumen needs iOS 16 or later. Any iPhone that runs iOS 16 can install it from the App Store.",
         "You'll need iOS 16 or later; iOS 15 isn't supported. Update the phone first, then install "
         "Lumen from the App Store."],
        ["ios 16 or later"],
        ["Is my iPhone too old for Lumen? What's the oldest iOS it runs on?"]),
    intent("extension_browsers", "onboarding", [
        "Is there a Lumen browser extension?",
        "Which browsers does the Lumen extension support?",
        "Can I use Lumen on Safari?"],
        ["Yes. The extension works on Chrome, Brave and Firefox (since version 3.2). Safari and Edge "
         "aren't supported.",
         "The Lumen extension is available for Chrome, Brave and Firefox. Safari isn't supported, so "
         "use one of those three on your computer."],
        ["chrome, brave and firefox", "safari"],
        ["I'd like Lumen on my laptop. Which desktop browsers can run it?"]),
    intent("accounts_limit", "onboarding", [
        "How many accounts can I have in one wallet?",
        "Is there a limit on accounts per recovery phrase?",
        "Can I create 100 accounts?"],
        ["One recovery phrase can hold up to 50 accounts. Accounts imported with a private key don't "
         "count toward that limit.",
         "The limit is up to 50 accounts per recovery phrase. If you need more, create a second "
         "wallet with its own phrase."],
        ["up to 50 accounts"],
        ["What's the maximum number of addresses I can derive from a single seed in Lumen?"]),
    intent("add_account", "onboarding", [
        "How do I add a second account?",
        "I want a separate account for savings. How?",
        "Do I need a new seed phrase for a new account?"],
        ["Tap the account name at the top of the home screen and choose **Add account**. It's derived "
         "from the same phrase, so your backup already covers it.",
         "No new phrase needed: tap the account name, then Add account. New accounts come from the "
         "same phrase and are backed up with it."],
        ["add account", "same phrase"],
        ["Is it possible to have another address in Lumen without making another wallet?"]),
    intent("biometrics", "onboarding", [
        "Can I unlock Lumen with Face ID?",
        "How do I turn on fingerprint unlock?",
        "Is biometric login supported?"],
        ["Yes. Turn it on in **Settings > Security & Privacy > Biometric unlock**. Your PIN still "
         "works as a fallback.",
         "Go to Settings > Security & Privacy > Biometric unlock and enable Face ID or fingerprint. "
         "You'll still need the PIN occasionally, for example after a restart."],
        ["biometric unlock"],
        ["Typing my PIN every time is tedious. Can my face or thumb open the app instead?"]),
    intent("change_pin", "onboarding", [
        "How do I change my PIN?",
        "I want a new 6-digit PIN. Where is that setting?",
        "Can I update my app PIN?"],
        ["Go to **Settings > Security & Privacy > Change PIN**, enter your current PIN, then the new "
         "one twice.",
         "Sure: Settings > Security & Privacy > Change PIN. You'll need the current PIN first."],
        ["change pin", "current pin"],
        ["Where do I swap out my unlock code for a different one?"]),
    intent("forgot_pin", "onboarding", [
        "I forgot my PIN. Can you reset it?",
        "How do I recover my Lumen PIN?",
        "I can't remember my 6-digit PIN, what now?"],
        ["Support can't reset a PIN, because it never leaves your device. Reinstall the app, restore "
         "with your recovery phrase and choose a new PIN; your funds are safe on the blockchain.",
         "There's no PIN reset, but you won't lose funds: reinstall Lumen, restore with your "
         "recovery phrase and set a new PIN."],
        ["reinstall", "recovery phrase", "new pin"],
        ["My unlock code is gone from my memory. Is there any way back into the app?"]),
    intent("app_version", "onboarding", [
        "How do I check which version of Lumen I have?",
        "Where can I see the app version?",
        "Support asked for my version number. Where is it?"],
        ["Open **Settings > About** to see your version. Attaching an exported state log also helps; "
         "it contains no keys or phrases.",
         "It's under Settings > About. The extension shows it in the same place."],
        ["settings > about"],
        ["Which screen tells me what release of the app I'm running?"]),
    intent("update_safe", "onboarding", [
        "Will updating the app erase my wallet?",
        "Do I need my seed phrase to update Lumen?",
        "Is it safe to install the new Lumen update?"],
        ["Updating never changes your recovery phrase, keys or balances, and you never need to enter "
         "your phrase to update. Any prompt asking for it \"to complete the upgrade\" is a scam.",
         "No, updates are safe: updating never changes your recovery phrase, keys or balances, and you "
         "won't be asked for your phrase. Install updates only from the official stores."],
        ["never changes your recovery phrase"],
        ["Could installing the newest Lumen version wipe my wallet or change my backup words?"]),
]

NETWORK = [
    intent("switch_network", "network_switching", [
        "How do I switch networks in Lumen?",
        "Where do I change from Ethereum to Polygon?",
        "How can I see my Base balance?"],
        ["Tap the **network pill** at the top of the home screen and pick a network. Balances, tokens "
         "and Activity update to that network.",
         "Use the network pill at the top of the home screen. Each network has its own balances, so "
         "switch to the one you want to see."],
        ["network pill"],
        ["Where's the control that changes which chain the wallet is showing?"]),
    intent("zero_balance", "network_switching", [
        "My balance shows zero but I definitely have USDC on Arbitrum.",
        "Lumen says I have 0 tokens even though the explorer shows my funds on Arbitrum.",
        "Why is my wallet empty? I bridged to Arbitrum yesterday."],
        ["Most likely another network is selected. Tap the network pill and choose Arbitrum One; "
         "funds only appear on the network they were sent on.",
         "Your funds are probably fine. Switch to Arbitrum One with the network pill and pull down "
         "to refresh."],
        ["network pill", "arbitrum one"],
        ["Explorer says my Arbitrum address holds USDC, yet Lumen reads 0. What gives?"]),
    intent("same_address", "network_switching", [
        "Is my Polygon address the same as my Ethereum address?",
        "Do I have a different address on each network?",
        "Can I use the same address to receive on Base and Optimism?"],
        ["Yes, an account has the same address on all the EVM networks in Lumen, including Ethereum, "
         "Polygon PoS, Base and Optimism. Just make sure the sender uses the network you expect.",
         "On EVM networks your account uses the same address. Only your Bitcoin address is "
         "different."],
        ["same address"],
        ["Does my 0x address change when I flip between chains?"]),
    intent("btc_address", "network_switching", [
        "Why is my Bitcoin address different from my 0x address?",
        "My BTC address starts with bc1q. Is that right?",
        "What kind of Bitcoin address does Lumen use?"],
        ["That's correct: Lumen's Bitcoin accounts use native SegWit addresses starting with **bc1q**. "
         "Bitcoin isn't an EVM network, so it doesn't share your 0x address.",
         "Bitcoin uses its own address format. Lumen gives you a native SegWit address that starts "
         "with bc1q."],
        ["bc1q"],
        ["The receive screen on Bitcoin shows something totally unlike my Ethereum address. Is that "
         "a bug?"]),
    intent("custom_network", "network_switching", [
        "How do I add a custom network?",
        "Can I add a chain that isn't in the list?",
        "I want to add an EVM chain with my own RPC."],
        ["Go to **Settings > Networks > Add custom network** and enter the name, RPC URL, chain ID and "
         "currency symbol. It works for EVM-compatible chains only.",
         "Yes, for EVM chains: Settings > Networks > Add custom network. Use the chain ID from the "
         "network's official docs, or Lumen will reject it."],
        ["settings > networks > add custom network", "chain id"],
        ["The chain my game runs on isn't listed. Can I plug it in myself?"]),
    intent("change_rpc", "network_switching", [
        "How do I change the RPC for Ethereum?",
        "The default node is slow. Can I use my own RPC?",
        "Where can I set a different RPC endpoint?"],
        ["Open **Settings > Networks**, choose the network and tap **RPC endpoint**. Pick another "
         "Lumen endpoint or paste your own.",
         "Yes: Settings > Networks > [network] > RPC endpoint. Only use endpoints you trust."],
        ["rpc endpoint"],
        ["Can I point Lumen at a different node provider for a built-in chain?"]),
    intent("switch_moves_funds", "network_switching", [
        "If I switch to Base, will my ETH move there?",
        "Does changing the network move my tokens?",
        "How do I move ETH from Ethereum to Arbitrum inside Lumen?"],
        ["No, switching networks only changes what you're looking at. Moving funds to another network "
         "needs a bridge, and Lumen doesn't include one.",
         "Changing the network pill doesn't move anything. To move tokens across networks you'd use "
         "a bridge outside Lumen."],
        ["bridge"],
        ["If I tap Optimism in the network list, do my coins travel with me?"]),
    intent("wrong_network_own", "network_switching", [
        "I sent USDC to my own address on Polygon instead of Ethereum. Is it lost?",
        "I moved funds between my accounts on the wrong chain by mistake.",
        "Oops, I sent ETH to myself on Optimism instead of mainnet."],
        ["It's safe: your address is the same on every EVM network. Switch the network pill to the "
         "network you used and the balance will be there.",
         "Not lost. Tap the network pill, select the network you actually sent on, and you'll see "
         "the funds."],
        ["network pill"],
        ["I picked the wrong chain when transferring to my second Lumen account. Can I still get "
         "the money?"]),
    intent("wrong_network_exchange", "network_switching", [
        "I sent USDT to my exchange on the wrong network. Can you get it back?",
        "My deposit to an exchange used Polygon but they only support Ethereum.",
        "Can Lumen reverse a deposit I sent on the wrong chain?"],
        ["Lumen can't reverse blockchain transactions. Only the receiving service can recover it, "
         "so contact their support with the transaction hash from Activity > View on explorer.",
         "Only the exchange can help here. Send their support the transaction hash; Lumen cannot "
         "reverse transactions."],
        ["transaction hash"],
        ["My exchange deposit went out on a chain they don't credit. Who can fix that?"]),
    intent("dapp_switch", "network_switching", [
        "A website asked Lumen to switch networks. Should I approve it?",
        "Why did a dApp pop up a switch network request?",
        "Is it safe to accept a network change from a dApp?"],
        ["Approve it only if you expected it, for example because the dApp runs on that network. If "
         "it asks for a network Lumen doesn't have, you'll see E-4102.",
         "dApps can request a switch to the network they run on. Approve it only if you expected it "
         "and recognise the site."],
        ["approve it only if you expected it"],
        ["A site I connected keeps prompting me to hop to another chain. Accept or not?"]),
    intent("solana", "network_switching", [
        "Does Lumen support Solana?",
        "Can I hold SOL in Lumen?",
        "Can I add Tron as a custom network?"],
        ["Solana, Tron and Cosmos chains are not supported. You can add other EVM-compatible chains "
         "under Settings > Networks > Add custom network.",
         "No. Solana is not supported, and non-EVM chains can't be added as custom networks."],
        ["solana", "not supported"],
        ["Any plans for non-EVM chains like Solana right now, or can I add it myself?"]),
    intent("usdc_twice", "network_switching", [
        "Why do I see USDC twice?",
        "Is USDC on Arbitrum the same as USDC on Ethereum?",
        "My stablecoin shows on two networks with different balances."],
        ["Each network has separate balances: USDC on Arbitrum One and USDC on Ethereum are different "
         "tokens at the same address, so Lumen lists them separately.",
         "They're separate tokens on separate networks, even at the same address. Switching networks "
         "shows each balance."],
        ["separate"],
        ["Why can't Lumen just merge my USDC from every chain into one number?"]),
    intent("network_count", "network_switching", [
        "How many networks does Lumen support?",
        "Which networks can I use in Lumen?",
        "List the chains Lumen works with."],
        ["Lumen supports eight networks: Ethereum, Polygon PoS, Arbitrum One, Optimism, BNB Smart "
         "Chain, Base, Avalanche C-Chain and Bitcoin. You can add other EVM chains yourself.",
         "Eight networks: Ethereum, Polygon PoS, Arbitrum One, Optimism, BNB Smart Chain, Base, "
         "Avalanche C-Chain and Bitcoin."],
        ["eight networks", "avalanche c-chain", "bitcoin"],
        ["Give me the full set of built-in chains."]),
]
