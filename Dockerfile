# One image for every process of Antrean: the command line, the bot, the web workers and the background worker.
# The dev tools (devtools/: the Bot API stand-in, the playground, the demo's data) are left out.
FROM python:3.11-slim
WORKDIR /app
# In a container the app listens on every interface of its own network namespace; the proxy in front decides who
# reaches it.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ANTREAN_ENVIRONMENT=production ANTREAN_WEB_HOST=0.0.0.0
COPY pyproject.toml requirements.lock README.md alembic.ini ./
COPY core core
COPY bot bot
COPY web web
COPY antrean antrean
COPY migrations migrations
COPY locales locales
# Editable, so the package finds migrations/ beside it; the lock gives the versions the tests passed with.
RUN pip install --no-cache-dir -c requirements.lock -e . && pybabel compile -d locales -D messages
# Not root: the processes need to write nothing but what a volume gives them.
RUN useradd --system --uid 10001 --home-dir /app antrean
USER antrean
EXPOSE 8080
# The schema is brought up to date by `antrean db upgrade` before the workers start.
CMD ["antrean", "--help"]
