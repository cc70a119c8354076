FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY projections ./projections
COPY api ./api
RUN pip install --no-cache-dir .
ENV MSGSTORE_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8000
CMD ["msgstore", "serve", "--host", "0.0.0.0", "--port", "8000"]
