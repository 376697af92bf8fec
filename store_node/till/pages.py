from flask import Blueprint

bp = Blueprint("till", __name__)
