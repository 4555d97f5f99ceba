"""Blueprint stub for the 'catalog' area (filled in by its issue)."""
from flask import Blueprint

blueprint = Blueprint("catalog", __name__)
