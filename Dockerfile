# KPO Match application image: web (gunicorn), Celery worker and beat, one-shot
# commands (migrate, seed_demo). See docker-compose.yml for how it is run.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The source tree in /app wins over the copy `pip install .` puts in
    # site-packages: settings locate templates/ and static/ from BASE_DIR.
    PYTHONPATH=/app

# Unprivileged runtime user; the code itself stays root-owned and read-only to it.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app

COPY . /app

# Runtime dependencies only (the [dev] extra is not installed).
RUN pip install . \
    && rm -rf /app/build /app/*.egg-info

# Hashed, compressed static files served by whitenoise. DEBUG off turns on the
# manifest storage; the secret key is a build-time dummy, never used at runtime.
RUN DEBUG=false SECRET_KEY=build-only-dummy-secret-key-not-used-at-runtime \
    python manage.py collectstatic --noinput

RUN mkdir -p /app/media && chown app:app /app/media

USER app

EXPOSE 8000

# No curl in slim images; /healthz is exempt from the HTTPS redirect.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request as u; sys.exit(0 if u.urlopen('http://127.0.0.1:8000/healthz', timeout=5).status == 200 else 1)"]

# Workers, threads, timeouts and request limits: gunicorn.conf.py (environment overrides there).
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
