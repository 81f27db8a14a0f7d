#!/usr/bin/env bash
# Reproduce bench/RESULTS.md: every benchmark once, with the machine it ran on.
#
#   bench/run.sh                 N = 100 and 2,000 (a few minutes)
#   bench/run.sh -bench.large    also N = 20,000, and Cloud at 100,000 in the heap benchmark
#
# Raw output goes to bench/results-latest.txt (kept locally, see .gitignore) and to the terminal.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
{
	echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "nproc: $(nproc)"
	echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "go: $(go version)"
	echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
	go test -run='^$' -bench=. -benchmem -count=1 -timeout=60m . -args "$@"
} 2>&1 | tee results-latest.txt
