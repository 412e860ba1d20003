-- Model widths. Every model version records the models its vectors come from (the catalogue's names: clip_model,
-- whisper_model, model_precision) and their width: CLIP's embedding width, 512 for ViT-B/32 and B/16, 768 for ViT-L/14.
-- A version trained from another keeps its models; a version made for other models is a new base version (Training).
-- The vector columns hold any width; each version's HNSW indexes are built over its vectors cast to its width, and
-- the searches compare at the version's width (a query vector of another width is refused, naming both).

alter table brewclip.model_versions
    add column clip_model text,
    add column whisper_model text,
    add column model_precision text check (model_precision in ('fp32', 'int8')),
    add column width integer check (width between 1 and 4000);
update brewclip.model_versions
set clip_model = 'clip-vit-base-patch32', whisper_model = 'whisper-base', model_precision = 'fp32', width = 512;

-- A version registered without them (a trained one, which keeps its base's models) gets the active version's.
create function brewclip.model_versions_inherit_models() returns trigger language plpgsql as $$
declare
    base record;
begin
    if new.clip_model is null or new.whisper_model is null or new.model_precision is null or new.width is null then
        select v.clip_model, v.whisper_model, v.model_precision, v.width into base
        from brewclip.model_versions v order by v.status = 'active' desc, v.version desc limit 1;
        new.clip_model := coalesce(new.clip_model, base.clip_model);
        new.whisper_model := coalesce(new.whisper_model, base.whisper_model);
        new.model_precision := coalesce(new.model_precision, base.model_precision);
        new.width := coalesce(new.width, base.width);
    end if;
    return new;
end $$;
create trigger model_versions_inherit_models before insert on brewclip.model_versions
    for each row execute function brewclip.model_versions_inherit_models();

alter table brewclip.model_versions
    alter column clip_model set not null, alter column whisper_model set not null,
    alter column model_precision set not null, alter column width set not null;

create function brewclip.version_width(version integer) returns integer
    language sql stable return (select v.width from brewclip.model_versions v where v.version = version_width.version);

-- The indexes are over the vectors at their version's width, so the column itself can hold any width.
do $$
declare
    v integer;
begin
    for v in select version from brewclip.model_versions loop
        perform brewclip.drop_vector_indexes(v);
    end loop;
end $$;
alter table brewclip.audio_vectors alter column embedding type halfvec;
alter table brewclip.image_vectors alter column embedding type halfvec;

create or replace function brewclip.create_vector_indexes(model_version integer) returns void
    language plpgsql as $$
declare
    width integer := brewclip.version_width(model_version);
begin
    execute format('create index if not exists audio_vectors_hnsw_v%1$s on brewclip.audio_vectors '
                   'using hnsw ((embedding::halfvec(%2$s)) halfvec_cosine_ops) with (m = 32, ef_construction = 200) where model_version = %1$s',
                   model_version, width);
    execute format('create index if not exists image_vectors_hnsw_v%1$s on brewclip.image_vectors '
                   'using hnsw ((embedding::halfvec(%2$s)) halfvec_cosine_ops) with (m = 32, ef_construction = 200) where model_version = %1$s',
                   model_version, width);
end $$;

do $$
declare
    v integer;
begin
    perform set_config('maintenance_work_mem', '1GB', true);
    for v in select version from brewclip.model_versions where status in ('active', 'retired') order by version loop
        perform brewclip.create_vector_indexes(v);
    end loop;
end $$;

create or replace function brewclip.require_direction(query vector) returns void
    language plpgsql immutable as $$
begin
    if vector_norm(query) = 0 then
        raise exception 'the query vector is all zeros, so it has no direction to compare by cosine distance; pass an embedding (as many numbers as the model version''s width, not all zero)'
            using errcode = '22023';
    end if;
end $$;

-- A query vector must have the searched version's width.
create function brewclip.require_width(query vector, version integer) returns void
    language plpgsql stable as $$
declare
    v record;
begin
    select m.width, m.clip_model into v from brewclip.model_versions m where m.version = require_width.version;
    if vector_dims(query) <> v.width then
        raise exception 'the query vector has % numbers, but model version % holds %-number vectors (%); embed the query with that version''s model',
            vector_dims(query), version, v.width, v.clip_model using errcode = '22023';
    end if;
end $$;

create or replace function brewclip.search_images(
    query vector, k integer default 10,
    kind text default null, source text default null,
    ingested_after timestamptz default null, ingested_before timestamptz default null,
    version integer default null, ef_search integer default null, exclude_media bigint default null)
    returns table (image_id bigint, media_id bigint, frame_index integer, distance double precision, similarity double precision,
                   media_kind text, source_name text, object_key text, frame_time_seconds double precision,
                   frame_start_seconds double precision, frame_end_seconds double precision, model_version integer)
    language plpgsql stable set hnsw.ef_search = 200 set hnsw.iterative_scan = 'relaxed_order' as $$
declare
    chosen integer;
begin
    perform brewclip.require_direction(query);
    chosen := brewclip.search_version(k, kind, array['image', 'video'], ef_search, version);
    perform brewclip.require_width(query, chosen);
    return query execute format(
        'with hits as materialized (
             select v.image_id, i.media_id, v.embedding::halfvec(%2$s) <=> $1::halfvec(%2$s) as distance
             from brewclip.image_vectors v join brewclip.images i on i.id = v.image_id
             where v.model_version = %1$s
               and ($3::text is null and $4::text is null and $5::timestamptz is null and $6::timestamptz is null
                    or brewclip.media_passes(i.media_id, $3, $4, $5, $6))
               and ($7::bigint is null or i.media_id <> $7)
             order by v.embedding::halfvec(%2$s) <=> $1::halfvec(%2$s)
             limit $2)
         select h.image_id, h.media_id, i.frame_index, h.distance, 1 - h.distance,
                m.kind, p.source_name, p.object_key, i.frame_time_seconds, i.frame_start_seconds, i.frame_end_seconds, %1$s
         from hits h
         join brewclip.images i on i.id = h.image_id
         join brewclip.media m on m.id = h.media_id
         left join lateral brewclip.media_place(h.media_id, $4) p on true
         order by h.distance, h.image_id',
        chosen, brewclip.version_width(chosen))
    using query, k, kind, source, ingested_after, ingested_before, exclude_media;
