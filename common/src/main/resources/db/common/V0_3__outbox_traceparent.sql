-- Shared by every service: the W3C traceparent of the transaction that wrote the event (null when tracing is
-- off), so the relay can continue that trace on the Kafka record (CloudEvents distributed-tracing extension).
ALTER TABLE outbox_event ADD COLUMN traceparent TEXT;
