-- One writer per table: Transcription writes recording_segments (the windows, their text and cached Whisper
-- encoder states); AcousticEmbedding writes the CLIP text features of a segment's text here. A row keeps the
-- text it was computed from, so features of text a later transcription changed are stale by that fact alone
-- (readers join on it) and no writer has to clear another's columns.
create table brewclip.segment_text_features (
    recording_id     bigint not null,
    segment_index    integer not null,
    text             text not null,
    text_embeds      vector not null,
    text_states_uri  text not null,
    created_at       timestamptz not null default now(),
    primary key (recording_id, segment_index),
    foreign key (recording_id, segment_index) references brewclip.recording_segments (recording_id, segment_index) on delete cascade
);

insert into brewclip.segment_text_features (recording_id, segment_index, text, text_embeds, text_states_uri)
select recording_id, segment_index, coalesce(text, ''), text_embeds, text_states_uri
from brewclip.recording_segments
where text_embeds is not null and text_states_uri is not null;

alter table brewclip.recording_segments drop column text_embeds, drop column text_states_uri;

-- A segment with the features of its current text (none: not computed yet, or computed for other text).
create view brewclip.featured_segments as
select s.recording_id, s.segment_index, s.start_seconds, s.end_seconds, coalesce(s.text, '') as text,
       s.encoder_states_uri, s.encoder_frames, s.encoder_width, f.text_embeds, f.text_states_uri
from brewclip.recording_segments s
join brewclip.segment_text_features f
  on f.recording_id = s.recording_id and f.segment_index = s.segment_index and f.text = coalesce(s.text, '');
