#!/usr/bin/env bash
# Make sure the PostgreSQL half of the test suite can run: if the server at
# TRACKER_TEST_POSTGRES does not answer but is installed here, start it.
# Without --require it never fails the build (the test suite says loudly when
# it skips PostgreSQL); CI passes --require, so the PostgreSQL half always runs.
url=${TRACKER_TEST_POSTGRES:-postgresql://postgres@127.0.0.1:5432/test}
answers() { command -v pg_isready >/dev/null && pg_isready -q -d "$url"; }
answers && exit 0
if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1; then
    echo "PostgreSQL is not answering; starting the local cluster"
    for v in $(ls /etc/postgresql); do
        pg_ctlcluster --skip-systemctl-redirect "$v" main start 2>/dev/null || true
    done
    for _ in $(seq 1 20); do answers && exit 0; sleep 0.5; done
fi
if [ "${1:-}" = "--require" ]; then
    echo "ERROR: PostgreSQL at $url does not answer; CI needs it" >&2
    exit 1
fi
echo "WARNING: PostgreSQL at $url does not answer; its tests will be SKIPPED"
exit 0
