FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 OPENBLAS_NUM_THREADS=1
WORKDIR /app
# The locked, hashed dependencies first (a layer that changes only with the lock), then
# the project itself without dependencies, built with the locked setuptools.
COPY requirements/base.lock ./requirements/
RUN pip install --no-cache-dir --require-hashes -r requirements/base.lock
COPY pyproject.toml README.md ./
COPY config ./config
COPY core ./core
COPY conscripts ./conscripts
COPY reports ./reports
COPY sources ./sources
RUN pip install --no-cache-dir --no-deps --no-build-isolation .
COPY . .
RUN useradd --create-home app && mkdir -p var/media staticfiles && chown -R app var staticfiles
USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
