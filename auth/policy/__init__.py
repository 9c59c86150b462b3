"""The agreement's rules, one module per kind of rule (DESIGN.md §5).

- `release`: read grants, the active-release filter over the owner's store.
- `procedures`: the state machine of assistance requests and the checks of every procedure.
- `scopes`: the scope catalogue as tokens carry it.
"""
