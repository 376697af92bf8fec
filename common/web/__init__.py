"""The Flask glue both services share: the one part of ``common`` that imports Flask.

Both the store node and head office are Flask apps, and this is what they must
agree on: how an app is put together (``common.web.app.create_service_app``: defaults,
configuration, extensions, then the edge below, then blueprints), how every
error is answered (``errors``: ``{code, status, message, errors}`` with
DESIGN.md's codes, or a readable page in the service's own look), the request
id (``requestid``), the security headers (``headers``), what is refused before
any view runs (``edge``: body size and JSON nesting, content type, control
characters, ids beyond their column), CSRF for every form (``csrf``), who
may read ``/metrics`` and the API documentation (``access``), and which
language a page or a message is in (``i18n``, Flask-Babel).

The rest of ``common`` stays free of Flask: rules, limits and schemas that
scripts and the sync library use too.

The package itself imports none of them: each service imports the module it uses
(``from common.web.app import create_service_app``), so no module here depends on the
package that holds it.
"""
