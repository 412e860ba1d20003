-- The feature caches say which CLIP made them. A service reads only features of the CLIP it runs and computes the rest
-- (overwriting those of another CLIP: a cache holds one model's features, the newest), so after a change of CLIP a
-- new base version re-indexes every item from its media while the vectors of the old version, already written, keep
-- serving search. Training learns only from features of the active version's CLIP.

alter table brewclip.image_features add column clip_model text not null default 'clip-vit-base-patch32';
alter table brewclip.image_features alter column clip_model drop default;
alter table brewclip.segment_text_features add column clip_model text not null default 'clip-vit-base-patch32';
alter table brewclip.segment_text_features alter column clip_model drop default;

-- The views gain the features' model (columns appended, so the views are replaced in place).
create or replace view brewclip.featured_segments as
select s.recording_id, s.segment_index, s.start_seconds, s.end_seconds, coalesce(s.text, '') as text,
       s.encoder_states_uri, s.encoder_frames, s.encoder_width, f.text_embeds, f.text_states_uri, f.clip_model
from brewclip.recording_segments s
join brewclip.segment_text_features f
  on f.recording_id = s.recording_id and f.segment_index = s.segment_index and f.text = coalesce(s.text, '');

create or replace view brewclip.backfill_segments as
    select s.* from brewclip.featured_segments s join brewclip.vector_recordings r on r.id = s.recording_id;

create or replace view brewclip.backfill_images as
    select f.image_id, f.image_embeds, f.clip_model from brewclip.image_features f join brewclip.vector_images i on i.id = f.image_id;
