-- Schema v1: the whole data flow of BrewClip Pipeline.
-- Stages live here, not in the queue: every item carries its stage and when it entered it, so the
-- reconciler can re-publish what sat too long and index_status can show lag.

create extension if not exists vector;
create schema if not exists brewclip;

-- Watched sources and their listing cursors (S3 ListObjectsV2 start-after key).
create table brewclip.sources (
    name        text primary key,
    kind        text not null check (kind in ('folder', 's3')),
    location    text not null,
    cursor      text,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);

-- One row per distinct content (SHA-256), whatever it turned out to be.
create table brewclip.media (
    id                bigint generated always as identity primary key,
    content_hash      bytea not null unique check (length(content_hash) = 32),
    kind              text not null default 'unknown' check (kind in ('unknown', 'audio', 'image', 'video')),
    status            text not null default 'pending' check (status in ('pending', 'accepted', 'rejected')),
    rejection_reason  text,
    size_bytes        bigint not null check (size_bytes >= 0),
    container_format  text,
    duration_seconds  double precision,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    check ((status = 'rejected') = (rejection_reason is not null))
);
create index media_status_idx on brewclip.media (status, kind);

-- Every place a content was seen: the same bytes from two sources are one media with two rows here.
create table brewclip.media_sources (
    source_name  text not null references brewclip.sources (name),
    object_key   text not null,
    media_id     bigint not null references brewclip.media (id),
    etag         text,
    size_bytes   bigint,
    seen_at      timestamptz not null default now(),
    primary key (source_name, object_key)
);
create index media_sources_media_idx on brewclip.media_sources (media_id);

-- A recording is 16 kHz mono PCM decoded from an audio file or a video's audio track.
create table brewclip.recordings (
    id                bigint generated always as identity primary key,
    media_id          bigint not null unique references brewclip.media (id),
    pcm_uri           text not null,
    sample_rate       integer not null default 16000 check (sample_rate > 0),
    duration_seconds  double precision not null check (duration_seconds >= 0),
    stage             text not null default 'ingested'
                      check (stage in ('ingested', 'transcribed', 'embedded', 'failed')),
    failure_reason    text,
    stage_changed_at  timestamptz not null default now(),
    created_at        timestamptz not null default now(),
    check ((stage = 'failed') = (failure_reason is not null))
);
create index recordings_stage_idx on brewclip.recordings (stage, stage_changed_at);

-- 30-second windows of a recording: Whisper runs its encoder once per window, and each window gets
-- its own audio vector so a search can land on a moment.
create table brewclip.recording_segments (
    recording_id         bigint not null references brewclip.recordings (id) on delete cascade,
    segment_index        integer not null check (segment_index >= 0),
    start_seconds        double precision not null,
    end_seconds          double precision not null check (end_seconds >= start_seconds),
    text                 text,
    encoder_states_uri   text,
    encoder_frames       integer check (encoder_frames >= 0),
    encoder_width        integer check (encoder_width > 0),
    text_states_uri      text,
    text_embeds          vector,
    primary key (recording_id, segment_index)
);

-- The transcript of a recording: Whisper's, or a sidecar file kept as ground truth.
create table brewclip.transcripts (
    recording_id  bigint primary key references brewclip.recordings (id) on delete cascade,
    source        text not null check (source in ('whisper', 'sidecar')),
    language      text,
    text          text not null,
    segments      jsonb not null default '[]'::jsonb,
    search        tsvector generated always as (to_tsvector('simple', text)) stored,
    created_at    timestamptz not null default now()
);
create index transcripts_search_idx on brewclip.transcripts using gin (search);

-- Images: a still image (frame_index null) or one of a video's L frames.
create table brewclip.images (
    id                  bigint generated always as identity primary key,
    media_id            bigint not null references brewclip.media (id),
    frame_index         integer check (frame_index >= 0),
    frame_time_seconds  double precision check (frame_time_seconds >= 0),
    image_uri           text not null,
    width               integer check (width > 0),
    height              integer check (height > 0),
    stage               text not null default 'ingested' check (stage in ('ingested', 'embedded', 'failed')),
    failure_reason      text,
    stage_changed_at    timestamptz not null default now(),
    created_at          timestamptz not null default now(),
    check ((frame_index is null) = (frame_time_seconds is null)),
    check ((stage = 'failed') = (failure_reason is not null))
);
create unique index images_media_frame_idx on brewclip.images (media_id, frame_index) nulls not distinct;
create index images_stage_idx on brewclip.images (stage, stage_changed_at);

