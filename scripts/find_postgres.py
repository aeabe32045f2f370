"""Print a DATABASE_URL for a reachable local PostgreSQL server, or nothing.

Tries the local socket as the current user, then the usual TCP address as the
``postgres`` user. The test run creates its own ``test_...`` database there.
"""

import sys

import psycopg

CANDIDATES = [
    ("postgres:///postgres", {"dbname": "postgres"}),
    ("postgres://postgres@127.0.0.1:5432/postgres", {
        "host": "127.0.0.1", "user": "postgres", "dbname": "postgres"}),
]  # fmt: skip

for url, params in CANDIDATES:
    try:
        with psycopg.connect(connect_timeout=3, **params) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error:
        continue
    print(url)
    sys.exit(0)
sys.exit(1)
