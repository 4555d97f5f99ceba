"""Blueprint stub for the 'pictures' area (filled in by its issue)."""
from flask import Blueprint

blueprint = Blueprint("pictures", __name__)
