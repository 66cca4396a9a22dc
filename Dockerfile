# The bot in a container, built in two stages from the lock file: a build stage installs the exact, hash-checked
# versions of requirements/image.lock (the bot and PostgreSQL's driver) into a virtual environment; the final image
# gets that environment and the code, Graphviz for /debate map and a non-root user — no pip, no compiler. The base is
# pinned to an exact version tag; at release, pin its digest too (README, "Container").

FROM python:3.11.14-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
COPY requirements/image.lock /tmp/image.lock
# Wheels only: nothing is compiled, so the build stage needs no compiler either.
RUN python -m venv --without-pip /opt/venv \
    && pip install --no-cache-dir --python /opt/venv/bin/python --require-hashes --only-binary=:all: \
        -r /tmp/image.lock

FROM python:3.11.14-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app

# Debian replaces package versions with its security updates, so pinning one would break later builds.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends graphviz \
    && rm -rf /var/lib/apt/lists/* \
    && python -m pip uninstall --yes pip setuptools wheel

RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --no-create-home --home-dir /data bot \
    && mkdir /data \
    && chown bot:bot /data \
    && chmod 0700 /data

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY bot ./bot
COPY cogs ./cogs
COPY schema ./schema
COPY migrations ./migrations
COPY sim ./sim

USER 10001:10001
WORKDIR /data
# The default SQLite database lives in the volume (the bot creates its files readable by its user only);
# compose.yaml points DATABASE_URL at PostgreSQL instead.
ENV DATABASE_URL=sqlite+aiosqlite:////data/debates.db
VOLUME ["/data"]

# Healthy: the gateway is connected and the database answers (python -m bot health; see the README).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["python", "-m", "bot", "health"]
CMD ["python", "-m", "bot"]
