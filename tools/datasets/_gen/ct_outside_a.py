"""Hand-written outside probes (part 1): vulnerable snippets in styles the generator never uses.

Written by hand for ``outside.jsonl``, a generalisation probe that is never trained on: 0.4-0.6 syntax,
OpenZeppelin-style code, assembly, proxies, Allman braces, NatSpec-heavy and comment-free files.
Each entry: (name, family, severity, explanation, code, lint_note).  ``lint_note`` is None when the
static markers in ``ct_lint`` must confirm the label, or says why a construct is beyond them.
"""

from __future__ import annotations

PIGGY = r'''pragma solidity ^0.4.21;

contract PiggyBank
{
    mapping (address => uint) public balanceOf;
    uint public totalHeld;

    function put() public payable
    {
        balanceOf[msg.sender] += msg.value;
        totalHeld += msg.value;
    }

    function collect(uint _am) public
    {
        if (balanceOf[msg.sender] >= _am)
        {
            if (msg.sender.call.value(_am)())
            {
                balanceOf[msg.sender] -= _am;
                totalHeld -= _am;
            }
        }
    }

    function() public payable { put(); }
}'''

EXIT_STAKE = r'''// SPDX-License-Identifier: MIT
pragma solidity 0.8.17;

/**
 * @title NativeStaking
 * @notice Stake ETH, earn ETH. Rewards are topped up by the treasury.
 */
contract NativeStaking {
    uint256 public totalStaked;
    uint256 public rewardPerBlock = 1e12;
    mapping(address => uint256) public stakeOf;
    mapping(address => uint256) public sinceBlock;

    function enter() external payable {
        require(msg.value > 0, "zero");
        stakeOf[msg.sender] += msg.value;
        sinceBlock[msg.sender] = block.number;
        totalStaked += msg.value;
    }

    function earned(address who) public view returns (uint256) {
        return stakeOf[who] * (block.number - sinceBlock[who]) * rewardPerBlock / 1e18;
    }

    /// @notice Leave the pool with principal and rewards.
    function exit() external {
        uint256 principal = stakeOf[msg.sender];
        uint256 payout = principal + earned(msg.sender);
        (bool sent, ) = msg.sender.call{value: payout}("");
        require(sent, "ETH_TRANSFER_FAILED");
        totalStaked -= principal;
        stakeOf[msg.sender] = 0;
    }

    receive() external payable {}
}'''

POSITIONS = r'''pragma solidity ^0.6.0;

contract LayawayShop {
    struct Order { uint256 paid; bool open; }
    mapping(address => Order[]) internal orders;

    function openOrder() external payable {
        orders[msg.sender].push(Order({paid: msg.value, open: true}));
    }

    function cancelAll() external {
        Order[] storage list = orders[msg.sender];
        for (uint256 i = 0; i < list.length; i++) {
            if (!list[i].open) continue;
            (bool ok, ) = msg.sender.call{value: list[i].paid}("");
            require(ok);
            list[i].open = false;
        }
    }
}'''

INIT_UPGRADEABLE = r'''// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

import "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";

contract RewardsDistributorV1 is Initializable {
    address public owner;
    address public rewardToken;

    modifier onlyOwner() {
        require(msg.sender == owner, "Ownable: caller is not the owner");
        _;
    }

    function initialize(address _owner, address _rewardToken) public {
        owner = _owner;
        rewardToken = _rewardToken;
    }

    function withdrawAll(address payable to) external onlyOwner {
        to.transfer(address(this).balance);
    }

    receive() external payable {}
}'''

RENAMED_CTOR = r'''pragma solidity ^0.4.15;

contract Pyramid2 {
    address private creator;
    uint private collectedFees;

    modifier onlyCreator { if (msg.sender == creator) _; }

    // constructor (the contract was renamed from DoublerPyramid)
    function DoublerPyramid() public {
        creator = msg.sender;
    }

    function collectFees() public onlyCreator {
        creator.transfer(collectedFees);
        collectedFees = 0;
    }

    function() public payable {
        collectedFees += msg.value / 10;
    }
}'''

FEE_SWITCH = r'''// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.20;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

contract SwapFeeController is Ownable {
    uint16 public constant MAX_BPS = 10_000;
    uint16 public protocolFeeBps = 30;
    address public feeTo;

    constructor(address initialOwner) Ownable(initialOwner) {}

    function setFeeTo(address newFeeTo) external onlyOwner {
        feeTo = newFeeTo;
    }

    function setProtocolFee(uint16 newFeeBps) external {
        require(newFeeBps <= MAX_BPS, "fee > 100%");
        protocolFeeBps = newFeeBps;
    }

    function feeOn(uint256 amountIn) public view returns (uint256) {
        return amountIn * protocolFeeBps / MAX_BPS;
    }
}'''

