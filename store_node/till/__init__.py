"""The till: server-rendered pages for cashiers and store managers."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import pages, returns, sell, shifts, stock

    for blueprint in (pages.bp, sell.bp, returns.bp, stock.bp, shifts.bp):
        app.register_blueprint(blueprint)
