-- A place whose content changes points at the new media; the old content, when no other place holds it, is
-- 'replaced': its vectors are deleted (no search finds it) and the place it came from is kept here, so no media
-- row is left without a source. Content that comes back (the old file restored, or copied elsewhere) is accepted
-- again and re-embedded.
alter table brewclip.media drop constraint media_status_check;
alter table brewclip.media add constraint media_status_check
    check (status in ('pending', 'accepted', 'rejected', 'replaced'));

create table brewclip.media_former_sources (
    media_id     bigint not null references brewclip.media (id),
    source_name  text not null references brewclip.sources (name),
    object_key   text not null,
    replaced_by  bigint not null references brewclip.media (id),
    replaced_at  timestamptz not null default now(),
    primary key (media_id, source_name, object_key)
);

-- Files a source holds that Ingest does not read, with why: hidden files, partial downloads, names that are not
-- media, links leading outside a watched folder. Written by Ingest; `brewclip status` counts them.
create table brewclip.skipped_objects (
    source_name  text not null references brewclip.sources (name),
    object_key   text not null,
    reason       text not null,
    seen_at      timestamptz not null default now(),
    primary key (source_name, object_key)
);
