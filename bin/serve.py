"""Serve the site on this host as production does: gunicorn and the task worker, side by side.

`make run` (and `make serve`) run this after migrations, demo data and collectstatic, from the
project folder and with the settings in the environment::

    python bin/serve.py 127.0.0.1:8000

- gunicorn serves ``clinic.wsgi`` with ``WEB_CONCURRENCY`` workers (2 by default) and reads
  ``./gunicorn.conf.py`` by itself, as in production.
- ``manage.py db_worker`` runs the queued tasks: it sends the emails (printed here with the
  console email backend).

Ctrl-C (or SIGTERM) stops both gracefully and waits for them; a second Ctrl-C kills them at once.
If either stops on its own, the other is stopped too, and the exit status says it failed.
"""

import os
import signal
import subprocess
import sys
import time

# gunicorn's own graceful timeout; the worker finishes the email it is sending (EMAIL_TIMEOUT 10 s).
GRACE_SECONDS = 30


def main(bind: str) -> int:
    python = sys.executable
    web_workers = os.environ.get("WEB_CONCURRENCY", "2")
    web_server = [python, "-m", "gunicorn", "clinic.wsgi", "--bind", bind, "--workers", web_workers]
    commands = {
        "web server": [*web_server, "--access-logfile", "-", "--log-file", "-"],
        "task worker": [python, "manage.py", "db_worker", "--no-reload"],
    }
    # Each in a process group of its own: Ctrl-C in the terminal reaches this script alone, which
    # then stops each of them with one signal (a second one would cut a sending email short).
    processes = {
        name: subprocess.Popen(command, process_group=0)  # noqa: S603 - our own fixed commands
        for name, command in commands.items()
    }
    stop_signals: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: stop_signals.append(signum))
    signal.signal(signal.SIGTERM, lambda signum, frame: stop_signals.append(signum))

    status = 0
    while not stop_signals:
        stopped = [(name, process) for name, process in processes.items() if process.poll() is not None]
        if stopped:
            name, process = stopped[0]
            print(f"The {name} stopped (exit status {process.returncode}); stopping the rest.", file=sys.stderr)
            status = 1
            break
        time.sleep(0.2)

    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + GRACE_SECONDS
    while any(process.poll() is None for process in processes.values()):
        if len(stop_signals) > 1 or time.monotonic() > deadline:
            for process in processes.values():
                if process.poll() is None:
                    process.kill()
        time.sleep(0.1)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:8000"))
