"""The agreement's rules, one module per kind of rule (DESIGN.md §5).

- `rules`: the rule ids of agreement.toml's `[[rules]]`, and how a refusal under each reads.
- `scopes`: the scope catalogue, the one place a scope is named; scopes as tokens carry them.
- `release`: read grants and the active-release filter over the owner's store.
- `personal_data`: which personal-data columns a caller may read.
- `filters`: what a filter may look at (a filter is a read).
- `designation`: who may act under the agreement at all.
- `procedures`: the state machine of assistance requests and the checks of every procedure.
- `audit`: what the owner's audit log records of a read, a procedure and a refusal.

Each is decided here and only here; the stores and transports call these checks.
"""
