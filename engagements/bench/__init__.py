"""Benchmarks run on demand (never as timed tests): `manage.py bench_directory`
(`make bench-directory`) and the modules it is made of.

- mix.py: the seeded request mix (what buyers do in the directory), pure apart
  from reading its words from the seeded data;
- load.py: replaying the mix over HTTP at N connections, and the statistics;
- references.py: the one-query SQL references, timed through psycopg2;
- queries.py: SQL queries per request, counted in-process;
- report.py: the tables and the JSON record;
- accounts.py, server.py: the benchmark's client organization and manager, and waiting for its gunicorn (bench_api uses them too).
"""
