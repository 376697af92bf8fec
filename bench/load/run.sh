#!/usr/bin/env bash
# The seed's load test, headless: 1,000 users, spawn rate 20, 3 minutes against each of
# (a) `comptoir head-office serve --workers 2`, (b) nginx in front of two instances and
# (c) a bare Flask + SQLAlchemy Core baseline, in this one run; prints requests/s, median, p95,
# p99 and failures for each and the ratios to the baseline.
#
#   bench/load/run.sh                      # 3 minutes each
#   DURATION=60 bench/load/run.sh          # shorter (seconds)
#   USERS=500 ONLY=a,c bench/load/run.sh
#
# Needs the bench extra (pip install -e ".[bench]": Locust), nginx for (b), and PostgreSQL:
# COMPTOIR_BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/comptoir_load).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec python bench/load/drive.py --users "${USERS:-1000}" --spawn-rate "${SPAWN_RATE:-20}" \
  --duration "${DURATION:-180}" --only "${ONLY:-a,b,c}" "$@"
