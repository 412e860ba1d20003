-- Audio search lands on the right moment, and full-text search speaks the transcript's language.
--
-- Before, a fused hit took its text rank from the recording's transcript but its moment from the vector's nearest
-- segment, so a word said at 0:42 could send the player to 1:00. Now every segment of a candidate recording gets
-- its own vector rank and text rank, they are fused per segment, and a recording is shown at its best segment.
--
-- Before, every transcript was searched with the 'simple' configuration, so "a" and "on" matched and "crossed" did
-- not find "crosses". Now a transcript is indexed in the configuration of its language (Whisper's code, detected
-- or configured) where Postgres has one, 'simple' otherwise, and a query is read in each transcript's own.

-- The configuration for a language code (Whisper's: 'en', 'de', ...); 'simple' for any other and for none.
create function brewclip.text_search_config(language text) returns regconfig
    language plpgsql immutable parallel safe as $$
begin
    return case lower(language)
        when 'ar' then 'pg_catalog.arabic' when 'hy' then 'pg_catalog.armenian' when 'eu' then 'pg_catalog.basque'
        when 'ca' then 'pg_catalog.catalan' when 'da' then 'pg_catalog.danish' when 'nl' then 'pg_catalog.dutch'
        when 'en' then 'pg_catalog.english' when 'fi' then 'pg_catalog.finnish' when 'fr' then 'pg_catalog.french'
        when 'de' then 'pg_catalog.german' when 'el' then 'pg_catalog.greek' when 'hi' then 'pg_catalog.hindi'
        when 'hu' then 'pg_catalog.hungarian' when 'id' then 'pg_catalog.indonesian' when 'ga' then 'pg_catalog.irish'
        when 'it' then 'pg_catalog.italian' when 'lt' then 'pg_catalog.lithuanian' when 'ne' then 'pg_catalog.nepali'
        when 'no' then 'pg_catalog.norwegian' when 'nn' then 'pg_catalog.norwegian' when 'pt' then 'pg_catalog.portuguese'
        when 'ro' then 'pg_catalog.romanian' when 'ru' then 'pg_catalog.russian' when 'sr' then 'pg_catalog.serbian'
        when 'es' then 'pg_catalog.spanish' when 'sv' then 'pg_catalog.swedish' when 'ta' then 'pg_catalog.tamil'
        when 'tr' then 'pg_catalog.turkish' when 'yi' then 'pg_catalog.yiddish'
        else 'pg_catalog.simple' end::regconfig;
end $$;

-- Query words read in every configuration above, OR-ed: a superset of what any transcript's own reading matches,
-- so one index scan finds the candidates and each is then checked in its own language.
create function brewclip.tsquery_any_language(words text) returns tsquery
    language plpgsql stable parallel safe as $$
declare
    combined tsquery := ''::tsquery;
    config regconfig;
begin
    for config in select distinct brewclip.text_search_config(code)
                  from unnest(array['ar', 'hy', 'eu', 'ca', 'da', 'nl', 'en', 'fi', 'fr', 'de', 'el', 'hi', 'hu', 'id', 'ga', 'it',
                                    'lt', 'ne', 'no', 'pt', 'ro', 'ru', 'sr', 'es', 'sv', 'ta', 'tr', 'yi', null]) code
    loop
        combined := combined || websearch_to_tsquery(config, words);
    end loop;
    return combined;
end $$;

drop index brewclip.transcripts_search_idx;
alter table brewclip.transcripts drop column search;
alter table brewclip.transcripts
    add column search tsvector generated always as (to_tsvector(brewclip.text_search_config(language), text)) stored;
create index transcripts_search_idx on brewclip.transcripts using gin (search);

create or replace function brewclip.search_transcripts(query text, k integer default 10)
    returns table (recording_id bigint, rank real, snippet text)
    language sql stable as $$
    select t.recording_id, ts_rank(t.search, q) as rank,
           ts_headline(brewclip.text_search_config(t.language), t.text, q, 'MaxWords=20, MinWords=5') as snippet
    from brewclip.transcripts t
    cross join lateral websearch_to_tsquery(brewclip.text_search_config(t.language), query) q
    where t.search @@ brewclip.tsquery_any_language(query) and t.search @@ q
    order by rank desc, t.recording_id
    limit k
$$;

-- Recordings for a query vector, query text, or both, one row per recording at its best moment. The candidates are
-- the recordings of the nearest segments and those whose transcripts say the words (websearch syntax, in each
-- transcript's language). Every segment of a candidate then gets a vector rank (by distance) and, when its own words
-- match, a text rank (by ts_rank); its score is reciprocal rank fusion, 1/(60 + vector rank) + text_weight/(60 +
-- text rank). A recording is shown at its best-scoring segment, with what was said there (the matching words
-- marked), and recordings are ordered by that score. vector_rank and text_rank are that segment's ranks among the
-- candidates' segments.
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
             order by a.embedding <=> $1::halfvec(512)
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
                 select a.embedding <=> $1::halfvec(512) as distance from brewclip.audio_vectors a
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
        chosen)
    using query, k, words, text_weight, kind, source, ingested_after, ingested_before, exclude_media, any_words;
end $$;
