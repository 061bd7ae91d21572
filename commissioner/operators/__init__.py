"""Operator accounts of this installation: roles, password hashes, lockout, session tokens.

Qt-free storage layer: :mod:`.roles` (which role starts which workflow), :mod:`.passwords`
(scrypt hashes and each account's key slot), :mod:`.store` (the account file, checked against
its anchor in the OS keyring), :mod:`.sessions` (expiring CLI session tokens).
"""
