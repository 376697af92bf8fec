"""The Flask glue both services share: the one part of ``common`` that imports Flask."""
