-- Leases of singleton jobs, in every service's database (common's JobLease): one replica at a time holds a job's
-- lease until it lapses, so a periodic sweep runs on one replica; deploy-service also keeps each replica's
-- liveness here ('replica:<id>'). deploy-service's job_lease table (its V2) is no longer used.
CREATE TABLE lease (
    name        TEXT         PRIMARY KEY,
    holder      TEXT         NOT NULL,
    held_until  TIMESTAMPTZ  NOT NULL
);
