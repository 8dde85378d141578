"""The audit trail: an append-only log chained with an HMAC under the user's key. (README.md lists the modules.)"""
