#!/usr/bin/env bash
# HTTP benchmark driver: builds the release binary, seeds (or reuses) a 10,000-product
# catalog, measures cold start (process start → first 200 on GET /), then drives the
# running binary with wrk (-t2 -c64 -d10s --timeout 10s --latency, after a 2 s warm-up) on home,
# category, product, search and API product pages, once with the rendered-page cache and
# once with BOUTIQUE_NO_PAGE_CACHE=1, and reports req/s, p50/p99, non-2xx counts, peak RSS
# (VmHWM) and the load average; finally runs the synchronous FULL vs NORMAL write bench.
# It owns nothing in src/: it only runs what `boutique serve` ships.
#
# Usage:  benches/run.sh [BENCH_DIR]
#   BENCH_DIR (or $BENCH_DIR): where the seeded catalog lives; reused when it already holds
#   data/store.db, else seeded with $PRODUCTS (default 10000) products. Default: a new
#   temp dir. Other knobs: $PORT (default 18089), $DURATION (default 10s),
#   $CONNECTIONS (default 64), $SKIP_BUILD=1, $SKIP_WRITES=1.
# Output: markdown on stdout (paste into BENCHMARKS.md); server logs in BENCH_DIR/*.log.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/target/release/boutique
PORT=${PORT:-18089}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
PRODUCTS=${PRODUCTS:-10000}
BENCH_DIR=${1:-${BENCH_DIR:-$(mktemp -d /tmp/boutique-bench.XXXXXX)}}
mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
BASE=http://127.0.0.1:$PORT

log() { echo "$@" >&2; }

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    log "building release binary and benches..."
    cargo build --release >&2
fi

if [[ -f $BENCH_DIR/data/store.db ]]; then
    log "reusing catalog in $BENCH_DIR/data"
else
    log "seeding $PRODUCTS products into $BENCH_DIR/data..."
    cargo bench --bench seed -- "$BENCH_DIR/data" "$PRODUCTS" >&2
fi

# (--listen is passed as well: config::load is still a stub returning the defaults.)
cat >"$BENCH_DIR/store.toml" <<EOF
[server]
data_dir = "data"
listen = "127.0.0.1:$PORT"
EOF

if curl -s -o /dev/null "$BASE/healthz"; then
    log "something already listens on port $PORT; set PORT"
    exit 1
fi

SERVER_PID=
stop_server() {
    if [[ -n $SERVER_PID ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}
trap stop_server EXIT

now_ns() { date +%s%N; }

# Starts the server (extra env as arguments) and sets SERVER_PID and COLD_MS: the time
# from just before exec to the first 200 on GET /.
start_server() {
    local logfile=$1
    shift
    local t0
    t0=$(now_ns)
    (cd "$BENCH_DIR" && exec env "$@" "$BIN" serve --config store.toml --listen "127.0.0.1:$PORT" --no-demo \
        >"$logfile.out" 2>"$logfile") &
    SERVER_PID=$!
    local code=000
    for _ in $(seq 1 2000); do
        code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/" || true)
        [[ $code == 200 ]] && break
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            log "server exited; see $logfile"
            exit 1
        fi
        sleep 0.005
    done
    [[ $code == 200 ]] || { log "no 200 from $BASE/ (last $code)"; exit 1; }
    COLD_MS=$((($(now_ns) - t0) / 1000000))
}

# Picks the URLs from the seeded catalog and checks each answers 200 with the right page.
pick_urls() {
    local cat_slug prod_slug
    cat_slug=clothing
    prod_slug=$(curl -s "$BASE/api/v1/products?limit=1" | grep -o '"slug":"[a-z0-9-]*"' | head -1 | cut -d'"' -f4)
    [[ -n $prod_slug ]] || { log "could not find a product slug"; exit 1; }
    URLS=("/" "/c/$cat_slug" "/p/$prod_slug" "/search?q=linen" "/api/v1/products/$prod_slug")
    NAMES=("home" "category" "product" "search" "API product")
    local i body code
    for i in "${!URLS[@]}"; do
        code=$(curl -s -o "$BENCH_DIR/check.body" -w '%{http_code}' "$BASE${URLS[$i]}")
        body=$(head -c 200000 "$BENCH_DIR/check.body")
        if [[ $code != 200 ]]; then
            log "${URLS[$i]} answered $code"
            exit 1
        fi
        case ${NAMES[$i]} in
            category) grep -q 'Clothing' <<<"$body" && grep -q '/p/' <<<"$body" ;;
            product) grep -q "$prod_slug" <<<"$body" && grep -q 'BQ-' <<<"$body" ;;
            search) grep -qi 'linen' <<<"$body" && grep -q '/p/' <<<"$body" ;;
            "API product") grep -q '"product"' <<<"$body" ;;
            home) grep -q '/p/' <<<"$body" ;;
        esac || { log "${URLS[$i]}: 200 but not the expected page"; exit 1; }
        log "ok ${URLS[$i]} 200 $(wc -c <"$BENCH_DIR/check.body") bytes"
    done
}

