"""Rolling Text's functional core: rules of procedure, the record, and the text rules.

Pure Python: no I/O, no asyncio, no web framework, no database. `server/` and `client/` are thin
shells around it; a rule that is not here does not exist.
"""
