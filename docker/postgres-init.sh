#!/bin/sh
# Runs once, on an empty data volume: the Prefect server gets its own role and database.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<EOSQL
CREATE ROLE prefect LOGIN PASSWORD '${PREFECT_DB_PASSWORD:-prefect}';
CREATE DATABASE prefect OWNER prefect;
EOSQL
