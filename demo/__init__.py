"""What the demo and the documents show, kept out of the services: a chain's sales history
(``history``, through head office's own sync path) and the domain diagram (``diagram``).

Only the commands that use them import them (``comptoir head-office seed --days``,
``comptoir head-office diagram``), and the console's Domain model page.
"""
