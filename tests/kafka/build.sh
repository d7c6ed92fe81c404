#!/bin/sh
# Build the librdkafka mock-cluster launcher used by the Kafka integration
# tests (tests/support/kafka-broker.ts).  Idempotent: recompiles only when
# tests/kafka/kafka-mock is missing or older than kafka-mock.c.
#
# Needs (Debian/Ubuntu): apt-get install -y gcc libc6-dev pkg-config librdkafka-dev
set -eu

dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
src="$dir/kafka-mock.c"
bin="$dir/kafka-mock"

if [ -x "$bin" ] && ! [ "$src" -nt "$bin" ]; then
	exit 0
fi

if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists rdkafka; then
	cat >&2 <<'EOF'
tests/kafka/build.sh: librdkafka development files not found (pkg-config rdkafka).
The Kafka integration tests need a C compiler and librdkafka to build the mock broker.
Install them with:

    apt-get install -y gcc libc6-dev pkg-config librdkafka-dev

(run `apt-get update` first on a fresh machine), then re-run the tests.
EOF
	exit 1
fi

if ! command -v cc >/dev/null 2>&1; then
	echo "tests/kafka/build.sh: no C compiler (cc) found; run: apt-get install -y gcc libc6-dev pkg-config librdkafka-dev" >&2
	exit 1
fi

# Compile to a temporary file and rename, so that test processes building
# concurrently never execute a half-written binary.
tmp="$bin.tmp.$$"
trap 'rm -f "$tmp"' EXIT
# shellcheck disable=SC2046  # word splitting of pkg-config output is intended
cc -O2 -Wall -o "$tmp" "$src" $(pkg-config --cflags --libs rdkafka)
mv -f "$tmp" "$bin"
echo "tests/kafka/build.sh: built $bin" >&2
