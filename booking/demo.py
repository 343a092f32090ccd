"""Demo data for `make run`. Idempotent: running it again adds nothing."""


def load_demo_schedule() -> str:
    return "no booking demo data yet"
