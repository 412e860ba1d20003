-- Training: requests from AMQP, SQL and a schedule coalesce into at most one queued run; one run at a time;
-- cancellation; progress a person can watch; and the span of the video each frame stands for
-- (Multiframe Match cuts the audio into the same spans). brewclip.training_runs is written by the Training
-- service, and by request_retrain / cancel_retrain for people and tools that speak SQL.

-- Video frames: the i-th of L frames stands for [i, i + 1) * duration / L; its time is the span's centre, so
-- for rows written before this column existed the half-width is time / (2i + 1).
alter table brewclip.images
    add column frame_start_seconds double precision check (frame_start_seconds >= 0),
    add column frame_end_seconds double precision;
update brewclip.images
set frame_start_seconds = frame_time_seconds - frame_time_seconds / (2 * frame_index + 1),
    frame_end_seconds = frame_time_seconds + frame_time_seconds / (2 * frame_index + 1)
where frame_index is not null;
alter table brewclip.images add constraint images_frame_span_check
    check ((frame_index is null) = (frame_start_seconds is null) and (frame_start_seconds is null) = (frame_end_seconds is null)
           and frame_end_seconds >= frame_start_seconds);

alter table brewclip.training_runs drop constraint training_runs_status_check;
alter table brewclip.training_runs add constraint training_runs_status_check
    check (status in ('queued', 'running', 'succeeded', 'rejected', 'skipped', 'failed', 'cancelled'));
alter table brewclip.training_runs drop constraint training_runs_trigger_check;
alter table brewclip.training_runs add constraint training_runs_trigger_check
    check (trigger in ('event', 'schedule', 'manual', 'sql'));

-- options: what the requests asked for (epochs, frame_match); the service fills in the rest from its settings.
-- request_ids: every request this run answers (a request delivered twice is still one run).
-- force: run even when fewer than Training:MinNewPairs new pairs arrived since the last run that succeeded.
alter table brewclip.training_runs
    add column reason text,
    add column requested_by text,
    add column options jsonb not null default '{}'::jsonb,
    add column request_ids uuid[] not null default '{}',
    add column force boolean not null default false,
    add column cancel_requested_at timestamptz,
    add column candidate_version integer references brewclip.model_versions (version),
    add column loss double precision,
    add column samples_per_second double precision,
    add column eta_seconds double precision;

create unique index training_runs_one_queued_idx on brewclip.training_runs ((true)) where status = 'queued';
create unique index training_runs_one_running_idx on brewclip.training_runs ((true)) where status = 'running';
create index training_runs_requests_idx on brewclip.training_runs using gin (request_ids);

-- Asks for a run; returns its id. A request while another is queued joins that run (its options win, force is
-- kept if either asked for it); the same request_id twice is the same run.
create function brewclip.request_retrain(
    reason text default null,
    epochs integer default null,
    frame_match text default null,
    force boolean default true,
    request_id uuid default gen_random_uuid(),
    requested_by text default current_user,
    trigger text default 'sql')
    returns bigint language plpgsql as $$
declare
    run_id bigint;
    wanted jsonb;
begin
    if epochs is not null and (epochs < 1 or epochs > 10000) then
        raise exception 'epochs must be between 1 and 10000; got %', epochs using errcode = '22023';
    end if;
    if frame_match is not null and frame_match not in ('random', 'nearest', 'multiframe') then
        raise exception 'frame_match must be random, nearest or multiframe; got %', frame_match using errcode = '22023';
    end if;
    if trigger not in ('event', 'schedule', 'manual', 'sql') then
        raise exception 'trigger must be event, schedule, manual or sql; got %', trigger using errcode = '22023';
    end if;
    select id into run_id from brewclip.training_runs r where r.request_ids @> array[request_id];
    if found then
        return run_id;
    end if;
    wanted := jsonb_strip_nulls(jsonb_build_object('epochs', epochs, 'frame_match', frame_match));
    loop
        update brewclip.training_runs r
        set request_ids = r.request_ids || request_id, options = r.options || wanted, force = r.force or request_retrain.force,
            reason = coalesce(request_retrain.reason, r.reason), updated_at = now()
        where r.status = 'queued'
        returning id into run_id;
        exit when found;
        begin
            insert into brewclip.training_runs (trigger, status, reason, requested_by, options, request_ids, force)
            values (trigger, 'queued', reason, requested_by, wanted, array[request_id], force)
            returning id into run_id;
            exit;
        exception when unique_violation then
            -- Another request queued a run at the same moment: join it.
        end;
    end loop;
    perform pg_notify('brewclip_training', run_id::text);
    return run_id;
end $$;

-- Cancels the queued run and asks the running one to stop (it stops within a step and says so); returns how
-- many runs were affected.
create function brewclip.cancel_retrain() returns integer language plpgsql as $$
declare
    affected integer;
    running integer;
begin
    update brewclip.training_runs
    set status = 'cancelled', message = 'cancelled before it started', finished_at = now(), updated_at = now()
    where status = 'queued';
    get diagnostics affected = row_count;
    update brewclip.training_runs
    set cancel_requested_at = now(), updated_at = now()
    where status = 'running' and cancel_requested_at is null;
    get diagnostics running = row_count;
    perform pg_notify('brewclip_training', 'cancel');
    return affected + running;
end $$;
