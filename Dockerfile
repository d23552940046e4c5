FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 OPENBLAS_NUM_THREADS=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY conscripts ./conscripts
COPY reports ./reports
COPY sources ./sources
RUN pip install --no-cache-dir .
COPY . .
RUN useradd --create-home app && mkdir -p var/media staticfiles && chown -R app var staticfiles
USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
