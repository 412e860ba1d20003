-- API keys for the Search service (issue: a team puts Search on its network). Only a hash of each key is stored,
-- with a short prefix that names it in lists and finds its row; the secret is shown once, when `brewclip keys
-- create` makes it. A key is live until it expires or is revoked; a revoked key's row stays (its name may be reused).
create table brewclip.api_keys (
    id bigint generated always as identity primary key,
    name text not null check (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    prefix text not null unique,
    secret_sha256 bytea not null check (length(secret_sha256) = 32),
    created_at timestamptz not null default now(),
    expires_at timestamptz,
    revoked_at timestamptz
);

-- One live key per name, so `brewclip keys revoke NAME` names one key.
create unique index api_keys_live_name on brewclip.api_keys (name) where revoked_at is null;
