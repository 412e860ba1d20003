-- Search a person can use: every hit names its file (the source and key media_sources records), its kind and
-- moment, and the model version that answered. Searches take filters (kind, source, when the file was
-- ingested), a model version, and the HNSW candidate list size (ef_search) per query. Audio search is hybrid:
-- the vector ranking fused with the transcript full-text ranking by reciprocal rank fusion, one row per
-- recording at its best moment, with what was said there.

-- The place a media item is known by: where it was seen most recently (one content in several places is one
-- item; media_sources has every place).
create view brewclip.media_files as
    select distinct on (s.media_id) s.media_id, m.kind, m.status, s.source_name, s.object_key, m.size_bytes,
           m.duration_seconds, m.created_at as ingested_at, s.seen_at
    from brewclip.media_sources s join brewclip.media m on m.id = s.media_id
    order by s.media_id, s.seen_at desc, s.source_name, s.object_key;

-- The checks every search makes of its arguments; returns the model version to search (the active one when
-- none is named). A refused argument is SQLSTATE 22023 with what was wrong.
create function brewclip.search_version(k integer, kind text, kinds text[], ef_search integer, version integer)
    returns integer language plpgsql stable as $$
declare
    chosen integer := coalesce(version, brewclip.active_model_version());
begin
    if k is null or k < 1 or k > 1000 then
        raise exception 'k must be between 1 and 1000; got %', coalesce(k::text, 'null') using errcode = '22023';
    end if;
    if kind is not null and not kind = any (kinds) then
        raise exception 'kind must be one of % (or null for all); got %', array_to_string(kinds, ', '), kind using errcode = '22023';
    end if;
    if ef_search is not null and (ef_search < 1 or ef_search > 1000) then
        raise exception 'ef_search must be between 1 and 1000; got %', ef_search using errcode = '22023';
    end if;
    if not exists (select 1 from brewclip.model_versions v where v.version = chosen) then
        raise exception 'model version % does not exist', chosen using errcode = '22023';
    end if;
    if ef_search is not null then
        -- Local to the search: each search function's SET clause restores the caller's value when it returns.
        perform set_config('hnsw.ef_search', ef_search::text, true);
    end if;
    return chosen;
end $$;

-- Files are filtered on the media row (kind, ingestion time) and on any place they were seen (source).
create function brewclip.media_passes(media_id bigint, kind text, source text, ingested_after timestamptz, ingested_before timestamptz)
    returns boolean language sql stable as $$
    select exists (
        select 1 from brewclip.media m
        where m.id = media_passes.media_id and m.status = 'accepted'
          and (media_passes.kind is null or m.kind = media_passes.kind)
          and (media_passes.ingested_after is null or m.created_at >= media_passes.ingested_after)
          and (media_passes.ingested_before is null or m.created_at < media_passes.ingested_before)
          and (media_passes.source is null
               or exists (select 1 from brewclip.media_sources s where s.media_id = m.id and s.source_name = media_passes.source)))
$$;

-- The place a hit is shown by: within the source filtered on, else anywhere; most recently seen first. (Every
-- ingested item has one; rows written by other means may not, and are still found, with no place.)
create function brewclip.media_place(media_id bigint, source text default null)
    returns table (source_name text, object_key text) language sql stable as $$
    select s.source_name, s.object_key from brewclip.media_sources s
    where s.media_id = media_place.media_id and (media_place.source is null or s.source_name = media_place.source)
    order by s.seen_at desc, s.source_name, s.object_key
    limit 1
$$;

drop function brewclip.search_images(vector, integer);
drop function brewclip.search_audio(vector, integer);

