"""The till: server-rendered pages for cashiers and store managers."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import csrf, pages

    csrf.init_app(app)
    app.register_blueprint(pages.bp)