end $$;

create or replace function brewclip.search_audio(
    query vector, k integer default 10,
    query_text text default null, text_weight double precision default 1,
    kind text default null, source text default null,
    ingested_after timestamptz default null, ingested_before timestamptz default null,
    version integer default null, ef_search integer default null, exclude_media bigint default null)
    returns table (recording_id bigint, segment_index integer, start_seconds double precision, end_seconds double precision,
                   distance double precision, similarity double precision, media_id bigint, media_kind text,
                   source_name text, object_key text, score double precision, vector_rank integer, text_rank integer,
                   snippet text, model_version integer)
    language plpgsql stable set hnsw.ef_search = 200 set hnsw.iterative_scan = 'relaxed_order' as $$
declare
    chosen integer;
    words text := nullif(btrim(query_text), '');
    any_words tsquery;
begin
    if query is null and words is null then
        raise exception 'a search needs a query vector, query text, or both' using errcode = '22023';
    end if;
    if query is not null then
        perform brewclip.require_direction(query);
    end if;
    if text_weight is null or text_weight < 0 or text_weight = 'Infinity' then
        raise exception 'text_weight must be a number 0 or more; got %', coalesce(text_weight::text, 'null') using errcode = '22023';
    end if;
    chosen := brewclip.search_version(k, kind, array['audio', 'video'], ef_search, version);
    if query is not null then
        perform brewclip.require_width(query, chosen);
    end if;
    if words is not null then
        any_words := brewclip.tsquery_any_language(words);
    end if;
    return query execute format(
        'with segment_hits as materialized (
             select a.recording_id
             from brewclip.audio_vectors a join brewclip.recordings r on r.id = a.recording_id
             where a.model_version = %1$s and $1 is not null
               and ($5::text is null and $6::text is null and $7::timestamptz is null and $8::timestamptz is null
                    or brewclip.media_passes(r.media_id, $5, $6, $7, $8))
               and ($9::bigint is null or r.media_id <> $9)
             order by a.embedding::halfvec(%2$s) <=> $1::halfvec(%2$s)
             limit $2 * 4),
         text_hits as materialized (
             select t.recording_id
             from brewclip.transcripts t join brewclip.recordings r on r.id = t.recording_id
             cross join lateral websearch_to_tsquery(brewclip.text_search_config(t.language), $3) q
             where $3 is not null and t.search @@ $10 and t.search @@ q
               and brewclip.media_passes(r.media_id, $5, $6, $7, $8)
               and ($9::bigint is null or r.media_id <> $9)
               and exists (select 1 from brewclip.audio_vectors a where a.model_version = %1$s and a.recording_id = t.recording_id)
             order by ts_rank(t.search, q) desc, t.recording_id
             limit $2 * 4),
         candidates as (
             select h.recording_id, brewclip.text_search_config(t.language) as config
             from (select s.recording_id from segment_hits s union select t.recording_id from text_hits t) h
             left join brewclip.transcripts t on t.recording_id = h.recording_id),
         segments as (
             select s.recording_id, s.segment_index, d.distance,
                    case when $3 is not null and to_tsvector(c.config, coalesce(s.text, '''')) @@ websearch_to_tsquery(c.config, $3)
                         then ts_rank(to_tsvector(c.config, coalesce(s.text, '''')), websearch_to_tsquery(c.config, $3)) end as text_score
             from candidates c
             join brewclip.recording_segments s on s.recording_id = c.recording_id
             left join lateral (
                 select a.embedding::halfvec(%2$s) <=> $1::halfvec(%2$s) as distance from brewclip.audio_vectors a
                 where $1 is not null and a.model_version = %1$s and a.recording_id = s.recording_id and a.segment_index = s.segment_index) d on true),
         ranked as (
             select g.recording_id, g.segment_index, g.distance,
                    case when g.distance is not null
                         then row_number() over (order by g.distance is null, g.distance, g.recording_id, g.segment_index) end::integer as vector_rank,
                    case when g.text_score is not null
                         then row_number() over (order by g.text_score is null, g.text_score desc, g.recording_id, g.segment_index) end::integer as text_rank
             from segments g),
         best as (
             select distinct on (r.recording_id) r.recording_id, r.segment_index, r.distance, r.vector_rank, r.text_rank,
                    coalesce(1.0::float8 / (60 + r.vector_rank), 0) + $4 * coalesce(1.0::float8 / (60 + r.text_rank), 0) as score
             from ranked r
             where r.vector_rank is not null or r.text_rank is not null
             order by r.recording_id,
                      coalesce(1.0::float8 / (60 + r.vector_rank), 0) + $4 * coalesce(1.0::float8 / (60 + r.text_rank), 0) desc,
                      r.distance nulls last, r.segment_index),
         top as (
             select * from best b order by b.score desc, b.distance nulls last, b.recording_id limit $2)
         select b.recording_id, s.segment_index, s.start_seconds, s.end_seconds, b.distance, 1 - b.distance,
                r.media_id, m.kind, p.source_name, p.object_key, b.score, b.vector_rank, b.text_rank,
                case when $3 is null then left(coalesce(s.text, ''''), 200)
                     else ts_headline(c.config, coalesce(s.text, ''''), websearch_to_tsquery(c.config, $3),
                                      ''MaxWords=25, MinWords=10, StartSel=[, StopSel=]'') end,
                %1$s
         from top b
         join candidates c on c.recording_id = b.recording_id
         join brewclip.recording_segments s on s.recording_id = b.recording_id and s.segment_index = b.segment_index
         join brewclip.recordings r on r.id = b.recording_id
         join brewclip.media m on m.id = r.media_id
         left join lateral brewclip.media_place(r.media_id, $6) p on true
         order by b.score desc, b.distance nulls last, b.recording_id',
        chosen, brewclip.version_width(chosen))
    using query, k, words, text_weight, kind, source, ingested_after, ingested_before, exclude_media, any_words;
end $$;
