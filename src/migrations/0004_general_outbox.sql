-- Migration 4: the outbox becomes general. A job has a kind (email today; gateway calls,
-- courier calls and projections next) and a JSON payload holding whatever its handler
-- needs; the email bodies move into the payload as {"text": ..., "html": ...}. The
-- summary columns stay, for every kind, because the admin lists and the mail cap read
-- them: recipient (who the job addresses: a mail address, a gateway, a courier),
-- subject (one line saying what it does) and template (the operation or mail template).
-- The rest of the state machine is unchanged: pending → sending → sent, retryable
-- failures back to pending on the backoff schedule until dead, permanent ones failed.
-- kind is a short lowercase name; the worker marks a job of a kind it has no handler for
-- as failed ("no handler"), so an older binary never loses a newer binary's job.
-- SQLite cannot change a CHECK in place, so the table is rebuilt; ids are kept.
CREATE TABLE outbox_v4 (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL
                    CHECK (length(kind) BETWEEN 1 AND 40 AND kind NOT GLOB '*[^a-z0-9_.-]*'),
    idempotency_key TEXT NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    template        TEXT NOT NULL,
    payload         TEXT NOT NULL CHECK (json_valid(payload) AND json_type(payload) = 'object'),
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    resends         INTEGER NOT NULL DEFAULT 0 CHECK (resends >= 0),
    next_attempt_at INTEGER NOT NULL,
    claimed_at      INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    provider_id     TEXT
) STRICT;
INSERT INTO outbox_v4 (id, kind, idempotency_key, recipient, subject, template, payload,
                       status, attempts, resends, next_attempt_at, claimed_at, last_error,
                       created_at, sent_at, provider_id)
    SELECT id, kind, idempotency_key, recipient, subject, template,
           json_object('text', body_text, 'html', body_html),
           status, attempts, resends, next_attempt_at, claimed_at, last_error,
           created_at, sent_at, provider_id
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v4 RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_recipient ON outbox (recipient, created_at);
CREATE INDEX outbox_kind ON outbox (kind, status);
