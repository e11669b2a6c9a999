"""Tools for trying and testing Antrean without Telegram: the Bot API stand-in, the browser playground, demo data.

Nothing here is part of the product: the product's packages never import it, it imports nothing of theirs, and
the image leaves it out. Only `antrean demo` and the tests use it.
"""
