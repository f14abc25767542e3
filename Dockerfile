# The production image. One image, three processes: the command picks web (the default), worker or
# beat (deploy/entrypoint.sh, the same script .ci/production-smoke runs). compose.yaml wires them
# to PostgreSQL and Redis.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The production lock: runtime pins only (requirements-dev.lock adds the tests and tools).
# psycopg[binary] bundles libpq, so no system packages are needed.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock \
    && groupadd --system --gid 10001 mentoring \
    && useradd --system --uid 10001 --gid mentoring --home-dir /app --no-create-home mentoring

# The code stays owned by root: the app user can read it, not change it.
COPY . .

ENV DEBUG=false \
    STATIC_ROOT=/app/staticfiles \
    VAR_DIR=/var/lib/mentoring \
    BIND=0.0.0.0:8000

# collectstatic needs settings, and settings need a SECRET_KEY with DEBUG off: a dummy one, used
# for this step only (the running containers get the real one from the environment).
# compile_catalogue builds the translations (.mo) with polib: no GNU gettext in the image.
RUN SECRET_KEY=build-time-collectstatic-only python manage.py collectstatic --noinput \
    && SECRET_KEY=build-time-collectstatic-only python manage.py compile_catalogue \
    && mkdir -p /var/lib/mentoring \
    && chown -R 10001:10001 /var/lib/mentoring

# Numeric, so a host (or Kubernetes runAsNonRoot) can tell it is not root.
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["deploy/entrypoint.sh"]
CMD ["web"]
