-- Pairs by stem: an audio file and an image named alike but for the extension, in the same folder of
-- the same source (dog.wav + dog.jpg), pair in whichever order they arrive. Every place a content was
-- seen keeps its stem, indexed, so the second side finds the first without scanning the source.
alter table brewclip.media_sources
    add column stem text generated always as (regexp_replace(object_key, '\.[^./]*$', '')) stored;
create index media_sources_stem_idx on brewclip.media_sources (source_name, stem);
