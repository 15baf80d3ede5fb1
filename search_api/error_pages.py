"""Dutch HTML error pages for browsers outside `/api` (the API keeps its one JSON shape).

`errors.error_response` asks `wants_page()` and, for a browser asking for a page, answers
`error_page(status)` instead of JSON: a visitor who mistypes an address sees a page with a
search box, not a JSON object.
"""

from __future__ import annotations

from flask import Response, render_template, request

# (heading, explanation) per status; anything else is told as the 500 text.
PAGE_TEXTS: dict[int, tuple[str, str]] = {
    400: ("Ongeldig verzoek",
          "Dit adres klopt niet helemaal. Probeer het opnieuw via het zoekvak."),
    404: ("Pagina niet gevonden", "Deze pagina bestaat niet (meer). Zoek hieronder verder."),
    405: ("Dat kan hier niet", "Deze pagina is er alleen om te bekijken."),
    413: ("Te veel tekst", "Het verzoek is te groot om te verwerken."),
    429: ("Even rustig aan", "U deed veel verzoeken kort na elkaar. Probeer het zo opnieuw."),
    500: ("Er ging iets mis",
          "Er ging onverwacht iets mis aan onze kant. Probeer het later opnieuw."),
    503: ("Zoeken is even niet mogelijk",
          "De zoekmachine is tijdelijk niet bereikbaar. Probeer het zo dadelijk opnieuw."),
}


def wants_page() -> bool:
    """Whether the current request is a browser's, outside the API, that prefers HTML."""
    path = request.path
    if path == "/api" or path.startswith("/api/"):
        return False
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html"


def error_page(
    status: int, headers: dict[str, str] | None = None, request_id: str | None = None
) -> Response:
    """The Dutch error page for `status`, never cached."""
    heading, text = PAGE_TEXTS.get(status, PAGE_TEXTS[500])
    body = render_template(
        "error.html", status=status, heading=heading, text=text, request_id=request_id
    )
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
