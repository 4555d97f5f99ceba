"""Blueprint stub for the 'reconcile' area (filled in by its issue)."""
from flask import Blueprint

blueprint = Blueprint("reconcile", __name__)
