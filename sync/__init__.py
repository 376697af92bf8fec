"""The sync library: protocol v1 (wire schemas, error codes) and the store-side client.

Imports ``common`` only: never Flask, ``store_node`` or ``head_office``.
"""
