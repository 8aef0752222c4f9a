"""The WSGI entry point for gunicorn: `gunicorn tracker.wsgi:app`."""

from .web.app import create_app

app = create_app()