-- CLIP's pooled image embedding, cached so a new head re-embeds without rerunning the vision tower.
create table brewclip.image_features (
    image_id      bigint primary key references brewclip.images (id) on delete cascade,
    image_embeds  vector not null,
    created_at    timestamptz not null default now()
);

-- Validation holds about 10% of the recordings: the first byte of the recording's content hash
-- (already uniform) decides, so the split never changes and a video's frames stay together.
create function brewclip.split_for(content_hash bytea) returns text
    language sql immutable strict parallel safe
    return case when get_byte(content_hash, 0) < 26 then 'validation' else 'train' end;

-- Audio-image training pairs. A video's recording pairs with each of its frames (one group).
create table brewclip.pairs (
    id            bigint generated always as identity primary key,
    recording_id  bigint not null references brewclip.recordings (id) on delete cascade,
    image_id      bigint not null references brewclip.images (id) on delete cascade,
    origin        text not null check (origin in ('stem', 'pairs_csv', 'video')),
    split         text not null check (split in ('train', 'validation')),
    created_at    timestamptz not null default now(),
    unique (recording_id, image_id)
);
create index pairs_split_idx on brewclip.pairs (split, created_at);

create function brewclip.pairs_set_split() returns trigger language plpgsql as $$
begin
    select brewclip.split_for(m.content_hash) into new.split
    from brewclip.recordings r join brewclip.media m on m.id = r.media_id
    where r.id = new.recording_id;
    return new;
end $$;
create trigger pairs_set_split before insert or update of recording_id on brewclip.pairs
    for each row execute function brewclip.pairs_set_split();

-- A pair named before both sides arrived (same stem, or a pairs.csv row); resolved into pairs when
-- the second side is ingested, in either order.
create table brewclip.pair_claims (
    id           bigint generated always as identity primary key,
    source_name  text not null references brewclip.sources (name),
    audio_key    text not null,
    image_key    text not null,
    origin       text not null check (origin in ('stem', 'pairs_csv')),
    pair_id      bigint references brewclip.pairs (id) on delete set null,
    created_at   timestamptz not null default now(),
    unique (source_name, audio_key, image_key)
);
create index pair_claims_open_idx on brewclip.pair_claims (source_name, audio_key) where pair_id is null;
create index pair_claims_open_image_idx on brewclip.pair_claims (source_name, image_key) where pair_id is null;

-- Training runs, with progress a person can watch.
create table brewclip.training_runs (
    id             bigint generated always as identity primary key,
    trigger        text not null check (trigger in ('event', 'schedule', 'manual')),
    status         text not null default 'queued'
                   check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    base_version   integer,
    epoch          integer not null default 0,
    epochs         integer,
    step           integer not null default 0,
    total_steps    integer,
    progress       double precision not null default 0 check (progress between 0 and 1),
    message        text,
    metrics        jsonb not null default '{}'::jsonb,
    error          text,
    requested_at   timestamptz not null default now(),
    started_at     timestamptz,
    finished_at    timestamptz,
    updated_at     timestamptz not null default now()
);

-- Model versions: 0 is the zero-shot pipeline model (Whisper -> CLIP text vs CLIP image).
-- A candidate is backfilled (every item re-embedded) before it becomes the single active version.
create table brewclip.model_versions (
    version          integer primary key check (version >= 0),
    status           text not null check (status in ('candidate', 'backfilling', 'active', 'retired', 'rejected')),
    description      text not null,
    artifact_uri     text,
    config           jsonb not null default '{}'::jsonb,
    metrics          jsonb not null default '{}'::jsonb,
    training_run_id  bigint references brewclip.training_runs (id),
    created_at       timestamptz not null default now(),
    activated_at     timestamptz
);
create unique index model_versions_one_active_idx on brewclip.model_versions ((true)) where status = 'active';
alter table brewclip.training_runs
    add constraint training_runs_base_version_fk foreign key (base_version) references brewclip.model_versions (version);

insert into brewclip.model_versions (version, status, description, activated_at)
values (0, 'active', 'zero-shot pipeline model: Whisper transcript -> CLIP text embedding vs CLIP image embedding', now());