WALLET_KILL = r'''pragma solidity ^0.5.0;

contract SharedWallet {
    mapping(address => bool) public isOwner;
    uint public required;

    constructor(address[] memory owners, uint _required) public {
        for (uint i = 0; i < owners.length; i++) isOwner[owners[i]] = true;
        required = _required;
    }

    function() external payable {}

    function pay(address payable to, uint value) public {
        require(isOwner[msg.sender], "owner");
        to.transfer(value);
    }

    function decommission(address payable heir) public {
        selfdestruct(heir);
    }
}'''

KING = r'''pragma solidity ^0.4.24;

contract ThroneOfEther {
    address public king;
    uint public claimPrice = 10 finney;
    address owner;

    constructor() public { owner = msg.sender; king = msg.sender; }

    function claimThrone() public payable {
        require(msg.value >= claimPrice);
        uint compensation = msg.value * 98 / 100;
        if (king != address(0)) {
            king.send(compensation);
        }
        king = msg.sender;
        claimPrice = msg.value * 3 / 2;
    }
}'''

VESTING_TRANSFER = r'''// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

interface IERC20Minimal {
    function transfer(address to, uint256 amount) external returns (bool);
    function balanceOf(address who) external view returns (uint256);
}

contract LinearVesting {
    IERC20Minimal public immutable token;
    uint64 public immutable start;
    uint64 public immutable duration;
    mapping(address => uint256) public allocation;
    mapping(address => uint256) public released;

    constructor(IERC20Minimal _token, uint64 _start, uint64 _duration) {
        token = _token; start = _start; duration = _duration;
    }

    function vested(address who) public view returns (uint256) {
        if (block.timestamp < start) return 0;
        uint256 elapsed = block.timestamp - start;
        if (elapsed >= duration) return allocation[who];
        return allocation[who] * elapsed / duration;
    }

    function release() external {
        uint256 amount = vested(msg.sender) - released[msg.sender];
        released[msg.sender] += amount;
        token.transfer(msg.sender, amount);
    }
}'''

FEE_FORWARD = r'''pragma solidity 0.6.12;

contract TipJar {
    address payable public immutable collector;
    mapping(address => uint256) public tipsFor;

    event Tipped(address indexed from, address indexed creator, uint256 amount);

    constructor(address payable _collector) public {
        collector = _collector;
    }

    function tip(address creator) external payable {
        require(msg.value >= 0.001 ether, "tip too small");
        uint256 cut = msg.value / 20;
        tipsFor[creator] += msg.value - cut;
        collector.call{value: cut}("");
        emit Tipped(msg.sender, creator, msg.value);
    }

    function cashOut() external {
        uint256 amount = tipsFor[msg.sender];
        tipsFor[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "cash out failed");
    }
}'''

ENTRIES = [
    ("piggybank_04", "reentrancy", "critical",
     "collect() pays with call.value before reducing balanceOf; a contract can re-enter collect() in its "
     "fallback and drain everyone's deposits.", PIGGY, None),
    ("native_staking_exit", "reentrancy", "critical",
     "exit() sends principal plus rewards before zeroing stakeOf, so a contract can re-enter exit() and be "
     "paid its stake again out of other stakers' ETH.", EXIT_STAKE, None),
    ("layaway_cancel_loop", "reentrancy", "critical",
     "cancelAll() refunds each open order before marking it closed; re-entering from the refund call "
     "repays the same order again and drains other buyers' ETH.", POSITIONS, None),
    ("initializer_no_guard", "access_control", "critical",
     "initialize() has no initializer modifier or flag, so anyone can call it again, make themselves owner "
     "and take the balance with withdrawAll().", INIT_UPGRADEABLE, None),
    ("renamed_constructor_04", "access_control", "critical",
     "DoublerPyramid() no longer matches the contract name, so it is a public function: anyone can call it, "
     "become creator and collect the fees.", RENAMED_CTOR, None),
    ("fee_switch_missing_modifier", "access_control", "high",
     "setProtocolFee() lacks onlyOwner, so anyone can raise the protocol fee to 100% and skim users' swaps "
     "to feeTo.", FEE_SWITCH, None),
    ("wallet_selfdestruct_05", "access_control", "critical",
     "decommission() calls selfdestruct without checking isOwner, so anyone can destroy the wallet and send "
     "all its ETH to themselves.", WALLET_KILL, None),
    ("throne_send_04", "unchecked_external_call", "high",
     "claimThrone() ignores the result of king.send(); if the old king cannot receive, its compensation is "
     "lost while the throne still changes hands.", KING, None),
    ("vesting_erc20_transfer", "unchecked_external_call", "high",
     "release() records the release and ignores token.transfer's bool; with a token that returns false the "
     "beneficiary's vested amount is marked paid but never arrives.", VESTING_TRANSFER, None),
    ("tipjar_fee_call", "unchecked_external_call", "medium",
     "tip() forwards the collector's cut with a low-level call whose result is ignored; a failed call "
     "leaves the fee stuck, creators are still credited.", FEE_FORWARD, None),
]