# wrk latency strings (e.g. 812.00us, 3.21ms, 1.02s) → milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000
        printf "%.2f", n }'
}

# Runs the five URLs against the running server, printing one table.
bench_urls() {
    local label=$1 i out rps p50 p99 non2xx errors
    echo
    echo "#### $label"
    echo
    echo "| page | URL | req/s | p50 ms | p99 ms | non-2xx | socket errors | load avg (1m) after |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|"
    for i in "${!URLS[@]}"; do
        wrk -t2 -c"$CONNECTIONS" -d2s "$BASE${URLS[$i]}" >/dev/null
        # --timeout 10s: wrk's default 2 s would cap slow (uncached) latencies and count
        # the rest as timeouts, hiding the real p99.
        out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --timeout 10s --latency "$BASE${URLS[$i]}")
        echo "$out" >>"$BENCH_DIR/wrk-raw.txt"
        rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
        p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
        p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
        non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
        errors=$(awk -F'Socket errors: ' '/Socket errors/ {print $2}' <<<"$out")
        echo "| ${NAMES[$i]} | \`${URLS[$i]}\` | $rps | $p50 | $p99 | ${non2xx:-0} | ${errors:-none} | $(cut -d' ' -f1 /proc/loadavg) |"
    done
    echo
    echo "Peak RSS (VmHWM) after this run: $(awk '/VmHWM/ {printf "%.1f MB", $2/1024}' /proc/"$SERVER_PID"/status)."
}

echo "### Run of $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)"
echo
echo "Machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo) RAM; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)."
echo "Catalog: $(du -h "$BENCH_DIR/data/store.db" | cut -f1) store.db in $BENCH_DIR/data. wrk -t2 -c$CONNECTIONS -d$DURATION --timeout 10s --latency on the same machine."
: >"$BENCH_DIR/wrk-raw.txt"

for mode in cached uncached; do
    if [[ $mode == cached ]]; then
        start_server "$BENCH_DIR/server-$mode.log"
    else
        start_server "$BENCH_DIR/server-$mode.log" BOUTIQUE_NO_PAGE_CACHE=1
    fi
    cold=$COLD_MS
    pick_urls
    bench_urls "$mode (page cache $([[ $mode == cached ]] && echo on || echo 'off: BOUTIQUE_NO_PAGE_CACHE=1'))"
    echo "Cold start (exec → first 200 on GET /, DB file in the OS page cache): $cold ms."
    stop_server
done

if [[ ${SKIP_WRITES:-0} != 1 ]]; then
    echo
    echo "#### Single-row write transactions (adjust_stock via Db::write_tx), temp DB in $BENCH_DIR"
    echo
    cargo bench --bench writes -- "$BENCH_DIR" 2000 2>/dev/null
fi