-- Images (stills, and video frames with the moment they stand for) nearest a query vector. The HNSW scan is
-- iterative, so filters that drop most candidates still return k hits when k exist.
create function brewclip.search_images(
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
    return query execute format(
        'with hits as materialized (
             select v.image_id, i.media_id, v.embedding <=> $1::halfvec(512) as distance
             from brewclip.image_vectors v join brewclip.images i on i.id = v.image_id
             where v.model_version = %1$s
               and ($3::text is null and $4::text is null and $5::timestamptz is null and $6::timestamptz is null
                    or brewclip.media_passes(i.media_id, $3, $4, $5, $6))
               and ($7::bigint is null or i.media_id <> $7)
             order by v.embedding <=> $1::halfvec(512)
             limit $2)
         select h.image_id, h.media_id, i.frame_index, h.distance, 1 - h.distance,
                m.kind, p.source_name, p.object_key, i.frame_time_seconds, i.frame_start_seconds, i.frame_end_seconds, %1$s
         from hits h
         join brewclip.images i on i.id = h.image_id
         join brewclip.media m on m.id = h.media_id
         left join lateral brewclip.media_place(h.media_id, $4) p on true
         order by h.distance, h.image_id',
        chosen)
    using query, k, kind, source, ingested_after, ingested_before, exclude_media;
end $$;

