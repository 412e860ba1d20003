-- An early-stopping run's expected end. total_steps is the run's ceiling (Training:MaxSteps and MaxEpochs), which such
-- a run rarely reaches, so a share done counted against it stayed near the start of the bar until the run ended.
-- stops_at_step is the step the run ends at if its validation does not improve again (Training:Patience epochs past
-- its best, and not before Training:MinSteps); it moves out each time validation improves. progress and eta_seconds
-- are counted against it when it is set; it is null for a run of a fixed length.
alter table brewclip.training_runs add column stops_at_step integer;
