# Production image: gunicorn web, Celery worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
RUN useradd --create-home --uid 1000 mms
# pg_dump and pg_restore for `manage.py backup`/`restore` (bookworm's 15, the version of the postgres:15 service).
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY --chown=mms:mms . .
# collectstatic needs settings that load; the real secret comes from the environment at run time.
RUN SECRET_KEY=build-only-not-secret DEBUG=0 python manage.py collectstatic --no-input \
    && mkdir -p /app/var /app/media && chown -R mms:mms /app/var /app/media /app/staticfiles
USER mms
EXPOSE 8000
CMD ["gunicorn", "mms.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
