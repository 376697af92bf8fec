"""Console page of the stores: the chain's stores, for managers."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..auth.guard import MANAGERS, page_login_required
from ..web import db
from .operations import list_stores

bp = Blueprint("stores_console", __name__)


@bp.route("/stores")
@page_login_required(*MANAGERS)
def stores():
    return render_template("console/stores.html", stores=list_stores(db()))
