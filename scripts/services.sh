#!/usr/bin/env bash
# Start the database servers the tests use, if they are down (PostgreSQL 15, MariaDB 10.11), and
# wait until both answer. Safe to run when they are already up.
set -euo pipefail
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
maria_up() { mariadb-admin --protocol=tcp -h 127.0.0.1 -P 3306 -u root status >/dev/null 2>&1; }
if ! pg_up && command -v pg_ctlcluster >/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
if ! maria_up && [ -x /usr/sbin/mariadbd ]; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
fi
for _ in $(seq 1 60); do pg_up && maria_up && exit 0; sleep 1; done
pg_up || echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2
maria_up || echo "MariaDB is not reachable on 127.0.0.1:3306" >&2
exit 1
