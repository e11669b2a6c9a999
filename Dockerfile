# One image for every door of Antrean: the CLI today, the bot workers and the web app as they land.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ANTREAN_ENVIRONMENT=production
COPY pyproject.toml README.md alembic.ini ./
COPY core core
COPY bot bot
COPY web web
COPY migrations migrations
# Editable, so the package finds migrations/ beside it.
RUN pip install --no-cache-dir -e .
# The schema is brought up to date by `antrean db upgrade` before the workers start.
CMD ["antrean", "--help"]
