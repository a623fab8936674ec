#!/bin/sh
# Makes the secret files compose.yaml mounts (./secrets/, never committed): random passwords, the Redis and
# PostgreSQL URLs that carry them, Parley's state encryption key. Leaves existing files alone.
set -eu
cd "$(dirname "$0")/../.."
mkdir -p secrets
chmod 700 secrets
rand() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
put() { # name value: written once; 0644 because compose bind-mounts the file for the containers' own users
  [ -s "secrets/$1" ] && return 0
  printf '%s' "$2" > "secrets/$1"
  chmod 644 "secrets/$1"
}
redis_password=$(rand)
postgres_password=$(rand)
[ -s secrets/redis_conf ] && redis_password=$(sed -n 's/^requirepass //p' secrets/redis_conf)
[ -s secrets/postgres_password ] && postgres_password=$(cat secrets/postgres_password)
put redis_conf "requirepass $redis_password
"
put redis_url "redis://default:$redis_password@redis:6379/0"
put postgres_password "$postgres_password"
put database_url "postgres://parley:$postgres_password@postgres:5432/parley"
put state_key "$(rand)"                       # 64 hex digits = 32 bytes
put grafana_admin_password "$(rand)"
[ -e secrets/metrics_token ] || { : > secrets/metrics_token; chmod 644 secrets/metrics_token; }
echo "secrets/ is ready. After the first start, give Prometheus a key:"
echo "  docker compose exec parley-1 node dist/cli/index.js keys create --name prometheus --role auditor"
echo "and write the printed secret to secrets/metrics_token."
