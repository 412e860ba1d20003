-- One writer per table: Ingest records here the sidecar transcripts it read beside the audio (.txt, .srt,
-- .vtt), as it records the media; Transcription is the one writer of brewclip.transcripts, what was said in
-- a recording: the sidecar's text verbatim when there is one (source 'sidecar'), else Whisper's.
create table brewclip.sidecar_transcripts (
    recording_id  bigint primary key references brewclip.recordings (id) on delete cascade,
    text          text not null,
    segments      jsonb not null default '[]'::jsonb,
    created_at    timestamptz not null default now()
);

insert into brewclip.sidecar_transcripts (recording_id, text, segments, created_at)
select recording_id, text, segments, created_at from brewclip.transcripts where source = 'sidecar';
