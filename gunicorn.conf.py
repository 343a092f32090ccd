"""gunicorn settings read by every gunicorn started from the project's directory (`make serve`,
`make run`, the systemd unit in docs/deploy.md): gunicorn loads ./gunicorn.conf.py by itself.
Command-line options still win over what is set here.
"""

# The access log never shows the token of a manage or confirmation link (clinic/log_redaction.py).
logger_class = "clinic.log_redaction.RedactingGunicornLogger"
