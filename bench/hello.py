"""The ceiling of the stack: a bare WSGI app served by the same gunicorn settings as the site.

Every page's figure is also given as a ratio to this app's rate in the same run, so the table
says how much of the machine the site leaves on the table, whatever the machine.
"""

BODY = b"<!doctype html><title>hello</title><p>hello</p>\n"
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
