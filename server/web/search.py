"""Blueprint stub for the 'search' area (filled in by its issue)."""
from flask import Blueprint

blueprint = Blueprint("search", __name__)
