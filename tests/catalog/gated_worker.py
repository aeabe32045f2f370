"""``allmende worker`` whose loads wait at a gate, for the crash tests.

Each load writes ``started-<pid>`` into the folder named by
``ALLMENDE_TEST_GATE_DIR`` (the pid of the pool process running it) and waits
while the file ``hold`` exists there; then it loads as usual. The test can so
kill the worker at a known point of a load.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any


def _gated(real: Any) -> Any:
    def ingest(*args: Any, **kwargs: Any) -> Any:
        gate = Path(os.environ["ALLMENDE_TEST_GATE_DIR"])
        (gate / f"started-{os.getpid()}").touch()
        while (gate / "hold").exists():
            time.sleep(0.05)
        return real(*args, **kwargs)

    return ingest


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allmende.config.settings")
    import django

    django.setup()
    from allmende.catalog import engine

    engine.ingest = _gated(engine.ingest)
    from django.core.management import call_command

    call_command("worker", *sys.argv[1:])


if __name__ == "__main__":
    main()
