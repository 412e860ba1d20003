-- Train and validation are decided per connected group of pairs, so no image or recording is on both sides.
--
-- Before, a pair's side followed its recording's content hash alone: an image described by several recordings
-- (a pairs.csv with five captions an image) sat on both sides, and validation recall was measured on images the
-- heads had trained on. Now media joined through pairs, directly or not, form one group: an image with all its
-- recordings, a recording with all the images it describes, a video's audio with its frames (one media), and the
-- same content under several names (one media, by its hash). The whole group is on one side, chosen by the
-- group's smallest content hash, hashed again (the smallest of many hashes is not uniform, its hash is), so about
-- 10% of groups are validation whatever their size.
--
-- A pair that joins two groups can move one of them to the other side; the pairs inserted in one statement are
-- resplit in the same transaction, under a lock, so two Ingest replicas joining groups at once see each other's pairs.

create index pairs_image_idx on brewclip.pairs (image_id);

-- Every media joined to this one through pairs, itself included.
create function brewclip.pair_group(seed bigint) returns setof bigint
    language sql stable as $$
    with recursive reach(media_id) as (
        select seed
        union
        select next.media_id
        from reach
        cross join lateral (
            select i.media_id
            from brewclip.recordings r join brewclip.pairs p on p.recording_id = r.id join brewclip.images i on i.id = p.image_id
            where r.media_id = reach.media_id
            union all
            select r.media_id
            from brewclip.images i join brewclip.pairs p on p.image_id = i.id join brewclip.recordings r on r.id = p.recording_id
            where i.media_id = reach.media_id
        ) next
    )
    select media_id from reach
$$;

-- The side of a group of media: split_for of the hash of their smallest content hash.
create function brewclip.group_split(members bigint[]) returns text
    language sql stable as $$
    select brewclip.split_for(sha256(m.content_hash)) from brewclip.media m where m.id = any(members) order by m.content_hash limit 1
$$;

-- Puts every pair of one group of media on the group's side; returns how many pairs moved.
create function brewclip.split_pair_group(members bigint[]) returns integer
    language plpgsql as $$
declare
    side text := brewclip.group_split(members);
    moved integer;
begin
    update brewclip.pairs p set split = side
    from brewclip.recordings r
    where r.id = p.recording_id and r.media_id = any(members) and p.split <> side;
    get diagnostics moved = row_count;
    return moved;
end $$;

-- Puts every pair of the groups of these media on their group's side; returns how many pairs moved.
create function brewclip.split_pair_groups(seeds bigint[]) returns integer
    language plpgsql as $$
declare
    seed bigint;
    members bigint[];
    covered bigint[] := '{}';
    moved integer := 0;
begin
    foreach seed in array seeds loop
        continue when seed = any(covered);
        members := array(select brewclip.pair_group(seed));
        covered := covered || members;
        moved := moved + brewclip.split_pair_group(members);
    end loop;
    return moved;
end $$;

create function brewclip.pairs_split_groups() returns trigger language plpgsql as $$
begin
    -- One writer at a time: a group joined by two transactions at once is split by the second after the first commits.
    perform pg_advisory_xact_lock(hashtext('brewclip.pairs split'));
    perform brewclip.split_pair_groups(array(
        select distinct r.media_id from inserted_pairs n join brewclip.recordings r on r.id = n.recording_id));
    return null;
end $$;

create trigger pairs_split_groups after insert on brewclip.pairs
    referencing new table as inserted_pairs
    for each statement execute function brewclip.pairs_split_groups();

-- The recording's own side is no longer the rule; a new pair takes its group's side after its statement.
drop trigger pairs_set_split on brewclip.pairs;
drop function brewclip.pairs_set_split();
alter table brewclip.pairs alter column split set default 'train';

-- The pairs there are, group by group (a temporary table remembers the media already placed).
do $$
declare
    seed bigint;
    members bigint[];
begin
    create temporary table placed (media_id bigint primary key) on commit drop;
    for seed in select distinct r.media_id from brewclip.pairs p join brewclip.recordings r on r.id = p.recording_id order by 1 loop
        continue when exists (select 1 from placed where media_id = seed);
        members := array(select brewclip.pair_group(seed));
        insert into placed select unnest(members) on conflict do nothing;
        perform brewclip.split_pair_group(members);
    end loop;
end $$;
