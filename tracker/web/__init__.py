"""The Flask side: the app factory (`app`), stats pages (`stats`), the JSON
API (`api`, described by `openapi`), request authentication (`auth`),
templates and static files."""