-- Re-embedding progress of a model version, per kind of item.
create table brewclip.backfills (
    model_version  integer not null references brewclip.model_versions (version),
    kind           text not null check (kind in ('audio', 'image')),
    total          bigint not null default 0 check (total >= 0),
    done           bigint not null default 0 check (done >= 0),
    started_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    finished_at    timestamptz,
    primary key (model_version, kind)
);

-- The index: unit vectors in CLIP's space, fp16, keyed by item and model version.
create table brewclip.audio_vectors (
    model_version  integer not null references brewclip.model_versions (version),
    recording_id   bigint not null,
    segment_index  integer not null,
    embedding      halfvec(512) not null,
    created_at     timestamptz not null default now(),
    primary key (model_version, recording_id, segment_index),
    foreign key (recording_id, segment_index)
        references brewclip.recording_segments (recording_id, segment_index) on delete cascade
);

create table brewclip.image_vectors (
    model_version  integer not null references brewclip.model_versions (version),
    image_id       bigint not null references brewclip.images (id) on delete cascade,
    embedding      halfvec(512) not null,
    created_at     timestamptz not null default now(),
    primary key (model_version, image_id)
);

-- One partial HNSW index per model version and kind; a search names its version as a literal so the
-- planner picks that version's index. Built for a candidate before it is promoted.
create function brewclip.create_vector_indexes(model_version integer) returns void
    language plpgsql as $$
begin
    execute format('create index if not exists audio_vectors_hnsw_v%s on brewclip.audio_vectors '
                   'using hnsw (embedding halfvec_cosine_ops) where model_version = %s', model_version, model_version);
    execute format('create index if not exists image_vectors_hnsw_v%s on brewclip.image_vectors '
                   'using hnsw (embedding halfvec_cosine_ops) where model_version = %s', model_version, model_version);
end $$;

create function brewclip.drop_vector_indexes(model_version integer) returns void
    language plpgsql as $$
begin
    execute format('drop index if exists brewclip.audio_vectors_hnsw_v%s', model_version);
    execute format('drop index if exists brewclip.image_vectors_hnsw_v%s', model_version);
end $$;

select brewclip.create_vector_indexes(0);

create view brewclip.active_model as
    select version, description, artifact_uri, config, metrics, training_run_id, created_at, activated_at
    from brewclip.model_versions where status = 'active';

create function brewclip.active_model_version() returns integer
    language sql stable
    return (select version from brewclip.model_versions where status = 'active');

-- Search. Results carry cosine distance (0 = same direction) and similarity (1 - distance).
-- Each function builds its query with the active version as a literal, so that version's partial
-- HNSW index serves it.

create function brewclip.search_images(query vector, k integer default 10)
    returns table (image_id bigint, media_id bigint, frame_index integer, distance double precision, similarity double precision)
    language plpgsql stable set hnsw.ef_search = 200 as $$
begin
    return query execute format(
        'select v.image_id, i.media_id, i.frame_index, d.distance, 1 - d.distance
         from (select image_id, embedding <=> $1::halfvec(512) as distance
               from brewclip.image_vectors where model_version = %s
               order by embedding <=> $1::halfvec(512) limit $2) d
         join brewclip.image_vectors v on v.model_version = %s and v.image_id = d.image_id
         join brewclip.images i on i.id = v.image_id
         order by d.distance, v.image_id',
        brewclip.active_model_version(), brewclip.active_model_version())
    using query, k;
end $$;

create function brewclip.search_audio(query vector, k integer default 10)
    returns table (recording_id bigint, segment_index integer, start_seconds double precision,
                   end_seconds double precision, distance double precision, similarity double precision)
    language plpgsql stable set hnsw.ef_search = 200 as $$
begin
    return query execute format(
        'select d.recording_id, d.segment_index, s.start_seconds, s.end_seconds, d.distance, 1 - d.distance
         from (select recording_id, segment_index, embedding <=> $1::halfvec(512) as distance
               from brewclip.audio_vectors where model_version = %s
               order by embedding <=> $1::halfvec(512) limit $2) d
         join brewclip.recording_segments s using (recording_id, segment_index)
         order by d.distance, d.recording_id, d.segment_index',
        brewclip.active_model_version())
    using query, k;
