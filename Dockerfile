# The bot in a container: a slim Python, Graphviz for /debate map, a non-root user, the database in a volume.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Debian replaces package versions with its security updates, so pinning one would break later builds.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends graphviz \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --no-create-home --home-dir /data bot \
    && mkdir /data \
    && chown bot:bot /data

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY cogs ./cogs
COPY schema ./schema
COPY migrations ./migrations
COPY sim ./sim
RUN pip install --no-cache-dir .

USER 10001:10001
WORKDIR /data
# The default SQLite database lives in the volume; compose.yaml points DATABASE_URL at PostgreSQL instead.
ENV DATABASE_URL=sqlite+aiosqlite:////data/debates.db
VOLUME ["/data"]

# Healthy: the gateway is connected and the database answers (python -m bot health; see the README).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["debate-bot", "health"]
CMD ["debate-bot"]
