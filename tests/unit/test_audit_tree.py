"""The audit log's Merkle tree is RFC 9162's (the published reference roots), whatever the
size, however it is grown, and its kept frontier is checked against its size."""

import hashlib

import pytest

from store.audit_tree import EMPTY_ROOT, Frontier, first_difference, tree_root

# RFC 6962's reference leaves (as hex) and the tree head of each size 0..8, as published with
# the Certificate Transparency reference code.
LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
          "606162636465666768696a6b6c6d6e6f"]  # fmt: skip
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH as RFC 9162 §2.1.1 defines it, recursively."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    left, right = reference_root(leaves[:split]), reference_root(leaves[split:])
    return hashlib.sha256(b"\x01" + left + right).digest()


@pytest.mark.parametrize("size", range(len(ROOTS)))
def test_the_reference_roots(size: int) -> None:
    assert tree_root(LEAVES[:size]) == ROOTS[size]


def test_every_size_matches_the_definition_and_a_grown_tree() -> None:
    hashes = [hashlib.sha256(str(n).encode()).hexdigest() for n in range(70)]
    grown = Frontier()
    assert grown.root() == EMPTY_ROOT
    for size in range(1, len(hashes) + 1):
        grown.append(hashes[size - 1])
        expected = reference_root([bytes.fromhex(h) for h in hashes[:size]]).hex()
        assert grown.root() == expected, size
        # A frontier kept and read back continues the same tree.
        kept = Frontier.from_json(grown.size, grown.as_json())
        assert kept.root() == expected
        assert len(kept.peaks) == bin(size).count("1")


def test_a_frontier_that_does_not_fit_its_size_is_refused() -> None:
    grown = Frontier()
    grown.extend(LEAVES[:6])
    with pytest.raises(ValueError, match="does not fit"):
        Frontier.from_json(7, grown.as_json())


def test_the_first_difference() -> None:
    kept = ["a", "b", "c", "d"]
    assert first_difference(kept, ["a", "b", "c", "d", "e"]) is None
    assert first_difference(kept, ["a", "x", "c", "d"]) == 2
    assert first_difference(kept, ["a", "c", "b", "d"]) == 2
    assert first_difference(kept, ["a", "b"]) == 3
