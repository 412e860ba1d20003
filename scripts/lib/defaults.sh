# Sourced by scripts/stack.sh and scripts/brewclip: the settings a native stack's services and CLI share.
# What the environment sets wins, then the checkout's .env, then scripts/infra.sh's connection settings; the
# model store and artifact store are the checkout's models/ and artifacts/ folders, where stack.sh's services
# (started in the checkout) find them whatever folder the CLI is run from.
brewclip_defaults() {
  local root=$1 line var
  export BREWCLIP_ENV_FILE="${BREWCLIP_ENV_FILE:-$root/.env}"
  while IFS= read -r line; do
    var=${line#export }; var=${var%%=*}
    if [ -z "${!var:-}" ] && ! grep -qs "^$var=" "$BREWCLIP_ENV_FILE"; then eval "$line"; fi
  done < <("$root/scripts/infra.sh" env)
  export BREWCLIP_MODELS="${BREWCLIP_MODELS:-$root/models}"
  export BREWCLIP_ARTIFACTS="${BREWCLIP_ARTIFACTS:-$root/artifacts}"
}
