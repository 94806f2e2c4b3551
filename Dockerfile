# One image for every Airflow component and the dashboard (see docker-compose.yml).
FROM apache/airflow:3.3.2-python3.11

ENV MIDTIER_HOME=/opt/midtier/state \
    GX_ANALYTICS_ENABLED=false

USER root
# Owned by the airflow user and group 0, as the Airflow image expects for any runtime UID;
# named volumes mounted on state/ start with this ownership.
RUN mkdir -p /opt/midtier/state \
    && chown -R airflow:0 /opt/midtier \
    && chmod -R g+rwX /opt/midtier
USER airflow
WORKDIR /opt/midtier

# Dependencies first, so code changes do not reinstall them. Pinning apache-airflow keeps pip
# from moving the Airflow the image was built with.
COPY --chown=airflow:0 requirements.txt ./
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -r requirements.txt

COPY --chown=airflow:0 . ./
RUN pip install --no-cache-dir --no-deps -e .