end $$;

-- Images nearest to a recording: each image scores its best match over the recording's segments.
create function brewclip.images_for_recording(recording_id bigint, k integer default 10)
    returns table (image_id bigint, media_id bigint, frame_index integer, distance double precision, similarity double precision)
    language plpgsql stable set hnsw.ef_search = 200 as $$
begin
    return query execute format(
        'select best.image_id, i.media_id, i.frame_index, best.distance, 1 - best.distance
         from (select hit.image_id, min(hit.distance) as distance
               from brewclip.audio_vectors a
               cross join lateral (
                   select v.image_id, v.embedding <=> a.embedding as distance
                   from brewclip.image_vectors v where v.model_version = %s
                   order by v.embedding <=> a.embedding limit $2) hit
               where a.model_version = %s and a.recording_id = $1
               group by hit.image_id) best
         join brewclip.images i on i.id = best.image_id
         order by best.distance, best.image_id
         limit $2',
        brewclip.active_model_version(), brewclip.active_model_version())
    using recording_id, k;
end $$;

-- Recordings nearest to an image: each recording scores its best-matching segment. Segments are
-- fetched with headroom (pgvector's iterative scan continues if many belong to one recording).
create function brewclip.recordings_for_image(image_id bigint, k integer default 10)
    returns table (recording_id bigint, best_segment_index integer, start_seconds double precision,
                   end_seconds double precision, distance double precision, similarity double precision)
    language plpgsql stable set hnsw.ef_search = 200 set hnsw.iterative_scan = 'relaxed_order' as $$
begin
    return query execute format(
        'with q as (select embedding from brewclip.image_vectors where model_version = %s and image_id = $1),
         hits as (
             select a.recording_id, a.segment_index, a.embedding <=> q.embedding as distance
             from brewclip.audio_vectors a, q
             where a.model_version = %s
             order by a.embedding <=> q.embedding
             limit $2 * 8),
         best as (
             select distinct on (recording_id) recording_id, segment_index, distance
             from hits order by recording_id, distance, segment_index)
         select b.recording_id, b.segment_index, s.start_seconds, s.end_seconds, b.distance, 1 - b.distance
         from best b join brewclip.recording_segments s using (recording_id, segment_index)
         order by b.distance, b.recording_id
         limit $2',
        brewclip.active_model_version(), brewclip.active_model_version())
    using image_id, k;
end $$;

-- Full-text search over transcripts (ground-truth sidecars and Whisper's alike).
create function brewclip.search_transcripts(query text, k integer default 10)
    returns table (recording_id bigint, rank real, snippet text)
    language sql stable as $$
    select t.recording_id, ts_rank(t.search, q) as rank,
           ts_headline('simple', t.text, q, 'MaxWords=20, MinWords=5') as snippet
    from brewclip.transcripts t, websearch_to_tsquery('simple', query) q
    where t.search @@ q
    order by rank desc, t.recording_id
    limit k
$$;

-- How far the index has got: counts per kind and stage, failures, and how long the oldest item has
-- waited in a stage that is not final.
create view brewclip.index_status as
    select 'media' as kind, m.status as stage, count(*) as items,
           null::timestamptz as oldest_since, null::interval as lag
    from brewclip.media m group by m.status
    union all
    select 'recording', r.stage, count(*), min(r.stage_changed_at),
           case when r.stage in ('ingested', 'transcribed') then now() - min(r.stage_changed_at) end
    from brewclip.recordings r group by r.stage
    union all
    select 'image', i.stage, count(*), min(i.stage_changed_at),
           case when i.stage = 'ingested' then now() - min(i.stage_changed_at) end
    from brewclip.images i group by i.stage
    union all
    select 'pair', p.split, count(*), min(p.created_at), null
    from brewclip.pairs p group by p.split;

-- What failed or was rejected, with why: the list `brewclip` shows and replays from.
create view brewclip.failures as
    select 'media' as kind, m.id, m.rejection_reason as reason, m.updated_at as since
    from brewclip.media m where m.status = 'rejected'
    union all
    select 'recording', r.id, r.failure_reason, r.stage_changed_at
    from brewclip.recordings r where r.stage = 'failed'
    union all
    select 'image', i.id, i.failure_reason, i.stage_changed_at
    from brewclip.images i where i.stage = 'failed';
