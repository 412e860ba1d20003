-- Which items may hold vectors: those of media that is neither replaced (its vectors were deleted when its place
-- got new content) nor rejected. The vector index writer writes no vector for any other item, and a backfill reads,
-- counts and waits for exactly these, so what it selects is what gets written and a promotion cannot wait on an
-- item that will never get a vector. An item's stage is not part of it: an image marked failed may still be
-- embedded by a later delivery (failed -> embedded), and an item that failed after it was embedded keeps the
-- vectors it had, so a new version gives it one too (an item that failed before it was embedded has no cached
-- features, so no backfill selects it).
create view brewclip.vector_recordings as
    select r.id, r.media_id from brewclip.recordings r join brewclip.media m on m.id = r.media_id
    where m.status not in ('replaced', 'rejected');

create view brewclip.vector_images as
    select i.id, i.media_id from brewclip.images i join brewclip.media m on m.id = i.media_id
    where m.status not in ('replaced', 'rejected');

-- What a backfill re-embeds: featured segments (features of their current text cached) of recordings that may
-- hold vectors, and images with a cached CLIP embedding that may hold vectors.
create view brewclip.backfill_segments as
    select s.* from brewclip.featured_segments s join brewclip.vector_recordings r on r.id = s.recording_id;

create view brewclip.backfill_images as
    select f.image_id, f.image_embeds from brewclip.image_features f join brewclip.vector_images i on i.id = f.image_id;

-- A replaced item's recording or image keeps the stage it had reached (its content may come back), but it has no
-- vector: it is counted as replaced, not as embedded.
create or replace view brewclip.index_status as
    select 'media' as kind, m.status as stage, count(*) as items,
           null::timestamptz as oldest_since, null::interval as lag
    from brewclip.media m group by m.status
    union all
    select 'recording', x.stage, count(*), min(x.stage_changed_at),
           case when x.stage in ('ingested', 'transcribed') then now() - min(x.stage_changed_at) end
    from (select case when m.status = 'replaced' then 'replaced' else r.stage end as stage, r.stage_changed_at
          from brewclip.recordings r join brewclip.media m on m.id = r.media_id) x
    group by x.stage
    union all
    select 'image', x.stage, count(*), min(x.stage_changed_at),
           case when x.stage = 'ingested' then now() - min(x.stage_changed_at) end
    from (select case when m.status = 'replaced' then 'replaced' else i.stage end as stage, i.stage_changed_at
          from brewclip.images i join brewclip.media m on m.id = i.media_id) x
    group by x.stage
    union all
    select 'pair', p.split, count(*), min(p.created_at), null
    from brewclip.pairs p group by p.split;
