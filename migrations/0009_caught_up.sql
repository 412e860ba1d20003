-- When each source was last seen with nothing left to read: a scan that began at caught_up_at found every
-- file or object it then held read and its messages published (for a bucket, a full listing). Ingest writes
-- it. An operator reads how far behind a source is; a test waits on it instead of sleeping to prove that
-- nothing more is coming.
alter table brewclip.sources add column caught_up_at timestamptz;
