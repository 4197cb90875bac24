-- Runs once, when the PostgreSQL volume is first created: one database per service.
CREATE DATABASE trainpod_deploy;
CREATE DATABASE trainpod_dataset;
CREATE DATABASE trainpod_metrics;
