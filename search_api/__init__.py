"""The search API and the site's search page: `create_app(settings, engine=None)`."""

from search_api.app import create_app

__all__ = ["create_app"]
