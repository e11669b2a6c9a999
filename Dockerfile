# One image for every door of Antrean: the command line, the bot workers and the web app.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ANTREAN_ENVIRONMENT=production
COPY pyproject.toml README.md alembic.ini ./
COPY core core
COPY bot bot
COPY web web
COPY migrations migrations
COPY locales locales
# Editable, so the package finds migrations/ beside it.
RUN pip install --no-cache-dir -e . && pybabel compile -d locales -D messages
# The schema is brought up to date by `antrean db upgrade` before the workers start.
CMD ["antrean", "--help"]
