"""The throwaway PostgreSQL the harness starts runs parallel queries: its text-search
configuration is one a parallel worker can set (initdb given "pg_catalog.english" wrote
"pg_catalog.pg_catalog.english", which failed every parallel plan of a large seed)."""

import pytest
from django.db import connection, transaction


@pytest.mark.django_db
def test_a_parallel_query_runs_and_the_search_configuration_is_english():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SHOW default_text_search_config")
        assert cursor.fetchone() == ("pg_catalog.english",)
        # The app's connections plan without parallel workers (DB_PARALLEL_WORKERS_PER_QUERY):
        # the cluster must still run them when a session asks.
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 2")
        cursor.execute("SET LOCAL force_parallel_mode = on")
        cursor.execute("SET LOCAL parallel_setup_cost = 0")
        cursor.execute("SELECT count(*) FROM vendors_skill WHERE to_tsvector(name) @@ plainto_tsquery('audit')")
        assert cursor.fetchone()[0] >= 0
        cursor.execute("EXPLAIN SELECT count(*) FROM vendors_skill WHERE to_tsvector(name) @@ plainto_tsquery('audit')")
        assert any("Gather" in row[0] for row in cursor.fetchall())
