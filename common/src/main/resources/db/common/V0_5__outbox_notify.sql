-- Every statement that adds outbox rows also sends NOTIFY trainpod_outbox (issue 17): PostgreSQL delivers it only
-- when the transaction commits (never for a rolled-back one), once per transaction however many rows it wrote, to
-- every connection LISTENing on the channel in this database. Each replica's OutboxRelay LISTENs (OutboxListener),
-- so a row committed by any replica, through any path that inserts into outbox_event, wakes every relay at once;
-- the relay's timer stays as the fallback. The channel name is OutboxListener.CHANNEL.
CREATE FUNCTION outbox_event_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('trainpod_outbox', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_event_notify AFTER INSERT ON outbox_event
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_event_notify();