-- Recordings for a query vector, query text, or both, one row per recording at its best moment. The vector
-- ranking orders recordings by their nearest segment; the text ranking orders transcripts matching the words
-- (websearch syntax) by ts_rank; the score is reciprocal rank fusion, 1/(60 + vector rank) +
-- text_weight/(60 + text rank), so a typed word said verbatim in a recording is found even when the vectors
-- miss it. The moment is the nearest segment, else the first whose words match; the snippet is what was said
-- there, with the matching words marked when there is query text.
create function brewclip.search_audio(
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
    return query execute format(
        'with q as (select case when $3 is not null then websearch_to_tsquery(''simple'', $3) end as words),
         segment_hits as materialized (
             select a.recording_id, a.segment_index, a.embedding <=> $1::halfvec(512) as distance
             from brewclip.audio_vectors a join brewclip.recordings r on r.id = a.recording_id
             where a.model_version = %1$s and $1 is not null
               and ($5::text is null and $6::text is null and $7::timestamptz is null and $8::timestamptz is null
                    or brewclip.media_passes(r.media_id, $5, $6, $7, $8))
               and ($9::bigint is null or r.media_id <> $9)
             order by a.embedding <=> $1::halfvec(512)
             limit $2 * 4),
         vector_hits as (
             select b.recording_id, b.segment_index, row_number() over (order by b.distance, b.recording_id)::integer as rank
             from (select distinct on (recording_id) recording_id, segment_index, distance from segment_hits
                   order by recording_id, distance, segment_index) b),
         text_hits as (
             select t.recording_id, row_number() over (order by ts_rank(t.search, q.words) desc, t.recording_id)::integer as rank
             from brewclip.transcripts t cross join q join brewclip.recordings r on r.id = t.recording_id
             where $3 is not null and t.search @@ q.words
               and brewclip.media_passes(r.media_id, $5, $6, $7, $8)
               and ($9::bigint is null or r.media_id <> $9)
               and exists (select 1 from brewclip.audio_vectors a where a.model_version = %1$s and a.recording_id = t.recording_id)
             order by ts_rank(t.search, q.words) desc, t.recording_id
             limit $2 * 4),
         fused as (
             select coalesce(v.recording_id, t.recording_id) as recording_id, v.segment_index as nearest_segment,
                    v.rank as vector_rank, t.rank as text_rank,
                    coalesce(1.0::float8 / (60 + v.rank), 0) + $4 * coalesce(1.0::float8 / (60 + t.rank), 0) as score
             from vector_hits v full join text_hits t on t.recording_id = v.recording_id
             order by score desc, coalesce(v.rank, 2147483647), recording_id
             limit $2)
         select f.recording_id, s.segment_index, s.start_seconds, s.end_seconds, d.distance, 1 - d.distance,
                r.media_id, m.kind, p.source_name, p.object_key, f.score, f.vector_rank, f.text_rank,
                case when $3 is null then left(coalesce(s.text, ''''), 200)
                     else ts_headline(''simple'', coalesce(s.text, ''''), q.words, ''MaxWords=25, MinWords=10, StartSel=[, StopSel=]'') end,
                %1$s
         from fused f cross join q
         join brewclip.recordings r on r.id = f.recording_id
         join brewclip.media m on m.id = r.media_id
         join lateral (
             select s.* from brewclip.recording_segments s
             where s.recording_id = f.recording_id
             order by s.segment_index = f.nearest_segment desc nulls last,
                      to_tsvector(''simple'', coalesce(s.text, '''')) @@ q.words desc nulls last, s.segment_index
             limit 1) s on true
         left join lateral (
             select a.embedding <=> $1::halfvec(512) as distance from brewclip.audio_vectors a
             where $1 is not null and a.model_version = %1$s and a.recording_id = f.recording_id and a.segment_index = s.segment_index) d on true
         left join lateral brewclip.media_place(r.media_id, $6) p on true
         order by f.score desc, d.distance nulls last, f.recording_id',
        chosen)
    using query, k, words, text_weight, kind, source, ingested_after, ingested_before, exclude_media;
end $$;

-- A media item's own direction in a model version (the active one by default): the normalised mean of its
-- vectors (an image's; a recording's segments; a video's frames and audio). "More like this" searches with it.
create function brewclip.media_vector(media_id bigint, version integer default null)
    returns vector language plpgsql stable as $$
declare
    chosen integer := coalesce(version, brewclip.active_model_version());
    total vector;
    item record;
begin
    select m.kind, m.status into item from brewclip.media m where m.id = media_id;
    if not found then
        raise exception 'media % does not exist', media_id using errcode = 'P0002';
    end if;
    select sum(x.embedding) into total from (
        select v.embedding::vector as embedding from brewclip.image_vectors v join brewclip.images i on i.id = v.image_id
        where i.media_id = media_vector.media_id and v.model_version = chosen
        union all
        select a.embedding::vector from brewclip.audio_vectors a join brewclip.recordings r on r.id = a.recording_id
        where r.media_id = media_vector.media_id and a.model_version = chosen) x;
    if total is null or vector_norm(total) = 0 then
        raise exception 'media % (%, %) has no vectors in model version %: it is not indexed (yet)', media_id, item.kind, item.status, chosen
            using errcode = 'P0002';
    end if;
    return l2_normalize(total);
end $$;

-- HNSW parameters chosen by measurement (bench/README.md, `search`): on 1M clustered 512-d vectors pgvector's
-- defaults (m 16, ef_construction 64) reach recall@10 0.69-0.96 only as ef_search climbs to 400 (p95 11 ms);
-- m 32, ef_construction 200 reach 0.96 at ef_search 200 (the search functions' default) with p95 6.6 ms. The
-- Training service builds new versions' indexes with the same values (Training:HnswM, Training:HnswEfConstruction).
create or replace function brewclip.create_vector_indexes(model_version integer) returns void
    language plpgsql as $$
begin
    execute format('create index if not exists audio_vectors_hnsw_v%s on brewclip.audio_vectors '
                   'using hnsw (embedding halfvec_cosine_ops) with (m = 32, ef_construction = 200) where model_version = %s',
                   model_version, model_version);
    execute format('create index if not exists image_vectors_hnsw_v%s on brewclip.image_vectors '
                   'using hnsw (embedding halfvec_cosine_ops) with (m = 32, ef_construction = 200) where model_version = %s',
                   model_version, model_version);
end $$;

-- The indexes searches use now (the active version's, and retired ones kept for a rollback) are built again with
-- them; a candidate's are built when its backfill completes.
do $$
declare
    v integer;
begin
    perform set_config('maintenance_work_mem', '1GB', true);
    for v in select version from brewclip.model_versions where status in ('active', 'retired') order by version loop
        perform brewclip.drop_vector_indexes(v);
        perform brewclip.create_vector_indexes(v);
    end loop;
end $$;
