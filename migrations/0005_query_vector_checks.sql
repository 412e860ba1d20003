-- A query vector of zeros has no direction: its cosine distance to everything is NaN and the "results" are
-- arbitrary. The vector searches refuse it with a message instead. (pgvector itself refuses NaN and infinity.)
-- The searches below are 0001's, with that check first.

create function brewclip.require_direction(query vector) returns void
    language plpgsql immutable as $$
begin
    if vector_norm(query) = 0 then
        raise exception 'the query vector is all zeros, so it has no direction to compare by cosine distance; pass an embedding (512 numbers, not all zero)'
            using errcode = '22023';
    end if;
end $$;

create or replace function brewclip.search_images(query vector, k integer default 10)
    returns table (image_id bigint, media_id bigint, frame_index integer, distance double precision, similarity double precision)
    language plpgsql stable set hnsw.ef_search = 200 as $$
begin
    perform brewclip.require_direction(query);
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

create or replace function brewclip.search_audio(query vector, k integer default 10)
    returns table (recording_id bigint, segment_index integer, start_seconds double precision,
                   end_seconds double precision, distance double precision, similarity double precision)
    language plpgsql stable set hnsw.ef_search = 200 as $$
begin
    perform brewclip.require_direction(query);
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
