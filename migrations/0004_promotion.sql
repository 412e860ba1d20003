-- Promotion: candidate -> backfilling -> active, resumable backfills, rollback and retention.
-- brewclip.model_versions is written by the Training service alone; each embedding service writes the
-- backfills rows of its own kind.

-- Why a version is where it is (a rejection's reason, say), and when a retired version's vectors and
-- indexes were dropped (it can no longer be activated).
alter table brewclip.model_versions
    add column status_reason text,
    add column vectors_dropped_at timestamptz;

-- A backfill's position: it re-embeds items in key order, and the key of the last item done is kept in
-- the same transaction as that item's vector, so a restarted service continues exactly where it stopped.
-- Images use cursor_id (image id); audio uses (cursor_id, cursor_segment) = (recording id, segment index).
alter table brewclip.backfills
    add column cursor_id bigint not null default 0,
    add column cursor_segment integer not null default -1;

-- Versions, newest first, with their backfill progress: what `brewclip models list` shows.
create view brewclip.model_versions_progress as
    select v.version, v.status, v.status_reason, v.description, v.metrics, v.created_at, v.activated_at,
           v.vectors_dropped_at,
           a.done as audio_done, a.total as audio_total, a.finished_at as audio_finished_at,
           i.done as image_done, i.total as image_total, i.finished_at as image_finished_at
    from brewclip.model_versions v
    left join brewclip.backfills a on a.model_version = v.version and a.kind = 'audio'
    left join brewclip.backfills i on i.model_version = v.version and i.kind = 'image';
